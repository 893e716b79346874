"""Headless Chromium: an administrator's morning. The home lists what needs doing, the oldest
incident on top; accepting it takes it off the list."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from bcrp.actors import Actor
from incidents.models import Incident, IncidentStatus
from offenders import services as offender_services
from partnerships.models import Role
from sharing import services as sharing_services
from tests.factories import (
    PASSWORD,
    PremisesFactory,
    ProfileFactory,
    incident_reported,
    membership_of,
    partnership_make,
    person_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path("var/screenshots")


def test_an_administrators_morning(live_server: Any, browser: Any) -> None:
    partnership = partnership_make("lima", "Lima BCRP")
    admin = person_in(partnership, Role.ADMIN, email="admin.lima@example.org")
    member = person_in(partnership, Role.MEMBER, email="member.lima@example.org")
    reporter = membership_of(member, partnership)
    shop = PremisesFactory(business=reporter.business, name="Lima Express")
    oldest = incident_reported(reporter, category="theft", premises=shop)
    Incident.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - timedelta(days=3))
    incident_reported(reporter, category="abuse", premises=shop)
    neighbour = partnership_make("mike", "Mike BCRP")
    sharing_services.consent_request(
        partnership=neighbour,
        partner=partnership,
        agreement_reference="ISA-12",
        actor=Actor(user=person_in(neighbour, Role.ADMIN)),
    )
    offender_services.profile_archive(
        profile=ProfileFactory(partnership=partnership), actor=Actor(user=admin)
    )

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", admin.email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/p/lima/")

        sections = page.get_by_test_id("todo-section")
        first = sections.first
        assert "Incidents waiting for review" in first.locator("h3").inner_text()
        top = first.locator("li").first
        assert "waiting 3 days" in top.inner_text()
        assert "Lima Express" in top.inner_text()
        assert sections.count() == 3
        page.screenshot(path=str(SCREENSHOTS / "admin-morning.png"), full_page=True)

        top.locator("a").click()
        page.wait_for_url(f"{live_server.url}/p/lima/incidents/{oldest.pk}/")
        page.get_by_role("button", name="Accept").click()
        page.wait_for_load_state()
        oldest.refresh_from_db()
        assert oldest.status == IncidentStatus.ACCEPTED

        page.goto(f"{live_server.url}/p/lima/")
        todo = page.get_by_test_id("todo")
        assert f"/incidents/{oldest.pk}/" not in todo.inner_html()
        remaining = page.get_by_test_id("todo-section").first
        assert "Incidents waiting for review" in remaining.locator("h3").inner_text()
        assert remaining.locator("li").count() == 1, "only the newer incident is left"
    finally:
        context.close()

    phone = browser.new_context(
        viewport={"width": 360, "height": 780}, device_scale_factor=2, is_mobile=True
    )
    page = phone.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", admin.email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/p/lima/")
        assert page.get_by_test_id("todo-section").count() == 3
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, "the home must not scroll sideways on a phone"
        page.screenshot(path=str(SCREENSHOTS / "admin-morning-360.png"), full_page=True)
    finally:
        phone.close()
