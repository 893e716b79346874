"""Headless Chromium at phone width: a member reports an incident with two photos."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from incidents.models import Incident
from tests.factories import (
    PASSWORD,
    jpeg_bytes,
    member_at_premises,
    partnership_make,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_reports_an_incident_with_two_photos_on_a_phone(
    live_server: Any, browser: Any, tmp_path: Path
) -> None:
    partnership = partnership_make("kilo", "Kilo BCRP")
    membership = member_at_premises(partnership, "member.kilo@example.org", "Kilo Express")
    member, premises = membership.user, membership.premises
    photos = []
    for n in (1, 2):
        path = tmp_path / f"till-{n}.jpg"
        path.write_bytes(jpeg_bytes(seed=n * 7, size=(800, 600)))
        photos.append(str(path))

    context = browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", member.email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/p/kilo/incidents/new/")
        # Premises and time are filled in already: a person at a till types as little as possible.
        assert page.locator("#id_premises").input_value() == str(membership.premises_id)
        assert page.locator("#id_occurred_at").input_value() != ""
        page.select_option("#id_category", "theft")
        page.fill("#id_description", "Two men took razor blades from the front display.")
        page.fill("#id_value_lost", "84.99")
        page.set_input_files("#id_photos", photos)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, "the form must not scroll sideways on a phone"
        page.get_by_role("button", name="Send report").click()
        # The form is sent in the background (for its progress bar); the report opens after.
        page.wait_for_url(re.compile(r"/p/kilo/incidents/\d+/$"))
        assert page.get_by_text("Report saved").is_visible()
        assert page.get_by_test_id("incident-status").inner_text() == "Submitted"
        Path("var/screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path="var/screenshots/incident-reported-375.png", full_page=True)
    finally:
        context.close()
    incident = Incident.objects.get(partnership=partnership)
    assert incident.photos.count() == 2
    assert incident.premises == premises and str(incident.value_lost) == "84.99"
