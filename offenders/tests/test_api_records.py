"""Galleries, their placements and notices over the API: the roles and records the gallery,
profile and notice pages allow, the notice form's bounds, and query counts that do not grow."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from offenders import services
from offenders.forms import NoticeForm
from offenders.models import (
    Exclusion,
    Gallery,
    GalleryPlacement,
    NoticeKind,
    NoticeStatus,
    OffenderProfile,
)
from partnerships.models import ApiScope, Partnership
from sharing import services as sharing_services
from tests.factories import (
    BusinessFactory,
    GalleryFactory,
    PremisesFactory,
    ProfileFactory,
    api_token_for,
    image_on,
)
from tests.fixtures import api_client_for, client_for

PROBLEM = "application/problem+json"
PROFILE_ROW_FIELDS = {
    "id",
    "reference",
    "owner",
    "first_name",
    "last_name",
    "aliases",
    "status",
    "galleries",
    "notice_in_force",
    "thumbnail_url",
    "url",
    "created_at",
}
TILL_CARD_FIELDS = {
    "fields_shown",
    "id",
    "reference",
    "first_name",
    "last_name",
    "aliases",
    "status",
    "warning_markers",
    "notice_in_force",
    "photos",
}


def api_as(user: User, partnership: Partnership, scopes: list[str] | None = None) -> Client:
    return api_client_for(api_token_for(user, partnership, scopes=scopes))


def place(profile: OffenderProfile, gallery: Gallery, admin: User) -> GalleryPlacement:
    return services.placement_add(profile=profile, gallery=gallery, actor=Actor(user=admin))


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


def ids_of(response: Any) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@dataclass
class Galleries:
    circulated: Gallery
    private: Gallery
    adult: OffenderProfile
    local_only: OffenderProfile
    juvenile: OffenderProfile
    archived: OffenderProfile
    expired: OffenderProfile
    private_only: OffenderProfile


@pytest.fixture
def galleries(partnership_a: Partnership, admin_a: User) -> Galleries:
    """Alpha's galleries: one circulated to members holding profiles members may and may not
    see, and one that is not circulated."""
    circulated = GalleryFactory(partnership=partnership_a, name="Excluded", members_may_see=True)
    private = GalleryFactory(partnership=partnership_a, name="Watch list", members_may_see=False)
    adult = ProfileFactory(partnership=partnership_a, first_name="Adam", last_name="Adult")
    local_only = ProfileFactory(
        partnership=partnership_a, first_name="Lou", last_name="Local", local_only=True
    )
    juvenile = ProfileFactory(
        partnership=partnership_a,
        first_name="Jo",
        last_name="Young",
        date_of_birth=timezone.localdate() - timedelta(days=16 * 365),
        age_min=None,
        age_max=None,
    )
    archived = ProfileFactory(
        partnership=partnership_a, first_name="Arch", last_name="Ived", status="archived"
    )
    expired = ProfileFactory(partnership=partnership_a, first_name="Ex", last_name="Pired")
    private_only = ProfileFactory(partnership=partnership_a, first_name="Pri", last_name="Vate")
    for profile in (adult, local_only, juvenile, archived, expired):
        place(profile, circulated, admin_a)
    GalleryPlacement.objects.filter(profile=expired).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    place(private_only, private, admin_a)
    return Galleries(
        circulated, private, adult, local_only, juvenile, archived, expired, private_only
    )


# Galleries and placements.


@pytest.mark.parametrize(
    ("who", "expected"),
    [("admin_a", 200), ("police_a", 200), ("member_a", 200), ("admin_b", 404)],
)
def test_gallery_endpoints_by_role(
    who: str,
    expected: int,
    galleries: Galleries,
    partnership_b: Partnership,
    request: pytest.FixtureRequest,
) -> None:
    """Everyone in alpha reads its circulated gallery; bravo's administrator, whose token is
    for bravo, finds nothing at alpha's addresses."""
    user = request.getfixturevalue(who)
    home = partnership_b if who == "admin_b" else galleries.circulated.partnership
    client = api_as(user, home)
    base = f"/api/v1/p/alpha/galleries/{galleries.circulated.pk}/"
    for url in ("/api/v1/p/alpha/galleries/", base, f"{base}placements/"):
        response = client.get(url)
        assert response.status_code == expected, url
        if expected != 200:
            assert response["Content-Type"] == PROBLEM


