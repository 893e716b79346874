"""Bulletins over the API: read by everyone in the partnership, critical ones acknowledged by
members once however often they say so, nothing of another partnership's."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from bulletins.models import Bulletin, BulletinAcknowledgement
from bulletins.services import bulletin_acknowledge, bulletin_post
from partnerships.models import ApiScope, Partnership
from tests.factories import api_token_for, membership_of
from tests.fixtures import api_client_for

PROBLEM = "application/problem+json"


def api_as(user: User, partnership: Partnership, scopes: list[str] | None = None) -> Client:
    return api_client_for(api_token_for(user, partnership, scopes=scopes))


def post(
    admin: User, partnership: Partnership, *, critical: bool = True, title: str = "Knife"
) -> Bulletin:
    return bulletin_post(
        partnership=partnership,
        title=title,
        body="A man with a knife was seen near the station.",
        critical=critical,
        actor=Actor(user=admin, partnership=partnership),
    )


@pytest.fixture
def critical(partnership_a: Partnership, admin_a: User) -> Bulletin:
    return post(admin_a, partnership_a)


@pytest.mark.parametrize(
    ("who", "read", "acknowledge"),
    [
        ("admin_a", 200, 400),
        ("police_a", 200, 400),
        ("member_a", 200, 200),
        ("admin_b", 404, 404),
    ],
)
def test_bulletin_endpoints_by_role(
    who: str,
    read: int,
    acknowledge: int,
    critical: Bulletin,
    partnership_b: Partnership,
    request: pytest.FixtureRequest,
) -> None:
    """Everyone in alpha reads its bulletins; only members acknowledge (the service says so
    to anyone else, as the page does); bravo's token finds nothing at alpha."""
    user = request.getfixturevalue(who)
    home = partnership_b if who == "admin_b" else critical.partnership
    client = api_as(user, home)
    assert client.get("/api/v1/p/alpha/bulletins/").status_code == read
    assert client.get(f"/api/v1/p/alpha/bulletins/{critical.pk}/").status_code == read
    response = client.post(f"/api/v1/p/alpha/bulletins/{critical.pk}/acknowledge/")
    assert response.status_code == acknowledge
    if acknowledge != 200:
        assert response["Content-Type"] == PROBLEM
        assert not BulletinAcknowledgement.objects.exists()


