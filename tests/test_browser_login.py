"""Headless Chromium: the demo administrator signs in and reaches their partnership."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_administrator_signs_in_and_opens_their_partnership(
    live_server: Any, page: Any
) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    page.goto(f"{live_server.url}/p/westbridge/people/")
    assert "/login/" in page.url

    page.fill("#id_username", "admin.westbridge@example.org")
    page.fill("#id_password", "wrong password")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text().startswith("That e-mail address and password")

    page.fill("#id_password", "demo-bcrp-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/p/westbridge/people/")
    assert page.get_by_role("heading", name="People").is_visible()
    assert page.get_by_text("member.westbridge@example.org").is_visible()

    page.get_by_role("link", name="Businesses").click()
    page.wait_for_url("**/p/westbridge/businesses/")
    assert page.get_by_text("Hartley's Convenience").is_visible()


def test_police_officer_sets_up_two_factor_and_signs_in_with_a_code(
    live_server: Any, page: Any
) -> None:
    from django.test import override_settings
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bcrp.tests.test_two_factor import code_now
    from partnerships.models import Role
    from tests.factories import PASSWORD, partnership_make, person_in

    officer = person_in(partnership_make("kilo", "Kilo BCRP"), Role.POLICE, email="pc@kilo.org")
    with override_settings(TWO_FACTOR_ROLES=["admin", "police"]):
        page.goto(f"{live_server.url}/p/kilo/dataview/")
        page.fill("#id_username", officer.email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/two-factor/?next=*")
        assert page.get_by_role("heading", name="Set up two-factor sign-in").is_visible()
        qr = page.get_by_test_id("qr")
        box = qr.bounding_box()
        assert box and box["width"] > 150  # big enough to scan
        assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # and drawn
        device = TOTPDevice.objects.get(user=officer)
        secret = page.get_by_test_id("secret").inner_text().replace(" ", "")
        assert len(secret) == 32
        Path("var/screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path="var/screenshots/two-factor-setup.png", full_page=True)
        page.fill("#id_code", "123456" if code_now(device) != "123456" else "654321")
        page.get_by_role("button", name="Confirm and continue").click()
        assert "did not match" in page.get_by_test_id("two-factor-problem").inner_text()
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
        page.fill("#id_code", code_now(device))
        page.get_by_role("button", name="Confirm and continue").click()
        page.wait_for_url(f"{live_server.url}/p/kilo/dataview/")
        assert page.get_by_role("heading", name="Dataview").is_visible()
