"""Headless Chromium at 360 px: the public privacy notices a person reaches from a printed
notice fit a phone, and an administrator's document page shows its versions."""

from __future__ import annotations

from typing import Any

import pytest

from bcrp.actors import Actor
from bcrp.models import User
from partnerships import services as partnership_services
from partnerships.models import Partnership
from tests.test_browser_member_width import SCREENSHOTS, WIDTH, problems_on, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_public_privacy_notices_fit_360_px(
    live_server: Any, browser: Any, partnership_a: Partnership, admin_a: User
) -> None:
    partnership_services.partnership_settings_change(
        partnership=partnership_a,
        values={
            "notice_contact_email": "a-very-long-address.for-data-protection@alpha.example.org",
            "postal_address": "Alpha BCRP\n1 High Street\nAlphatown AL1 1AA",
        },
        actor=Actor(user=admin_a),
    )
    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        problems = {}
        for name, path in (("short", "/privacy/alpha/short/"), ("full", "/privacy/alpha/")):
            found = problems_on(page, live_server.url + path)
            if found:
                problems[path] = found
            assert "Privacy notice: Alpha BCRP" in page.locator("main h1").inner_text()
            page.screenshot(path=str(SCREENSHOTS / f"privacy-{name}-360.png"), full_page=True)
        assert problems == {}, problems

        sign_in(page, live_server.url, admin_a)
        page.goto(f"{live_server.url}/p/alpha/documents/")
        page.get_by_role("link", name="Read").first.click()
        page.wait_for_load_state()
        assert page.get_by_test_id("versions").locator("li").count() == 1
        found = problems_on(page, page.url)
        assert not [problem for problem in found if "sideways" in problem], found
        page.screenshot(path=str(SCREENSHOTS / "document-360.png"), full_page=True)
    finally:
        context.close()