def test_administrators_and_police_list_every_gallery_members_only_circulated_ones(
    galleries: Galleries,
    partnership_a: Partnership,
    admin_a: User,
    police_a: User,
    member_a: User,
) -> None:
    for user in (admin_a, police_a):
        body = api_as(user, partnership_a).get("/api/v1/p/alpha/galleries/").json()
        assert [row["name"] for row in body["results"]] == ["Excluded", "Watch list"]
    body = api_as(member_a, partnership_a).get("/api/v1/p/alpha/galleries/").json()
    assert body["next"] is None and body["previous"] is None
    [only] = body["results"]
    assert only == {
        "id": galleries.circulated.pk,
        "name": "Excluded",
        "default_expiry_months": 6,
        "members_may_see": True,
        "url": f"http://testserver/api/v1/p/alpha/galleries/{galleries.circulated.pk}/",
        "placements_url": (
            f"http://testserver/api/v1/p/alpha/galleries/{galleries.circulated.pk}/placements/"
        ),
    }


def test_a_member_finds_no_gallery_that_is_not_circulated(
    galleries: Galleries, partnership_a: Partnership, member_a: User
) -> None:
    client = api_as(member_a, partnership_a)
    base = f"/api/v1/p/alpha/galleries/{galleries.private.pk}/"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}placements/").status_code == 404


def test_a_member_sees_through_placements_exactly_what_the_member_gallery_shows(
    galleries: Galleries, partnership_a: Partnership, member_a: User
) -> None:
    """Never an under-18, archived or expired placement, and only the till's fields; the same
    profiles as the member gallery page (which, like the API, shows a local-only profile to
    the partnership's own members: local only means never shared with partners)."""
    url = f"/api/v1/p/alpha/galleries/{galleries.circulated.pk}/placements/"
    response = api_as(member_a, partnership_a).get(url)
    assert response.status_code == 200
    shown = [row["profile"]["id"] for row in response.json()["results"]]
    assert shown == [galleries.adult.pk, galleries.local_only.pk]
    for hidden in (galleries.juvenile, galleries.archived, galleries.expired):
        assert hidden.pk not in shown
    for row in response.json()["results"]:
        assert set(row) == {"id", "expires_on", "profile"}
        assert set(row["profile"]) == TILL_CARD_FIELDS
        assert row["profile"]["fields_shown"] == "till"
    page = client_for(member_a).get(f"/p/alpha/gallery/?g={galleries.circulated.pk}")
    assert page.status_code == 200
    on_page = AuditEvent.objects.filter(action="gallery.view", actor=member_a).latest("id")
    assert on_page.detail["profile_ids"] == shown


def test_administrators_and_police_see_every_placement_as_a_profile_row(
    galleries: Galleries, partnership_a: Partnership, admin_a: User, police_a: User
) -> None:
    image_on(galleries.adult, admin_a)
    url = f"/api/v1/p/alpha/galleries/{galleries.circulated.pk}/placements/"
    for user in (admin_a, police_a):
        body = api_as(user, partnership_a).get(url).json()
        by_profile = {row["profile"]["id"]: row for row in body["results"]}
        assert set(by_profile) == {
            galleries.adult.pk,
            galleries.local_only.pk,
            galleries.juvenile.pk,
            galleries.archived.pk,
            galleries.expired.pk,
        }
        row = by_profile[galleries.adult.pk]
        placement = GalleryPlacement.objects.get(profile=galleries.adult)
        assert row["id"] == placement.pk
        assert row["expires_on"] == placement.expires_on.isoformat()
        assert set(row["profile"]) == PROFILE_ROW_FIELDS
        assert row["profile"]["owner"] == {"slug": "alpha", "name": "Alpha BCRP"}
        assert row["profile"]["galleries"] == ["Excluded"]
        assert row["profile"]["thumbnail_url"].endswith("/thumbnail/")
        assert by_profile[galleries.expired.pk]["expires_on"] < timezone.localdate().isoformat()


def test_placements_are_recorded_in_the_audit_log_as_the_gallery_page_is(
    galleries: Galleries, partnership_a: Partnership, member_a: User
) -> None:
    url = f"/api/v1/p/alpha/galleries/{galleries.circulated.pk}/placements/"
    api_as(member_a, partnership_a).get(url)
    event = AuditEvent.objects.get(action="gallery.view", actor=member_a)
    assert event.object_id == str(galleries.circulated.pk)
    assert event.detail == {"profile_ids": [galleries.adult.pk, galleries.local_only.pk]}


