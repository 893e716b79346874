"""Headless Chromium at phone width: a member drafts, edits and signs their witness statement,
then makes changes after signing (version 2); the page never scrolls sideways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from incidents.models import ImpactStatement, WitnessStatement
from partnerships.models import Role
from tests.factories import (
    PASSWORD,
    PremisesFactory,
    incident_reported,
    membership_of,
    partnership_make,
    person_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = 375
FIELDS = ("name", "occupation", "over_18", "exhibit_prefix", "account")


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE, f"the page is {width}px wide on a {PHONE}px phone"


def test_member_drafts_edits_signs_and_changes_a_statement_on_a_phone(
    live_server: Any, browser: Any
) -> None:
    partnership = partnership_make("lima", "Lima BCRP")
    member = person_in(
        partnership, Role.MEMBER, email="jane.lima@example.org", full_name="Jane Smith"
    )
    membership = membership_of(member, partnership)
    premises = PremisesFactory(business=membership.business, name="Market Square")
    incident = incident_reported(
        membership,
        photos=2,
        premises=premises,
        description="A man took four bottles of whisky from the aisle and ran out.",
        police_reference="LM/4471/25",
    )

    context = browser.new_context(
        viewport={"width": PHONE, "height": 812}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", member.email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/p/lima/incidents/{incident.pk}/")
        no_sideways_scroll(page)
        page.get_by_role("link", name="Witness statement").click()
        page.wait_for_url(f"**/incidents/{incident.pk}/statement/")
        assert page.get_by_test_id("statement-state").inner_text() == "Draft: not signed"
        assert page.locator("#id_name").input_value() == "Jane Smith"
        assert page.locator("#id_exhibit_prefix").input_value() == "JS"
        account = page.locator("#id_account").input_value()
        assert "four bottles of whisky" in account and "JS/1" in account and "JS/2" in account
        assert (
            "consisting of 1 page(s)" in page.get_by_test_id("statement-declaration").inner_text()
        )
        no_sideways_scroll(page)

        # Saved unchanged, nothing changes (line breaks included).
        drafted = WitnessStatement.objects.get(incident=incident)
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(f"**/incidents/{incident.pk}/statement/")
        assert page.get_by_text("Saved (version 1)").is_visible()
        unchanged = WitnessStatement.objects.get(incident=incident)
        assert [getattr(unchanged, f) for f in FIELDS] == [getattr(drafted, f) for f in FIELDS]

        page.fill("#id_occupation", "Shift supervisor")
        page.fill("#id_account", account + "\n\nI recognised him from the gallery.")
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(f"**/incidents/{incident.pk}/statement/")
        assert page.get_by_text("Saved (version 1)").is_visible()
        assert page.locator("#id_occupation").input_value() == "Shift supervisor"

        page.fill("#id_signed_name", "jane smith ")
        page.get_by_role("button", name="Sign statement").click()
        page.wait_for_url(f"**/incidents/{incident.pk}/statement/")
        assert page.get_by_test_id("statement-state").inner_text() == "Signed"
        assert (
            page.get_by_test_id("statement-signed")
            .inner_text()
            .startswith("Signed by jane smith at ")
        )
        assert page.locator("#id_account").count() == 0  # locked: nothing to type into
        assert (
            "I recognised him from the gallery."
            in page.get_by_test_id("statement-account").inner_text()
        )
        no_sideways_scroll(page)
        Path("var/screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path="var/screenshots/statement-375.png", full_page=True)

        page.get_by_role("button", name="Make changes").click()
        page.wait_for_url(f"**/incidents/{incident.pk}/statement/")
        assert page.get_by_test_id("statement-state").inner_text() == "Draft: not signed"
        page.fill("#id_occupation", "Store manager")
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(f"**/incidents/{incident.pk}/statement/")
        assert page.get_by_text("Saved (version 2)").is_visible()
        versions = page.get_by_test_id("statement-versions").inner_text()
        assert "Version 2" in versions and "Version 1" in versions
        no_sideways_scroll(page)
    finally:
        context.close()
    rows = {s.version: s for s in WitnessStatement.objects.filter(incident=incident)}
    assert sorted(rows) == [1, 2]
    assert rows[1].is_signed and rows[1].occupation == "Shift supervisor"
    assert not rows[2].is_signed and rows[2].occupation == "Store manager"
    assert rows[2].account == rows[1].account


def test_impact_statement_and_cctv_section_on_a_360px_phone(live_server: Any, browser: Any) -> None:
    partnership = partnership_make("mike", "Mike BCRP")
    member = person_in(partnership, Role.MEMBER, email="sam.mike@example.org", full_name="Sam Lee")
    incident = incident_reported(membership_of(member, partnership))
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", member.email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/p/mike/incidents/{incident.pk}/impact/")
        page.fill("#id_effect_on_staff", "Two of us were shaken.\nOne took a day off.")
        page.fill("#id_effect_on_business", "We now lock the spirits away.")
        page.get_by_role("button", name="Save").click()
        assert page.get_by_text("Impact statement saved.").is_visible()
        saved = ImpactStatement.objects.get(incident=incident)
        page.get_by_role("button", name="Save").click()  # unchanged: nothing changes
        assert page.get_by_text("Impact statement saved.").is_visible()
        again = ImpactStatement.objects.get(incident=incident)
        assert (again.effect_on_staff, again.effect_on_business) == (
            "Two of us were shaken.\nOne took a day off.",
            saved.effect_on_business,
        )
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 360

        page.goto(f"{live_server.url}/p/mike/incidents/new/")
        page.get_by_text("CCTV (if you have footage)").click()
        assert page.locator("#id_cctv_clock_offset").is_visible()
        page.fill("#id_cctv_camera", "Till 2, facing the door")
        page.fill("#id_cctv_clock_offset", "-30")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    finally:
        context.close()
