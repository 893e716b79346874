"""Headless Chromium at phone width: a member's own reports, searched, fit the screen (cards, no
sideways scrolling); an administrator's search narrows the list and offers its CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

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


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_members_reports_fit_a_phone_and_search_narrows_them(
    live_server: Any, browser: Any
) -> None:
    partnership = partnership_make("lima", "Lima BCRP")
    member = person_in(partnership, Role.MEMBER, email="jane.lima@example.org")
    membership = membership_of(member, partnership)
    premises = PremisesFactory(
        business=membership.business, name="Market Square Convenience and Off Licence"
    )
    incident_reported(
        membership,
        photos=1,
        premises=premises,
        description="Took four bottles of whisky from the aisle.",
        police_reference="LM/4471/25/AVERYLONGREFERENCENOSPACES",
    )
    incident_reported(membership, premises=premises, category="abuse", description="Shouted.")

    context = browser.new_context(
        viewport={"width": PHONE, "height": 812}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, live_server.url, member.email)
        page.goto(f"{live_server.url}/p/lima/incidents/")
        assert page.locator("#my-reports li").count() == 2
        assert page.locator("table").count() == 0
        page.get_by_text("Search my reports").click()
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE
        page.fill("input[name=q]", "whisky")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**/incidents/?*q=whisky*")
        assert page.locator("#my-reports li").count() == 1
        width = page.evaluate("document.scrollingElement.scrollWidth")
        Path("var/screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path="var/screenshots/incident-search-375.png", full_page=True)
        assert width <= PHONE, f"the page is {width}px wide on a {PHONE}px phone"
    finally:
        context.close()


def test_an_administrators_search_offers_the_filtered_csv(live_server: Any, browser: Any) -> None:
    partnership = partnership_make("lima", "Lima BCRP")
    admin = person_in(partnership, Role.ADMIN, email="admin.lima@example.org")
    member = person_in(partnership, Role.MEMBER, email="jane.lima@example.org")
    incident_reported(membership_of(member, partnership), category="abuse", description="Shouted.")
    incident_reported(membership_of(member, partnership), description="Took gin.")
    page = browser.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, live_server.url, admin.email)
        page.goto(f"{live_server.url}/p/lima/incidents/")
        page.get_by_text("Search", exact=True).first.click()
        page.select_option("select[name=category]", "abuse")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**/incidents/?*category=abuse*")
        assert page.locator("tbody tr").count() == 1
        with page.expect_download() as download:
            page.locator("#incidents-csv").click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert "Shouted." in text and "Took gin." not in text
    finally:
        page.close()
