"""CCTV details on an incident report: taken by the report page and the API, checked the same
way, shown on the incident's page."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bcrp.models import User
from incidents.models import Incident
from partnerships.models import Partnership
from tests.factories import api_token_for, incident_reported, membership_of
from tests.fixtures import api_client_for, client_for


def local(minutes_ago: int) -> str:
    return (timezone.localtime() - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


def report(**extra: Any) -> dict[str, Any]:
    return {
        "occurred_at": local(30),
        "category": "theft",
        "description": "Took razor blades.",
        "value_lost": "20",
        "value_recovered": "0",
        **extra,
    }


CCTV = {
    "cctv_camera": "Till 2, facing the door",
    "cctv_start": local(35),
    "cctv_end": local(25),
    "cctv_clock_offset": "125",
    "cctv_retrieved_by": "Sam, duty manager",
    "cctv_kept": "on",
    "cctv_kept_where": "USB stick in the manager's safe",
}


def test_report_page_has_a_closed_cctv_section(partnership_a: Partnership, member_a: User) -> None:
    page = client_for(member_a).get("/p/alpha/incidents/new/").content.decode()
    assert '<details class="cctv-section" data-testid="cctv-section">' in page
    assert 'name="cctv_start"' in page and 'type="datetime-local"' in page
    assert "If the camera shows 14:02:00 when it is really 14:00:00, enter 120" in page


def test_member_reports_cctv_and_admin_and_police_see_it(
    partnership_a: Partnership, member_a: User, admin_a: User, police_a: User
) -> None:
    response = client_for(member_a).post("/p/alpha/incidents/new/", report(**CCTV))
    assert response.status_code == 302, response.content.decode()[:3000]
    incident = Incident.objects.get()
    assert incident.cctv_camera == "Till 2, facing the door"
    assert incident.cctv_clock_offset == 125 and incident.cctv_kept
    assert incident.cctv_end is not None and incident.cctv_start is not None
    assert incident.cctv_end - incident.cctv_start == timedelta(minutes=10)
    for reader in (admin_a, police_a):
        page = client_for(reader).get(f"/p/alpha/incidents/{incident.pk}/").content.decode()
        assert "Till 2, facing the door" in page
        assert "2 min 5 s ahead of real time (+125 s)" in page
        assert "USB stick in the manager&#x27;s safe" in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"cctv_start": local(10), "cctv_end": local(20)}, "cctv_end", "cannot end before"),
        ({"cctv_clock_offset": "86401"}, "cctv_clock_offset", "more than a day ahead"),
        ({"cctv_clock_offset": "-99999999999"}, "cctv_clock_offset", "more than a day behind"),
        ({"cctv_clock_offset": "2 minutes"}, "cctv_clock_offset", "whole number"),
        ({"cctv_start": "0001-01-01T00:00"}, "cctv_start", "before 1990"),
        ({"cctv_end": "9999-12-31T23:59"}, "cctv_end", "in the future"),
        ({"cctv_start": "2025-02-30T10:00"}, "cctv_start", "valid date"),
        ({"cctv_camera": "x" * 201}, "cctv_camera", "at most 200"),
        ({"cctv_kept_where": "safe\x00"}, "cctv_kept_where", "Null characters"),
    ],
)
def test_bad_cctv_details_are_refused_with_a_reason(
    partnership_a: Partnership, member_a: User, fields: dict[str, str], field: str, message: str
) -> None:
    response = client_for(member_a).post("/p/alpha/incidents/new/", report(**fields))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    # The section opens by itself so the person sees what to correct.
    assert '<details class="cctv-section" data-testid="cctv-section" open>' in (
        response.content.decode()
    )
    assert not Incident.objects.exists()


def test_api_takes_and_shows_cctv_details(partnership_a: Partnership, member_a: User) -> None:
    client = api_client_for(api_token_for(member_a, partnership_a))
    data = {
        **report(),
        "occurred_at": "2025-03-14T16:20:00Z",
        "cctv_camera": "Door camera",
        "cctv_start": "2025-03-14T16:15:00Z",
        "cctv_end": "2025-03-14T16:25:00Z",
        "cctv_clock_offset": "-30",
        "cctv_kept": "true",
        "cctv_kept_where": "NVR, kept 30 days",
    }
    response = client.post(
        "/api/v1/p/alpha/incidents/", data, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["cctv_camera"] == "Door camera" and body["cctv_clock_offset"] == -30
    assert body["cctv_kept"] is True and body["cctv_kept_where"] == "NVR, kept 30 days"
    assert body["cctv_start"].startswith("2025-03-14T16:15")
    backwards = {**data, "cctv_start": "2025-03-14T16:30:00Z"}
    refused = client.post(
        "/api/v1/p/alpha/incidents/", backwards, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert refused.status_code == 400
    assert "cctv_end" in str(refused.json())
    for name in ("cctv_start", "cctv_end", "cctv_clock_offset"):
        empty = {**data, name: ""}
        refused = client.post(
            "/api/v1/p/alpha/incidents/", empty, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        assert refused.status_code == 400 and "rather than send it empty" in str(refused.json())
    not_boolean = {**data, "cctv_kept": "yes"}
    refused = client.post(
        "/api/v1/p/alpha/incidents/", not_boolean, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert refused.status_code == 400 and "cctv_kept" in str(refused.json())


def test_incident_without_cctv_shows_no_cctv_section(
    partnership_a: Partnership, member_a: User, admin_a: User
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a))
    page = client_for(admin_a).get(f"/p/alpha/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="incident-cctv"' not in page