def test_a_gallery_of_another_partnership_is_not_found(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User
) -> None:
    theirs = GalleryFactory(partnership=partnership_b)
    client = api_as(admin_a, partnership_a)
    assert client.get(f"/api/v1/p/alpha/galleries/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/v1/p/alpha/galleries/{theirs.pk}/placements/").status_code == 404


def test_placements_page_by_name_without_losing_or_repeating_a_row(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    """Fifty-five people with the same name: the key ends in the placement's id, so the
    second page starts exactly after the first."""
    gallery = GalleryFactory(partnership=partnership_a)
    for _ in range(55):
        place(
            ProfileFactory(partnership=partnership_a, first_name="Sam", last_name="Smith"),
            gallery,
            admin_a,
        )
    for user in (admin_a, member_a):
        client = api_as(user, partnership_a)
        first = client.get(f"/api/v1/p/alpha/galleries/{gallery.pk}/placements/").json()
        second = client.get(first["next"]).json()
        assert len(first["results"]) == 50 and len(second["results"]) == 5
        assert second["next"] is None
        seen = [row["id"] for row in first["results"] + second["results"]]
        assert sorted(seen) == sorted(
            GalleryPlacement.objects.filter(gallery=gallery).values_list("id", flat=True)
        )
        back = client.get(second["previous"]).json()
        assert [row["id"] for row in back["results"]] == seen[:50]


def test_gallery_lists_cost_the_same_for_5_and_50_rows(
    partnership_a: Partnership, admin_a: User, police_a: User, member_a: User
) -> None:
    gallery = GalleryFactory(partnership=partnership_a, members_may_see=True)

    def add(count: int) -> None:
        for _ in range(count):
            GalleryFactory(partnership=partnership_a, members_may_see=True)
            profile = ProfileFactory(partnership=partnership_a)
            place(profile, gallery, admin_a)
            services.exclusion_issue(
                profile=profile, kind="warning", reason="Abuse", actor=Actor(user=admin_a)
            )
            image_on(profile, admin_a)

    add(5)
    clients = [api_as(user, partnership_a) for user in (admin_a, police_a, member_a)]
    urls = ["/api/v1/p/alpha/galleries/", f"/api/v1/p/alpha/galleries/{gallery.pk}/placements/"]
    for client in clients:
        client.get(urls[0])  # the token's first use notes its last-seen time: not counted
    few = [queries_of(client, url) for client in clients for url in urls]
    add(45)
    many = [queries_of(client, url) for client in clients for url in urls]
    assert few == many


# Notices: read, issue, appeal.


@pytest.fixture
def subject(partnership_a: Partnership) -> OffenderProfile:
    return ProfileFactory(partnership=partnership_a, first_name="Nora", last_name="Notice")


@pytest.fixture
def notice(subject: OffenderProfile, admin_a: User) -> Exclusion:
    return services.exclusion_issue(
        profile=subject, kind="warning", reason="Abusive to staff", actor=Actor(user=admin_a)
    )


def issue_body(subject: OffenderProfile, **fields: Any) -> dict[str, Any]:
    return {"profile": subject.pk, "kind": "warning", "reason": "Abusive to staff", **fields}


def post_json(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [
        ("admin_a", 200, True),
        ("police_a", 200, False),
        ("member_a", 403, False),
        ("admin_b", 404, False),
    ],
)
def test_notice_endpoints_by_role(
    who: str,
    read: int,
    write: bool,
    notice: Exclusion,
    subject: OffenderProfile,
    partnership_b: Partnership,
    request: pytest.FixtureRequest,
) -> None:
    """Administrators and police read notices as the notice page allows; administrators
    alone issue them and record appeals; bravo's token finds nothing at alpha."""
    user = request.getfixturevalue(who)
    home = partnership_b if who == "admin_b" else subject.partnership
    client = api_as(user, home)
    assert client.get("/api/v1/p/alpha/notices/").status_code == read
    assert client.get(f"/api/v1/p/alpha/notices/{notice.pk}/").status_code == read
    before = Exclusion.objects.count()
    issued = post_json(client, "/api/v1/p/alpha/notices/", issue_body(subject))
    appeal = post_json(
        client,
        f"/api/v1/p/alpha/notices/{notice.pk}/appeal/",
        {"appeal_lodged_on": timezone.localdate().isoformat()},
    )
    if write:
        assert (issued.status_code, appeal.status_code) == (201, 200)
    else:
        refused = 404 if who == "admin_b" else 403
        assert (issued.status_code, appeal.status_code) == (refused, refused)
        assert Exclusion.objects.count() == before
        notice.refresh_from_db()
        assert notice.appeal_lodged_on is None


def test_issuing_a_notice_answers_201_with_its_address(
    subject: OffenderProfile, partnership_a: Partnership, admin_a: User
) -> None:
    premises = PremisesFactory(
        business=BusinessFactory(partnership=partnership_a), name="Market St"
    )
    client = api_as(admin_a, partnership_a)
    today = timezone.localdate()
    response = post_json(
        client,
        "/api/v1/p/alpha/notices/",
        issue_body(subject, premises=[premises.pk], served_by="PC Jones", served_on=str(today)),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    notice = Exclusion.objects.get(profile=subject)
    assert response["Location"] == f"http://testserver/api/v1/p/alpha/notices/{notice.pk}/"
    assert body["id"] == notice.pk
    assert body["kind"] == "warning" and body["status"] == "active"
    assert body["starts_on"] == today.isoformat()
    assert body["ends_on"] == notice.ends_on.isoformat() > today.isoformat()
    assert body["all_premises"] is False
    assert body["premises"] == [{"id": premises.pk, "name": "Market St", "postcode": "W1 2AB"}]
    assert body["profile"]["id"] == subject.pk and body["profile"]["name"] == "Nora Notice"
    assert body["served_by"] == "PC Jones" and body["issued_by"] == str(admin_a)
    assert AuditEvent.objects.filter(action="notice.warning", actor=admin_a).count() == 1
    again = client.get(response["Location"])
    assert again.status_code == 200 and again.json() == body


def test_a_second_warning_on_record_becomes_an_exclusion(
    notice: Exclusion, subject: OffenderProfile, partnership_a: Partnership, admin_a: User
) -> None:
    response = post_json(
        api_as(admin_a, partnership_a), "/api/v1/p/alpha/notices/", issue_body(subject)
    )
    assert response.status_code == 201
    assert response.json()["kind"] == NoticeKind.EXCLUSION
    assert response.json()["escalated_from"] == notice.pk


class DaysAhead:
    """A date `days` from today, worked out when the test runs rather than when it is
    collected: a run that crosses midnight must still send "tomorrow" as tomorrow."""

    def __init__(self, days: int) -> None:
        self.days = days

    def __str__(self) -> str:
        return (timezone.localdate() + timedelta(days=self.days)).isoformat()


def far(days: int) -> DaysAhead:
    return DaysAhead(days)


def dated(body: dict[str, Any]) -> dict[str, Any]:
    return {key: str(v) if isinstance(v, DaysAhead) else v for key, v in body.items()}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"starts_on": "9999-12-31"}, "starts_on", id="start in year 9999"),
        pytest.param({"starts_on": "0001-01-01"}, "starts_on", id="start in year 1"),
        pytest.param({"starts_on": "10000-01-01"}, "starts_on", id="start past year 9999"),
        pytest.param({"starts_on": "2026-02-30"}, "starts_on", id="no such day"),
        pytest.param({"starts_on": far(400)}, "starts_on", id="start over a year ahead"),
        pytest.param({"served_on": "9999-12-31"}, "served_on", id="served in year 9999"),
        pytest.param({"served_on": far(1)}, "served_on", id="served tomorrow"),
        pytest.param(
            {"starts_on": far(100), "served_on": far(0)}, "served_on", id="served long before"
        ),
        pytest.param({"starts_on": 20260101}, "starts_on", id="date as a number"),
        pytest.param({"kind": "ban"}, "kind", id="no such kind"),
        pytest.param({"reason": ""}, "reason", id="no reason"),
        pytest.param({"reason": "   "}, "reason", id="blank reason"),
        pytest.param({"reason": "a\x00b"}, "reason", id="NUL in reason"),
        pytest.param({"reason": "x" * 2001}, "reason", id="reason too long"),
        pytest.param({"reason": ["a"]}, "reason", id="reason a list"),
        pytest.param({"served_by": "x" * 121}, "served_by", id="served_by too long"),
        pytest.param({"profile": 10**19}, "profile", id="huge profile id"),
        pytest.param({"profile": "abc"}, "profile", id="profile not a number"),
        pytest.param({"profile": None}, "profile", id="profile null"),
        pytest.param({"premises": [10**19]}, "premises", id="huge premises id"),
        pytest.param({"premises": "1"}, "premises", id="premises not a list"),
        pytest.param({"premises": [999999]}, "premises", id="no such premises"),
    ],
)
def test_a_notice_sent_wrong_is_refused_whole(
    change: dict[str, Any],
    field: str,
    subject: OffenderProfile,
    partnership_a: Partnership,
    admin_a: User,
) -> None:
    response = post_json(
        api_as(admin_a, partnership_a),
        "/api/v1/p/alpha/notices/",
        issue_body(subject, **dated(change)),
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert field in response.json()["errors"]
    assert not Exclusion.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"profile": 1, "kind": "warn', id="cut off"),
        pytest.param(b"[]", id="a list"),
        pytest.param(b"", id="empty"),
        pytest.param(b'"warning"', id="a string"),
    ],
)
def test_a_body_that_is_not_a_notice_is_a_400(
    body: bytes, subject: OffenderProfile, partnership_a: Partnership, admin_a: User
) -> None:
    client = api_as(admin_a, partnership_a)
    response = client.post("/api/v1/p/alpha/notices/", body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert not Exclusion.objects.exists()


def test_the_api_refuses_a_notice_in_the_notice_forms_words(
    subject: OffenderProfile, partnership_a: Partnership, admin_a: User
) -> None:
    """The same form checks both: a start a year and more away gets the page's message."""
    start = str(far(400))
    form = NoticeForm(
        {"kind": "warning", "reason": "Abuse", "starts_on": start}, partnership=partnership_a
    )
    assert not form.is_valid()
    response = post_json(
        api_as(admin_a, partnership_a),
        "/api/v1/p/alpha/notices/",
        issue_body(subject, starts_on=start),
    )
    assert response.json()["errors"]["starts_on"] == form.errors["starts_on"]


def test_premises_of_another_partnership_are_refused(
    subject: OffenderProfile, partnership_a: Partnership, partnership_b: Partnership, admin_a: User
) -> None:
    theirs = PremisesFactory(business=BusinessFactory(partnership=partnership_b))
    response = post_json(
        api_as(admin_a, partnership_a),
        "/api/v1/p/alpha/notices/",
        issue_body(subject, premises=[theirs.pk]),
    )
    assert response.status_code == 400 and "premises" in response.json()["errors"]
    assert not Exclusion.objects.exists()


def test_no_notice_on_a_profile_this_partnership_does_not_own(
    partnership_a: Partnership,
    partnership_b: Partnership,
    admin_a: User,
    admin_b: User,
) -> None:
    """Bravo's own profile, and one bravo shares with alpha (alpha sees it but does not own
    it): both refused as if there were no such profile, nothing saved."""
    sharing_services.consent_request(
        partnership=partnership_b,
        partner=partnership_a,
        agreement_reference="ISA-1",
        actor=Actor(user=admin_b, partnership=partnership_b),
    )
    sharing_services.consent_accept(
        partnership=partnership_a,
        partner=partnership_b,
        actor=Actor(user=admin_a, partnership=partnership_a),
    )
    shared = ProfileFactory(partnership=partnership_b)
    client = api_as(admin_a, partnership_a)
    assert client.get(f"/api/v1/p/alpha/profiles/{shared.pk}/").status_code == 200
    response = post_json(client, "/api/v1/p/alpha/notices/", issue_body(shared))
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "profile": ["There is no profile of this partnership with that id."]
    }
    assert not Exclusion.objects.exists()


