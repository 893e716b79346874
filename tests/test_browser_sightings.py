"""Headless Chromium at 360 px: a member at the till reports a sighting with one tap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bcrp.actors import Actor
from offenders import services as offender_services
from offenders.models import Sighting
from partnerships.models import Role
from tests.factories import (
    PASSWORD,
    GalleryFactory,
    PremisesFactory,
    ProfileFactory,
    image_on,
    membership_of,
    partnership_make,
    person_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_one_tap_on_a_gallery_card_records_a_sighting_at_360_px(
    live_server: Any, browser: Any
) -> None:
    partnership = partnership_make("lima", "Lima BCRP")
    admin = person_in(partnership, Role.ADMIN)
    member = person_in(partnership, Role.MEMBER, email="member.lima@example.org")
    membership = membership_of(member, partnership)
    premises = PremisesFactory(business=membership.business, name="Lima Express")
    membership.premises = premises
    membership.save(update_fields=["premises"])
    gallery = GalleryFactory(partnership=partnership, members_may_see=True)
    for n in range(3):
        profile = ProfileFactory(partnership=partnership, last_name=f"Card{n}")
        image_on(profile, admin, seed=n + 1)
        offender_services.placement_add(profile=profile, gallery=gallery, actor=Actor(user=admin))

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
        page.goto(f"{live_server.url}/p/lima/gallery/")
        assert page.locator("#sighting-premises").input_value() == str(premises.pk)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, "the gallery must not scroll sideways on a phone"
        button = page.get_by_test_id("seen-now").first
        box = button.bounding_box()
        assert box is not None and box["height"] >= 44
        button.click()
        recorded = page.get_by_test_id("sighting-recorded")
        recorded.wait_for()
        assert "the scheme's administrators have been told" in recorded.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        Path("var/screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path="var/screenshots/sighting-recorded-360.png", full_page=True)
    finally:
        context.close()
    sighting = Sighting.objects.get()
    assert (sighting.reported_by, sighting.premises) == (member, premises)
