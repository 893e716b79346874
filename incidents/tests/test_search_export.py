"""Incident search on the list page (each filter, combined, members' own), and its CSV export."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from incidents.models import Incident, IncidentOffender, OffenderRole
from incidents.services import incident_link, incident_review
from offenders import services as offender_services
from partnerships.models import Partnership, Role
from tests.factories import (
    GalleryFactory,
    PremisesFactory,
    ProfileFactory,
    incident_reported,
    membership_of,
    person_in,
)
from tests.fixtures import client_for

LIST = "/p/alpha/incidents/"
EXPORT = "/p/alpha/incidents/export.csv"


def _at(day: int) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, 14, 30))


@pytest.fixture
def reports(partnership_a: Partnership, admin_a: User, member_a: User) -> dict[str, Any]:
    """Three reports that differ in every way a search can tell apart."""
    other = person_in(partnership_a, Role.MEMBER, email="sam.other@example.org")
    mine = membership_of(member_a, partnership_a)
    theirs = membership_of(other, partnership_a)
    shop = PremisesFactory(business=mine.business, name="Corner Shop")
    pub = PremisesFactory(business=theirs.business, name="Red Lion")
    spirits = incident_reported(
        mine,
        premises=shop,
        occurred_at=_at(2),
        category="theft",
        description="Took two bottles of gin from the shelf.",
        police_reference="CAD 1234",
    )
    abuse = incident_reported(
        mine,
        premises=shop,
        occurred_at=_at(10),
        category="abuse",
        description="Shouted at the cashier.",
    )
    glassing = incident_reported(
        theirs,
        premises=pub,
        occurred_at=_at(20),
        category="violence",
        description="Glass thrown at the bar.",
        police_reference="MET/5678/26",
    )
    admin = Actor(user=admin_a)
    incident_review(incident=abuse, accept=True, actor=admin)
    circulated = ProfileFactory(partnership=partnership_a, first_name="Dean", last_name="Roe")
    offender_services.placement_add(
        profile=circulated, gallery=GalleryFactory(partnership=partnership_a), actor=admin
    )
    withheld = ProfileFactory(partnership=partnership_a, first_name="Withheld", last_name="Poe")
    incident_link(incident=spirits, profile=circulated, actor=admin)
    incident_link(incident=glassing, profile=circulated, actor=admin)
    incident_link(incident=abuse, profile=withheld, actor=admin)
    return {
        "spirits": spirits,
        "abuse": abuse,
        "glassing": glassing,
        "shop": shop,
        "pub": pub,
        "other": other,
        "theirs": theirs,
        "circulated": circulated,
        "withheld": withheld,
    }


def _listed(client: Client, query: str) -> list[int]:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200, response.content.decode()
    return [incident.pk for incident in response.context["page"].object_list]


def test_each_filter_narrows_the_list(admin_a: User, reports: dict[str, Any]) -> None:
    spirits, abuse, glassing = reports["spirits"], reports["abuse"], reports["glassing"]
    client = client_for(admin_a)
    assert _listed(client, "") == [glassing.pk, abuse.pk, spirits.pk]
    assert _listed(client, "q=GIN") == [spirits.pk]
    assert _listed(client, "q=cad+1234") == [spirits.pk]
    assert _listed(client, "q=5678") == [glassing.pk]
    assert _listed(client, "category=abuse") == [abuse.pk]
    assert _listed(client, f"premises={reports['pub'].pk}") == [glassing.pk]
    assert _listed(client, f"member={reports['theirs'].pk}") == [glassing.pk]
    assert _listed(client, "status=accepted") == [abuse.pk]
    assert _listed(client, "date_from=2026-03-05") == [glassing.pk, abuse.pk]
    assert _listed(client, "date_to=2026-03-10") == [abuse.pk, spirits.pk]
    assert _listed(client, "date_from=2026-03-10&date_to=2026-03-10") == [abuse.pk]
    reference = reports["circulated"].reference
    assert _listed(client, f"profile={reference.lower()}") == [glassing.pk, spirits.pk]
    assert _listed(client, f"profile={reports['withheld'].reference}") == [abuse.pk]
    assert _listed(client, "q=nothing+like+this") == []


def test_filters_combine(admin_a: User, reports: dict[str, Any]) -> None:
    client = client_for(admin_a)
    reference = reports["circulated"].reference
    assert _listed(client, f"profile={reference}&category=violence") == [reports["glassing"].pk]
    assert _listed(client, f"profile={reference}&date_to=2026-03-05&status=submitted") == [
        reports["spirits"].pk
    ]
    assert _listed(client, "q=glass&premises=" + str(reports["shop"].pk)) == []


def test_members_search_only_their_own_reports(member_a: User, reports: dict[str, Any]) -> None:
    client = client_for(member_a)
    page = client.get(LIST).content.decode()
    assert 'name="member"' not in page and "Red Lion" not in page
    assert _listed(client, "") == [reports["abuse"].pk, reports["spirits"].pk]
    assert _listed(client, "q=glass") == []
    # Someone else's report stays out whatever is asked for; a "member" in the address is
    # not a filter members have.
    assert _listed(client, f"member={reports['theirs'].pk}") == [
        reports["abuse"].pk,
        reports["spirits"].pk,
    ]
    # A profile the member may not see finds nothing, though it is linked to their report.
    assert _listed(client, f"profile={reports['withheld'].reference}") == []
    assert _listed(client, f"profile={reports['circulated'].reference}") == [reports["spirits"].pk]
    assert client.get(EXPORT).status_code == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=2026-02-30", "Enter a valid date."),
        ("date_from=99999-01-01", "Enter a valid date."),
        ("date_to=yesterday", "Enter a valid date."),
        ("category=arson", "Select a valid choice."),
        ("status=lost", "Select a valid choice."),
        ("premises=abc", "Select a valid choice."),
        ("premises=999999", "Select a valid choice."),
        ("member=1.5", "Select a valid choice."),
        ("profile=Dean", "Type a profile reference such as WB-00042."),
        ("q=" + "x" * 101, "Ensure this value has at most 100 characters"),
        ("q=gin%00", "Null characters are not allowed."),
    ],
)
def test_bad_search_input_is_a_400_saying_what_to_fix(
    admin_a: User, reports: dict[str, Any], query: str, message: str
) -> None:
    client = client_for(admin_a)
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'role="alert"' in html
    assert list(response.context["page"].object_list) == []
    export = client.get(f"{EXPORT}?{query}")
    assert export.status_code == 400 and message in export.content.decode()
    assert not AuditEvent.objects.filter(action="incident.export").exists()


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_export_is_the_filtered_list_and_audited_with_its_filters(
    admin_a: User, police_a: User, reports: dict[str, Any]
) -> None:
    circulated = reports["circulated"]
    for person in (admin_a, police_a):
        rows = _csv(client_for(person).get(f"{EXPORT}?profile={circulated.reference}&q="))
        assert [int(row["incident"]) for row in rows] == [
            reports["glassing"].pk,
            reports["spirits"].pk,
        ]
        glassing = rows[0]
        assert glassing["category"] == "Violence" and glassing["status"] == "Submitted"
        assert glassing["premises"].startswith("Red Lion")
        assert glassing["police_reference"] == "MET/5678/26"
        assert glassing["occurred_at"] == "2026-03-20 14:30"
        assert glassing["description"] == "Glass thrown at the bar."
        assert glassing["linked_profiles"] == f"{circulated.reference} {circulated.display_name}"
        event = AuditEvent.objects.filter(action="incident.export", actor=person).get()
        assert event.detail == {"filters": {"profile": circulated.reference}}
        assert event.partnership_id == reports["spirits"].partnership_id


def test_export_names_only_profiles_the_viewer_may_see(
    partnership_b: Partnership, admin_a: User, police_a: User, reports: dict[str, Any]
) -> None:
    # The link service refuses another partnership's profile; the export must not rely on
    # that, so a row is written directly, as older data or a future path might leave one.
    peer_profile = ProfileFactory(partnership=partnership_b, first_name="Peer", last_name="Only")
    IncidentOffender.objects.create(
        incident=reports["spirits"], profile=peer_profile, role=OffenderRole.SUSPECT
    )
    for person in (admin_a, police_a):
        rows = {int(r["incident"]): r for r in _csv(client_for(person).get(EXPORT))}
        spirits = rows[reports["spirits"].pk]["linked_profiles"]
        assert reports["circulated"].reference in spirits
        assert "Peer" not in spirits and peer_profile.reference not in spirits


def test_export_cells_cannot_run_as_spreadsheet_formulas(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    incident_reported(membership_of(member_a, partnership_a), description='=HYPERLINK("http://x")')
    (row,) = _csv(client_for(admin_a).get(EXPORT))
    assert row["description"] == '\'=HYPERLINK("http://x")'


def test_export_costs_the_same_for_few_and_many_incidents(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    reporter = membership_of(member_a, partnership_a)
    profile = ProfileFactory(partnership=partnership_a)

    def report(count: int) -> None:
        for _ in range(count):
            incident = incident_reported(reporter)
            incident_link(incident=incident, profile=profile, actor=Actor(user=admin_a))

    def queries() -> int:
        client = client_for(admin_a)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(EXPORT)
            b"".join(response.streaming_content)
        return len(captured)

    report(2)
    few = queries()
    report(8)
    assert queries() == few
    assert Incident.objects.count() == 10


def test_a_members_list_is_cards_not_a_wide_table(
    member_a: User, admin_a: User, reports: dict[str, Any]
) -> None:
    mine = client_for(member_a).get(LIST).content.decode()
    assert 'id="my-reports"' in mine and "<table" not in mine
    assert "<table" in client_for(admin_a).get(LIST).content.decode()


def test_export_covers_more_than_one_batch(
    partnership_a: Partnership, admin_a: User, member_a: User, monkeypatch: Any
) -> None:
    from incidents import views

    monkeypatch.setattr(views, "EXPORT_BATCH", 2)
    reporter = membership_of(member_a, partnership_a)
    made = [
        incident_reported(reporter, occurred_at=timezone.now() - timedelta(hours=n))
        for n in range(5)
    ]
    rows = _csv(client_for(admin_a).get(EXPORT))
    assert [int(r["incident"]) for r in rows] == [i.pk for i in made]
