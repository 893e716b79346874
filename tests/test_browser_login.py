"""Headless Chromium: the demo administrator signs in and reaches their partnership."""

from __future__ import annotations

import io
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