def test_notices_list_newest_start_first_and_filters(
    subject: OffenderProfile, partnership_a: Partnership, partnership_b: Partnership, admin_a: User
) -> None:
    other = ProfileFactory(partnership=partnership_a)
    actor = Actor(user=admin_a)
    today = timezone.localdate()
    older = services.exclusion_issue(
        profile=subject,
        kind="exclusion",
        reason="Theft",
        starts_on=today - timedelta(days=30),
        actor=actor,
    )
    newer = services.exclusion_issue(profile=other, kind="warning", reason="Abuse", actor=actor)
    services.exclusion_appeal(
        notice=older, lodged_on=today, outcome="upheld", decided_on=today, actor=actor
    )
    services.exclusion_issue(
        profile=ProfileFactory(partnership=partnership_b), kind="warning", reason="x", actor=None
    )
    client = api_as(admin_a, partnership_a)
    assert ids_of(client.get("/api/v1/p/alpha/notices/")) == [newer.pk, older.pk]
    assert ids_of(client.get(f"/api/v1/p/alpha/notices/?profile={subject.pk}")) == [older.pk]
    assert ids_of(client.get("/api/v1/p/alpha/notices/?status=withdrawn")) == [older.pk]
    for bad in ("profile=abc", f"profile={10**19}", "status=gone", "profile=1%00"):
        response = client.get(f"/api/v1/p/alpha/notices/?{bad}")
        assert response.status_code == 400, bad
        assert response["Content-Type"] == PROBLEM


