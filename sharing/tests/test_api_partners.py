"""Partners and the state of sharing over the API: administrators only, as the partners pages;
every state, the agreement and since when; the give/gain counts; one cost for any number of
partnerships."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import User
from partnerships.models import ApiScope, Partnership, Role
from sharing import services
from sharing.models import SharingConsent
from sharing.selectors import PartnerState
from tests.factories import ProfileFactory, api_token_for, partnership_make, person_in
from tests.fixtures import api_client_for, client_for

PROBLEM = "application/problem+json"


def api_as(user: User, partnership: Partnership, scopes: list[str] | None = None) -> Client:
    return api_client_for(api_token_for(user, partnership, scopes=scopes))


def ask(partnership: Partnership, partner: Partnership, admin: User, reference: str = "") -> None:
    services.consent_request(
        partnership=partnership,
        partner=partner,
        agreement_reference=reference,
        actor=Actor(user=admin, partnership=partnership),
    )


def accept(partnership: Partnership, partner: Partnership, admin: User) -> None:
    services.consent_accept(
        partnership=partnership, partner=partner, actor=Actor(user=admin, partnership=partnership)
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [("admin_a", 200), ("police_a", 403), ("member_a", 403), ("admin_b", 404)],
)
def test_partner_endpoints_by_role(
    who: str,
    expected: int,
    partnership_a: Partnership,
    partnership_b: Partnership,
    request: pytest.FixtureRequest,
) -> None:
    """Administrators alone see sharing, as on the partners page; bravo's token finds nothing
    at alpha's addresses, not even bravo itself as alpha's partner."""
    user = request.getfixturevalue(who)
    home = partnership_b if who == "admin_b" else partnership_a
    client = api_as(user, home)
    for url in ("/api/v1/p/alpha/partners/", "/api/v1/p/alpha/partners/bravo/"):
        response = client.get(url)
        assert response.status_code == expected, url
        if expected != 200:
            assert response["Content-Type"] == PROBLEM


def test_each_partner_with_the_state_the_agreement_and_since_when(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> None:
    towns = {
        slug: partnership_make(slug, f"{slug.title()} BCRP")
        for slug in ("charlie", "delta", "echo", "foxtrot")
    }
    admins = {slug: person_in(town, Role.ADMIN) for slug, town in towns.items()}
    ask(partnership_a, partnership_b, admin_a, "ISA-AB")
    accept(partnership_b, partnership_a, admin_b)
    ask(partnership_a, towns["charlie"], admin_a, "ISA-AC")
    ask(towns["delta"], partnership_a, admins["delta"], "ISA-AD")
    ask(partnership_a, towns["echo"], admin_a, "ISA-AE")
    services.consent_revoke(
        partnership=partnership_a, partner=towns["echo"], actor=Actor(user=admin_a)
    )

    response = api_as(admin_a, partnership_a).get("/api/v1/p/alpha/partners/")
    assert response.status_code == 200
    rows = response.json()
    assert [row["slug"] for row in rows] == ["bravo", "charlie", "delta", "echo", "foxtrot"]
    by_slug = {row["slug"]: row for row in rows}
    states = {slug: row["state"] for slug, row in by_slug.items()}
    assert states == {
        "bravo": PartnerState.ACTIVE,
        "charlie": PartnerState.REQUESTED_BY_US,
        "delta": PartnerState.REQUESTED_BY_THEM,
        "echo": PartnerState.ENDED,
        "foxtrot": PartnerState.NONE,
    }
    references = {slug: row["agreement_reference"] for slug, row in by_slug.items()}
    assert references == {
        "bravo": "ISA-AB",
        "charlie": "ISA-AC",
        "delta": "ISA-AD",
        "echo": "ISA-AE",
        "foxtrot": "",
    }
    accepted = SharingConsent.objects.get(grantor=partnership_b, grantee=partnership_a)
    ended = SharingConsent.objects.get(grantor=partnership_a, grantee=towns["echo"])
    assert datetime.fromisoformat(by_slug["bravo"]["since"]) == accepted.granted_at
    assert datetime.fromisoformat(by_slug["echo"]["since"]) == ended.ended_at
    for slug, grantor in (("charlie", partnership_a), ("delta", towns["delta"])):
        requested = SharingConsent.objects.get(
            grantor=grantor, ended_at=None, agreement_reference=references[slug]
        )
        assert datetime.fromisoformat(by_slug[slug]["since"]) == requested.granted_at
    assert by_slug["foxtrot"]["since"] is None
    assert by_slug["bravo"] == {
        "slug": "bravo",
        "name": "Bravo BCRP",
        "police_force_area": "",
        "state": "active",
        "state_label": "Sharing",
        "agreement_reference": "ISA-AB",
        "since": by_slug["bravo"]["since"],
        "url": "http://testserver/api/v1/p/alpha/partners/bravo/",
    }


def test_a_partner_with_what_sharing_gives_and_gains(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User
) -> None:
    """The counts the partner page shows: never-shared profiles (archived, local-only,
    under 18) left out on both sides."""
    for _ in range(3):
        ProfileFactory(partnership=partnership_b)
    ProfileFactory(partnership=partnership_b, status="archived")
    ProfileFactory(partnership=partnership_b, local_only=True)
    ProfileFactory(partnership=partnership_b, age_min=15, age_max=17)
    ProfileFactory(partnership=partnership_a)
    ProfileFactory(
        partnership=partnership_a,
        date_of_birth=timezone.localdate() - timedelta(days=10 * 365),
        age_min=None,
        age_max=None,
    )
    response = api_as(admin_a, partnership_a).get("/api/v1/p/alpha/partners/bravo/")
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["gain"], body["give"]) == ("none", 3, 1)
    page = client_for(admin_a).get("/p/alpha/partners/bravo/")
    assert (page.context["gain"], page.context["give"]) == (body["gain"], body["give"])


@pytest.mark.parametrize("other", ["alpha", "nowhere", "a" * 50, "x" * 51, "no%20such"])
def test_only_another_partnership_on_the_platform_is_a_partner(
    other: str, partnership_a: Partnership, partnership_b: Partnership, admin_a: User
) -> None:
    response = api_as(admin_a, partnership_a).get(f"/api/v1/p/alpha/partners/{other}/")
    assert response.status_code == 404


def test_a_token_without_the_scope_is_refused(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User
) -> None:
    client = api_as(admin_a, partnership_a, [ApiScope.PROFILES_READ, ApiScope.NOTICES_WRITE])
    for url in ("/api/v1/p/alpha/partners/", "/api/v1/p/alpha/partners/bravo/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "sharing:read" in response.json()["detail"]


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_partners_cost_the_same_for_5_and_50_partnerships(
    partnership_a: Partnership, admin_a: User
) -> None:
    def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            town = partnership_make(f"town-{n}")
            if n % 2:
                ask(partnership_a, town, admin_a, f"ISA-{n}")

    add(0, 5)
    client = api_as(admin_a, partnership_a)
    client.get("/api/v1/p/alpha/partners/")
    few = queries_of(client, "/api/v1/p/alpha/partners/")
    add(5, 45)
    many = queries_of(client, "/api/v1/p/alpha/partners/")
    assert few == many
    assert len(client.get("/api/v1/p/alpha/partners/").json()) == 50


def test_the_document_names_every_state_and_says_the_list_is_whole(admin_a: User) -> None:
    document = json.loads(client_for(admin_a).get("/api/v1/schema/?format=json").content)
    assert document["components"]["schemas"]["PartnerStateEnum"]["enum"] == [
        state.value for state in PartnerState
    ]
    listing = document["paths"]["/api/v1/p/{slug}/partners/"]["get"]
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert "Not paged" in listing["description"]