def test_the_list_says_whether_this_person_has_acknowledged_each(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    read = post(admin_a, partnership_a, title="Read it")
    unread = post(admin_a, partnership_a, title="Not yet")
    plain = post(admin_a, partnership_a, critical=False, title="For information")
    bulletin_acknowledge(
        bulletin=read, membership=membership_of(member_a, partnership_a), actor=Actor(user=member_a)
    )
    body = api_as(member_a, partnership_a).get("/api/v1/p/alpha/bulletins/").json()
    assert body["next"] is None and body["previous"] is None
    rows = {row["id"]: row for row in body["results"]}
    assert [row["id"] for row in body["results"]] == [plain.pk, unread.pk, read.pk]
    assert rows[read.pk]["acknowledged"] is True and rows[read.pk]["acknowledged_at"]
    assert rows[unread.pk]["acknowledged"] is False and rows[unread.pk]["acknowledged_at"] is None
    assert rows[plain.pk]["critical"] is False
    assert rows[read.pk] == {
        "id": read.pk,
        "url": f"http://testserver/api/v1/p/alpha/bulletins/{read.pk}/",
        "title": "Read it",
        "body": "A man with a knife was seen near the station.",
        "critical": True,
        "posted_by": str(admin_a),
        "created_at": rows[read.pk]["created_at"],
        "withdrawn_at": None,
        "acknowledged": True,
        "acknowledged_at": rows[read.pk]["acknowledged_at"],
    }
    # What one person has read says nothing about another.
    admin_rows = api_as(admin_a, partnership_a).get("/api/v1/p/alpha/bulletins/").json()
    assert not any(row["acknowledged"] for row in admin_rows["results"])


def test_acknowledging_twice_stores_one_acknowledgement(
    critical: Bulletin, partnership_a: Partnership, member_a: User
) -> None:
    client = api_as(member_a, partnership_a)
    url = f"/api/v1/p/alpha/bulletins/{critical.pk}/acknowledge/"
    first = client.post(url)
    second = client.post(url)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert first.json()["acknowledged"] is True and first.json()["id"] == critical.pk
    assert BulletinAcknowledgement.objects.filter(bulletin=critical, user=member_a).count() == 1
    assert AuditEvent.objects.filter(action="bulletin.acknowledge", actor=member_a).count() == 1
    detail = client.get(f"/api/v1/p/alpha/bulletins/{critical.pk}/").json()
    assert detail["acknowledged_at"] == first.json()["acknowledged_at"]


def test_a_bulletin_that_is_not_critical_needs_no_acknowledging(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    plain = post(admin_a, partnership_a, critical=False)
    response = api_as(member_a, partnership_a).post(
        f"/api/v1/p/alpha/bulletins/{plain.pk}/acknowledge/"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": ["Only critical bulletins need acknowledging."]
    }
    assert not BulletinAcknowledgement.objects.exists()


def test_a_bulletin_of_another_partnership_is_not_found_even_by_its_members_elsewhere(
    partnership_a: Partnership, partnership_b: Partnership, admin_b: User, member_a: User
) -> None:
    theirs = post(admin_b, partnership_b)
    client = api_as(member_a, partnership_a)
    assert client.get(f"/api/v1/p/alpha/bulletins/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/p/alpha/bulletins/{theirs.pk}/acknowledge/").status_code == 404
    assert not BulletinAcknowledgement.objects.exists()
    listed = client.get("/api/v1/p/alpha/bulletins/").json()["results"]
    assert theirs.pk not in [row["id"] for row in listed]


def test_a_token_without_the_scope_is_refused(
    critical: Bulletin, partnership_a: Partnership, member_a: User
) -> None:
    reader = api_as(member_a, partnership_a, [ApiScope.BULLETINS_READ])
    assert reader.get("/api/v1/p/alpha/bulletins/").status_code == 200
    assert reader.post(f"/api/v1/p/alpha/bulletins/{critical.pk}/acknowledge/").status_code == 403
    assert not BulletinAcknowledgement.objects.exists()
    acknowledger = api_as(member_a, partnership_a, [ApiScope.BULLETINS_ACKNOWLEDGE])
    assert acknowledger.get("/api/v1/p/alpha/bulletins/").status_code == 403
    assert acknowledger.get(f"/api/v1/p/alpha/bulletins/{critical.pk}/").status_code == 403
    unrelated = api_as(member_a, partnership_a, [ApiScope.PROFILES_READ])
    assert unrelated.get("/api/v1/p/alpha/bulletins/").status_code == 403


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 200),
        ("?cursor=not-a-cursor", 400),
        # A cursor that decodes, holding a date no calendar has.
        ("?cursor=eyJrIjpbIjk5OTk5LTEyLTMxIiwxXSwiYiI6ZmFsc2V9", 400),
        ("?cursor=%00", 400),
    ],
)
def test_a_cursor_sent_wrong_is_a_400(
    query: str, status: int, critical: Bulletin, partnership_a: Partnership, member_a: User
) -> None:
    response = api_as(member_a, partnership_a).get(f"/api/v1/p/alpha/bulletins/{query}")
    assert response.status_code == status
    if status == 400:
        assert response["Content-Type"] == PROBLEM
        assert "cursor" in response.json()["errors"]


def test_an_id_too_long_for_a_record_is_not_found(
    critical: Bulletin, partnership_a: Partnership, member_a: User
) -> None:
    client = api_as(member_a, partnership_a)
    assert client.get(f"/api/v1/p/alpha/bulletins/{10**19}/").status_code == 404
    assert client.post(f"/api/v1/p/alpha/bulletins/{10**19}/acknowledge/").status_code == 404
    assert client.get(f"/api/v1/p/alpha/bulletins/{10**17}/").status_code == 404


def test_bulletins_page_newest_first(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    made = [post(admin_a, partnership_a, title=f"Bulletin {n}") for n in range(55)]
    client = api_as(member_a, partnership_a)
    first = client.get("/api/v1/p/alpha/bulletins/").json()
    second = client.get(first["next"]).json()
    shown = [row["id"] for row in first["results"] + second["results"]]
    assert shown == [bulletin.pk for bulletin in reversed(made)]
    assert second["next"] is None


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_list_costs_the_same_for_5_and_50_bulletins(
    partnership_a: Partnership, admin_a: User, police_a: User, member_a: User
) -> None:
    membership = membership_of(member_a, partnership_a)

    def add(count: int) -> None:
        for _ in range(count):
            bulletin = post(admin_a, partnership_a)
            bulletin_acknowledge(
                bulletin=bulletin, membership=membership, actor=Actor(user=member_a)
            )

    add(5)
    clients: list[Any] = [api_as(user, partnership_a) for user in (admin_a, police_a, member_a)]
    for client in clients:
        client.get("/api/v1/p/alpha/bulletins/")
    few = [queries_of(client, "/api/v1/p/alpha/bulletins/") for client in clients]
    add(45)
    many = [queries_of(client, "/api/v1/p/alpha/bulletins/") for client in clients]
    assert few == many
