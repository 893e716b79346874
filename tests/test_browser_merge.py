"""Headless Chromium at 360 px: an administrator on a phone merges two profiles of one person.

The profile page's "Same person elsewhere" section, the merge page with both sides and what
each holds, and the kept profile afterwards, all without sideways scrolling at 360 px.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bcrp.actors import Actor
from offenders.models import OffenderProfile
from partnerships.models import Role
from sharing.links import link_make
from tests.factories import ProfileFactory, image_on, partnership_make, person_in
from tests.test_browser_sharing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = 360


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.scrollingElement.scrollWidth") <= PHONE)


def test_an_administrator_on_a_phone_merges_two_linked_profiles(
    live_server: Any, browser: Any
) -> None:
    town = partnership_make("mike", "Mike BCRP")
    admin = person_in(town, Role.ADMIN, email="admin.mike@x.org")
    kept = ProfileFactory(
        partnership=town, first_name="Bartholomew", last_name="Quennell-Ashworth", aliases=[]
    )
    merged = ProfileFactory(
        partnership=town,
        first_name="Bart",
        last_name="Quennell",
        aliases=["Barty Q"],
        date_of_birth=None,
    )
    image_on(kept, admin, seed=3)
    image_on(merged, admin, seed=4)
    link_make(partnership=town, profile_id=kept.pk, other_id=merged.pk, actor=Actor(user=admin))
    base = live_server.url
    shots = Path("var/screenshots")
    shots.mkdir(parents=True, exist_ok=True)

    context = browser.new_context(viewport={"width": PHONE, "height": 760})
    try:
        phone = context.new_page()
        phone.set_default_timeout(15_000)
        log_in(phone, base, admin)
        phone.goto(f"{base}/p/mike/profiles/{kept.pk}/")
        section = phone.get_by_test_id("linked-profiles")
        assert merged.reference in section.inner_text()
        assert fits(phone)
        section.screenshot(path=str(shots / "linked-profiles-360.png"))

        section.get_by_role("button", name="Merge…").click()
        phone.wait_for_url(f"{base}/p/mike/links/*/merge/")
        sides = phone.get_by_test_id("merge-side")
        assert sides.count() == 2
        # On a phone the two sides stack: the second starts below the first.
        first, second = sides.nth(0).bounding_box(), sides.nth(1).bounding_box()
        assert second["y"] >= first["y"] + first["height"] - 1
        assert fits(phone)
        phone.screenshot(path=str(shots / "merge-360.png"), full_page=True)

        phone.get_by_label(f"Keep {kept.reference}").check()
        phone.get_by_role("button", name="Merge into the profile kept").click()
        phone.wait_for_url(f"{base}/p/mike/profiles/{kept.pk}/")
        assert f"{merged.reference} is merged into {kept.reference}" in phone.content()
        assert fits(phone)
    finally:
        context.close()

    assert not OffenderProfile.objects.filter(pk=merged.pk).exists()
    kept.refresh_from_db()
    assert "Barty Q" in kept.aliases and "Bart Quennell" in kept.aliases
    assert kept.images.count() == 2