def test_a_notice_of_another_partnership_is_not_found(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User
) -> None:
    theirs = services.exclusion_issue(
        profile=ProfileFactory(partnership=partnership_b), kind="warning", reason="x", actor=None
    )
    client = api_as(admin_a, partnership_a)
    assert client.get(f"/api/v1/p/alpha/notices/{theirs.pk}/").status_code == 404
    response = post_json(
        client,
        f"/api/v1/p/alpha/notices/{theirs.pk}/appeal/",
        {"appeal_lodged_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.appeal_lodged_on is None


def test_an_upheld_appeal_withdraws_the_notice(
    notice: Exclusion, partnership_a: Partnership, admin_a: User
) -> None:
    today = timezone.localdate().isoformat()
    response = post_json(
        api_as(admin_a, partnership_a),
        f"/api/v1/p/alpha/notices/{notice.pk}/appeal/",
        {"appeal_lodged_on": today, "appeal_outcome": "upheld", "appeal_decided_on": today},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == NoticeStatus.WITHDRAWN and body["appeal_outcome"] == "upheld"
    assert body["appeal_lodged_on"] == body["appeal_decided_on"] == today
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.WITHDRAWN
    assert AuditEvent.objects.filter(action="notice.appeal", actor=admin_a).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(
            {
                "appeal_lodged_on": far(0),
                "appeal_outcome": "dismissed",
                "appeal_decided_on": far(-3),
            },
            "appeal_decided_on",
            id="decided before lodged",
        ),
        pytest.param({"appeal_lodged_on": far(1)}, "appeal_lodged_on", id="lodged tomorrow"),
        pytest.param({"appeal_lodged_on": "9999-12-31"}, "appeal_lodged_on", id="year 9999"),
        pytest.param({"appeal_lodged_on": far(-30)}, "appeal_lodged_on", id="before the notice"),
        pytest.param(
            {"appeal_lodged_on": far(0), "appeal_outcome": "dismissed"},
            "appeal_decided_on",
            id="outcome without a date",
        ),
        pytest.param({"appeal_outcome": "dismissed"}, "appeal_lodged_on", id="nothing lodged"),
        pytest.param(
            {"appeal_lodged_on": far(0), "appeal_outcome": "maybe"},
            "appeal_outcome",
            id="no such outcome",
        ),
    ],
)
def test_an_appeal_sent_wrong_changes_nothing(
    body: dict[str, Any], field: str, notice: Exclusion, partnership_a: Partnership, admin_a: User
) -> None:
    response = post_json(
        api_as(admin_a, partnership_a), f"/api/v1/p/alpha/notices/{notice.pk}/appeal/", dated(body)
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    notice.refresh_from_db()
    assert notice.appeal_lodged_on is None and notice.status == NoticeStatus.ACTIVE


def test_a_token_without_the_scope_is_refused(
    notice: Exclusion, subject: OffenderProfile, partnership_a: Partnership, admin_a: User
) -> None:
    reader = api_as(admin_a, partnership_a, [ApiScope.PROFILES_READ])
    assert reader.get("/api/v1/p/alpha/notices/").status_code == 200
    assert post_json(reader, "/api/v1/p/alpha/notices/", issue_body(subject)).status_code == 403
    appeal = post_json(
        reader,
        f"/api/v1/p/alpha/notices/{notice.pk}/appeal/",
        {"appeal_lodged_on": timezone.localdate().isoformat()},
    )
    assert appeal.status_code == 403
    writer = api_as(admin_a, partnership_a, [ApiScope.NOTICES_WRITE])
    assert writer.get("/api/v1/p/alpha/notices/").status_code == 403
    assert writer.get("/api/v1/p/alpha/galleries/").status_code == 403
    assert Exclusion.objects.count() == 1


def test_notices_list_costs_the_same_for_5_and_50_notices(
    partnership_a: Partnership, admin_a: User, police_a: User
) -> None:
    premises = PremisesFactory(business=BusinessFactory(partnership=partnership_a))

    def add(count: int) -> None:
        for _ in range(count):
            services.exclusion_issue(
                profile=ProfileFactory(partnership=partnership_a),
                kind="exclusion",
                reason="Theft",
                premises=[premises],
                actor=Actor(user=admin_a),
            )

    add(5)
    clients = [api_as(user, partnership_a) for user in (admin_a, police_a)]
    for client in clients:
        client.get("/api/v1/p/alpha/notices/")
    few = [queries_of(client, "/api/v1/p/alpha/notices/") for client in clients]
    add(45)
    many = [queries_of(client, "/api/v1/p/alpha/notices/") for client in clients]
    assert few == many


def test_the_openapi_document_links_a_new_notice_to_its_reading_and_appeal(
    subject: OffenderProfile, partnership_a: Partnership, admin_a: User
) -> None:
    """The links from a 201 are followed here, from a real answer (the fuzzer's stateful
    phase follows the links from reads)."""
    document = client_for(admin_a).get("/api/v1/schema/?format=json")
    assert document.status_code == 200
    paths = json.loads(document.content)["paths"]
    create = paths["/api/v1/p/{slug}/notices/"]["post"]
    links = create["responses"]["201"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "notices_retrieve",
        "notices_appeal_create",
    }
    assert all(link["parameters"]["id"] == "$response.body#/id" for link in links.values())
    assert create["responses"]["201"]["headers"]["Location"]["schema"]["format"] == "uri"
    assert create["requestBody"]["content"]["application/json"]["examples"]
    operations = {
        operation["operationId"]: (path, method)
        for path, item in paths.items()
        for method, operation in item.items()
    }
    client = api_as(admin_a, partnership_a)
    created = post_json(client, "/api/v1/p/alpha/notices/", issue_body(subject))
    assert created.status_code == 201, created.content
    today = timezone.localdate().isoformat()
    answers = {}
    for name, link in links.items():
        path, method = operations[link["operationId"]]
        url = path.replace("{slug}", "alpha").replace("{id}", str(created.json()["id"]))
        if method == "get":
            answers[name] = client.get(url)
        else:
            answers[name] = post_json(client, url, {"appeal_lodged_on": today})
    assert {name: answer.status_code for name, answer in answers.items()} == {
        "GetNotice": 200,
        "RecordAppeal": 200,
    }
    assert answers["GetNotice"].json() == created.json()
    assert answers["RecordAppeal"].json()["appeal_lodged_on"] == today


def test_statuses_in_the_document_are_the_models(admin_a: User) -> None:
    document = json.loads(client_for(admin_a).get("/api/v1/schema/?format=json").content)
    schemas = document["components"]["schemas"]
    assert schemas["NoticeStatusEnum"]["enum"] == list(NoticeStatus.values)
    assert schemas["NoticeKindEnum"]["enum"] == list(NoticeKind.values)


def test_the_link_from_placements_issues_a_warning_from_today(
    galleries: Galleries, partnership_a: Partnership, admin_a: User
) -> None:
    """The document's link from a gallery's placements to issuing a notice carries a body that
    is accepted as it stands (a null start is today), given the listed profile."""
    document = json.loads(client_for(admin_a).get("/api/v1/schema/?format=json").content)
    placements = document["paths"]["/api/v1/p/{slug}/galleries/{id}/placements/"]["get"]
    link = placements["responses"]["200"]["links"]["WarnFirstPlaced"]
    client = api_as(admin_a, partnership_a)
    listed = client.get(f"/api/v1/p/alpha/galleries/{galleries.circulated.pk}/placements/")
    first = listed.json()["results"][0]["profile"]["id"]
    assert link["requestBody"]["profile"] == "$response.body#/results/0/profile/id"
    response = post_json(
        client, "/api/v1/p/alpha/notices/", {**link["requestBody"], "profile": first}
    )
    assert response.status_code == 201, response.content
    assert response.json()["starts_on"] == timezone.localdate().isoformat()
    assert Exclusion.objects.get().profile_id == first
