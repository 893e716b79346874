"""Police liaison is read-only: officers read incident reports and never file them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import User
from incidents.models import Incident
from incidents.services import incident_submit
from partnerships.models import Partnership, Role
from tests.factories import incident_reported, membership_of, partnership_make, person_in
from tests.fixtures import client_for
from tests.test_browser_sharing import log_in

REPORT = {
    "occurred_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    "category": "theft",
    "description": "Took two bottles of spirits and left.",
    "value_lost": "40",
    "value_recovered": "0",
}


def test_police_get_403_on_the_incident_form_and_nothing_is_filed(
    partnership_a: Partnership, police_a: User
) -> None:
    client = client_for(police_a)
    assert client.get("/p/alpha/incidents/new/").status_code == 403
    assert client.post("/p/alpha/incidents/new/", REPORT).status_code == 403
    assert not Incident.objects.exists()


def test_members_and_administrators_still_report(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    for user in (member_a, admin_a):
        assert client_for(user).post("/p/alpha/incidents/new/", REPORT).status_code == 302
    assert Incident.objects.count() == 2


def test_the_report_link_is_offered_only_to_those_who_may_report(
    partnership_a: Partnership, admin_a: User, member_a: User, police_a: User
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a))
    link = 'href="/p/alpha/incidents/new/"'
    police = client_for(police_a)
    listing = police.get("/p/alpha/incidents/")
    assert listing.status_code == 200 and link not in listing.content.decode()
    assert police.get(f"/p/alpha/incidents/{incident.pk}/").status_code == 200
    for user in (member_a, admin_a):
        assert link in client_for(user).get("/p/alpha/incidents/").content.decode()


def test_the_service_refuses_an_officer_too(partnership_a: Partnership, police_a: User) -> None:
    with pytest.raises(PermissionDenied):
        incident_submit(
            membership=membership_of(police_a, partnership_a),
            fields={**REPORT, "occurred_at": timezone.now()},
            premises=None,
            photos=[],
            actor=Actor(user=police_a, partnership=partnership_a),
        )
    assert not Incident.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_officer_in_a_browser_is_not_offered_the_form(live_server: Any, page: Any) -> None:
    mike = partnership_make("mike", "Mike BCRP")
    officer = person_in(mike, Role.POLICE, email="pc.mike@example.org")
    log_in(page, live_server.url, officer)
    page.goto(f"{live_server.url}/p/mike/incidents/")
    assert page.get_by_role("heading", name="Incidents").is_visible()
    assert page.get_by_role("button", name="Report an incident").count() == 0
    response = page.goto(f"{live_server.url}/p/mike/incidents/new/")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", name="Not allowed").is_visible()
