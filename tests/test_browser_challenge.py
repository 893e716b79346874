"""Headless Chromium: a member at 360 px challenges a circulated profile as inaccurate, it leaves
the gallery, and an administrator rejects the challenge and it returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bcrp.actors import Actor
from bcrp.models import User
from offenders import services as offender_services
from offenders.models import ProfileChallenge
from partnerships.models import Role
from tests.factories import PASSWORD, GalleryFactory, ProfileFactory, partnership_make, person_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_member_challenges_at_360_px_and_an_administrator_rejects_it(
    live_server: Any, browser: Any
) -> None:
    partnership = partnership_make("mike", "Mike BCRP")
    admin = person_in(partnership, Role.ADMIN, email="admin.mike@example.org")
    member = person_in(partnership, Role.MEMBER, email="member.mike@example.org")
    profile = ProfileFactory(partnership=partnership, first_name="Orla", last_name="Quince")
    offender_services.placement_add(
        profile=profile,
        gallery=GalleryFactory(partnership=partnership, members_may_see=True),
        actor=Actor(user=admin),
    )
    base = live_server.url
    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = phone.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, base, member)
        page.goto(f"{base}/p/mike/profiles/{profile.pk}/")
        page.get_by_role("link", name="Challenge as inaccurate").click()
        page.wait_for_url(f"**/p/mike/profiles/{profile.pk}/challenge/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.fill("textarea[name=reason]", "The photo is of my colleague's brother, not her.")
        page.get_by_role("button", name="Challenge as inaccurate").click()
        page.wait_for_url(f"{base}/p/mike/gallery/")
        assert "out of circulation until an administrator decides" in page.content()
        assert "Quince" not in page.locator("main").inner_text()
        Path("var/screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path="var/screenshots/challenge-raised-360.png", full_page=True)
    finally:
        phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, base, admin)
        page.goto(f"{base}/p/mike/profiles/{profile.pk}/")
        banner = page.get_by_test_id("challenge-banner")
        assert "colleague's brother" in banner.inner_text()
        page.screenshot(path="var/screenshots/challenge-banner.png", full_page=True)
        banner.get_by_role("button", name="Reject: return it to circulation").click()
        page.wait_for_url(f"{base}/p/mike/profiles/{profile.pk}/")
        assert page.get_by_test_id("challenge-banner").count() == 0
    finally:
        desk.close()
    assert ProfileChallenge.objects.get().outcome == "rejected"
    profile.refresh_from_db()
    assert not profile.under_challenge
