"""Headless Chromium at 360 px: a member at a till names the person in a report by typing part of
the name, out of a gallery of hundreds, where a phone's own list would be a scroll of hundreds."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident
from offenders.models import GalleryPlacement
from tests.factories import (
    GalleryFactory,
    ProfileFactory,
    member_at_premises,
    partnership_make,
)
from tests.test_browser_csp import Watch, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GALLERY = 300
SHOWN = 50  # static/js/searchable-select.js


def test_a_member_finds_one_person_among_hundreds_by_typing_at_360_px(
    live_server: Any, browser: Any
) -> None:
    partnership = partnership_make("lima", "Lima BCRP")
    member = member_at_premises(partnership, "member.lima@example.org", "Lima Express").user
    gallery = GalleryFactory(partnership=partnership, members_may_see=True)
    profiles = ProfileFactory.create_batch(GALLERY - 2, partnership=partnership)
    wanted = ProfileFactory(
        partnership=partnership, first_name="Ozzy", last_name="Quintrell", aliases=["Razor"]
    )
    # The same surname, another person: typing the surname alone offers both.
    namesake = ProfileFactory(partnership=partnership, first_name="Mavis", last_name="Quintrell")
    # Not in a gallery members see: never offered.
    hidden = ProfileFactory(partnership=partnership, first_name="Olive", last_name="Quintrell")
    until = timezone.localdate() + timedelta(days=90)
    GalleryPlacement.objects.bulk_create(
        GalleryPlacement(gallery=gallery, profile=profile, expires_on=until)
        for profile in [*profiles, wanted, namesake]
    )

    context = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = Watch(page)
    try:
        sign_in(page, live_server.url, member)
        page.goto(f"{live_server.url}/p/lima/incidents/new/")
        # The <select> is still there, carrying every circulated person, and nothing else.
        select = page.locator("#id_offender")
        assert select.locator("option").count() == GALLERY + 1  # and "No / not sure"
        assert select.locator(f"option[value='{hidden.pk}']").count() == 0

        # Tapping the field opens the search box over it.
        page.locator(".ts-wrapper:has(#id_offender-ts-control) .ts-control").click()
        search = page.locator("#id_offender-ts-control")
        listed = page.locator("#id_offender-ts-dropdown .option")
        listed.first.wait_for()
        assert listed.count() == SHOWN, "a phone draws a few screens of names, not hundreds"

        search.fill("quintrell")
        expect(listed).to_have_count(2)
        assert sorted(listed.all_inner_texts()) == [
            "Mavis Quintrell",
            "Ozzy Quintrell (aka Razor)",
        ]
        # Words in any order, an alias as good as a name.
        search.fill("razor quint")
        expect(listed).to_have_text(["Ozzy Quintrell (aka Razor)"])
        search.fill("nobody-by-this-name")
        expect(page.locator("#id_offender-ts-dropdown .no-results")).to_have_text(
            'No one in the gallery matches "nobody-by-this-name".'
        )
        search.fill("ozzy")
        listed.filter(has_text="Ozzy Quintrell").click()
        assert select.input_value() == str(wanted.pk)

        page.select_option("#id_category", "theft")
        assert watch.check("report page") == []
        # Sent without a description: the form comes back (by htmx) with the person still named
        # and the search box over it again.
        page.get_by_role("button", name="Send report").click()
        expect(page.locator("#id_description + small.field-error")).to_be_visible()
        assert [
            problem for problem in watch.check("sent back") if "(Bad Request)" not in problem
        ] == []
        expect(page.locator(".ts-wrapper:has(#id_offender-ts-control) .item")).to_have_text(
            "Ozzy Quintrell (aka Razor)"
        )
        assert select.input_value() == str(wanted.pk)
        page.fill("#id_description", "Took two bottles of whisky and ran towards the bus station.")
        page.fill("#id_value_lost", "58.00")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, "the form must not scroll sideways on a phone"
        Path("var/screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path="var/screenshots/offender-picker-360.png", full_page=True)
        page.get_by_role("button", name="Send report").click()
        page.wait_for_url(re.compile(r"/p/lima/incidents/\d+/$"))
        assert watch.check("report sent") == []
    finally:
        context.close()
    incident = Incident.objects.get(partnership=partnership)
    assert [link.profile_id for link in incident.offender_links.all()] == [wanted.pk]
