"""Headless Chromium: two partnerships agree to share, and the Dataview shows both sides.

Hotel's administrator asks India to share; India's administrator, in a second browser context,
checks the preview counts and accepts. Hotel's Dataview then lists India's shareable profiles
next to its own, and the build filter narrows them with htmx, without a page load.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from bcrp.models import User
from partnerships.models import Role
from sharing.views import DataviewView
from tests.factories import PASSWORD, ProfileFactory, partnership_make, person_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOTEL_NAMES = ["Horace Hollingsworth"]
INDIA_SLIM = ["Ignatius Inkpen", "Imelda Ironmonger"]
INDIA_HEAVY = ["Isambard Ivorybridge"]
INDIA_NAMES = INDIA_SLIM + INDIA_HEAVY


def log_in(page: Any, base_url: str, user: User) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def row_names(page: Any) -> list[str]:
    """The names in the Dataview's rows, sorted."""
    links = page.locator("[data-testid=dataview-row] td:nth-child(2) > a")
    return sorted(links.all_inner_texts())


def test_partnerships_agree_to_share_and_dataview_shows_and_filters_both(
    live_server: Any, page: Any, browser: Any
) -> None:
    hotel = partnership_make("hotel", "Hotel BCRP")
    india = partnership_make("india", "India BCRP")
    admin_hotel = person_in(hotel, Role.ADMIN, email="admin.hotel@x.org")
    admin_india = person_in(india, Role.ADMIN, email="admin.india@x.org")
    for partnership, names, build in (
        (hotel, HOTEL_NAMES, "medium"),
        (india, INDIA_SLIM, "slim"),
        (india, INDIA_HEAVY, "heavy"),
    ):
        for name in names:
            first, last = name.split()
            ProfileFactory(partnership=partnership, build=build, first_name=first, last_name=last)
    base = live_server.url

    # Hotel's administrator sees only Hotel's own profile before any agreement.
    log_in(page, base, admin_hotel)
    page.goto(f"{base}/p/hotel/dataview/")
    assert page.get_by_test_id("result-count").inner_text() == "1"
    assert row_names(page) == HOTEL_NAMES
    results = page.locator("#dataview-results")
    for name in INDIA_NAMES:
        assert name not in results.inner_text()
    assert "India BCRP" not in results.inner_text()

    # Hotel asks India to share.
    page.goto(f"{base}/p/hotel/partners/")
    page.locator("tr", has_text="India BCRP").get_by_role("link", name="Open").click()
    page.wait_for_url(f"{base}/p/hotel/partners/india/")
    assert page.get_by_test_id("gain").inner_text() == "3"
    assert page.get_by_test_id("give").inner_text() == "1"
    # The chart draws them to scale: 3 against 1.
    gain_bar = page.get_by_test_id("gain-bar").bounding_box()
    give_bar = page.get_by_test_id("give-bar").bounding_box()
    assert gain_bar and give_bar and 2.8 < gain_bar["width"] / give_bar["width"] < 3.2
    Path("var/screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path="var/screenshots/partner-preview.png", full_page=True)
    page.fill("#id_agreement_reference", "ISA-2026-H-I")
    page.get_by_role("button", name="Request sharing").click()
    page.wait_for_url(f"{base}/p/hotel/partners/india/")
    assert page.locator(".tag.state-requested_by_us").inner_text() == "Requested by us"

    # India's administrator, in a browser context of their own, answers.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        india_page = context.new_page()
        india_page.set_default_timeout(15_000)
        log_in(india_page, base, admin_india)
        india_page.goto(f"{base}/p/india/partners/")
        hotel_row = india_page.locator("tr", has_text="Hotel BCRP")
        assert hotel_row.locator(".tag").inner_text() == "Requested by them"
        assert "ISA-2026-H-I" in hotel_row.inner_text()
        hotel_row.get_by_role("link", name="Answer").click()
        india_page.wait_for_url(f"{base}/p/india/partners/hotel/")
        assert india_page.get_by_test_id("gain").inner_text() == "1"
        assert india_page.get_by_test_id("give").inner_text() == "3"
        assert "ISA-2026-H-I" in india_page.locator("article").first.inner_text()
        india_page.get_by_role("button", name="Accept and share").click()
        india_page.wait_for_url(f"{base}/p/india/partners/hotel/")
        assert india_page.locator(".tag.state-active").inner_text() == "Sharing"
    finally:
        context.close()

    # Hotel's Dataview now lists India's three profiles next to Hotel's own.
    page.goto(f"{base}/p/hotel/dataview/")
    assert page.get_by_test_id("result-count").inner_text() == "4"
    assert row_names(page) == sorted(HOTEL_NAMES + INDIA_NAMES)
    for name in INDIA_NAMES:
        row = page.locator("[data-testid=dataview-row]", has_text=name)
        assert row.locator("td").nth(2).inner_text() == "India BCRP"
    hotel_row = page.locator("[data-testid=dataview-row]", has_text=HOTEL_NAMES[0])
    assert hotel_row.locator("td").nth(2).inner_text() == "Hotel BCRP"

    # Filtering by build swaps in the results with htmx: same document, URL updated.
    page.evaluate("window.sameDocument = true")
    page.select_option("select[name=build]", "slim")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=result-count]').textContent.trim() === '2'"
    )
    assert page.evaluate("window.sameDocument === true"), "the page was reloaded"
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("build") == ["slim"])
    assert urlsplit(page.url).path == "/p/hotel/dataview/"
    # Only the filters in use go in the address, so it is short enough to share.
    assert urlsplit(page.url).query == "build=slim"
    # Hotel's own profile is of medium build, so only India's two slim ones remain.
    assert row_names(page) == sorted(INDIA_SLIM)

    Path("var/screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path="var/screenshots/dataview-shared.png", full_page=True)


def _rows_in_order(page: Any) -> list[str]:
    return page.locator("[data-testid=dataview-row] td:nth-child(2) > a").all_inner_texts()


def test_the_dataview_pages_forward_and_back_with_htmx_at_360_px(
    live_server: Any, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An officer on a phone pages through the Dataview by its Next, Previous and First page
    links: each swaps in the results without a page load, the address follows, and every
    profile appears once, newest first."""
    monkeypatch.setattr(DataviewView, "page_size", 3)
    kilo = partnership_make("kilo", "Kilo BCRP")
    admin = person_in(kilo, Role.ADMIN, email="admin.kilo@x.org")
    moment = timezone.now() - timedelta(days=1)
    surnames = ["Alder", "Birch", "Cedar", "Damson", "Elm", "Fir", "Gean"]
    for hours, surname in enumerate(surnames):
        ProfileFactory(
            partnership=kilo,
            first_name="Kit",
            last_name=surname,
            created_at=moment + timedelta(hours=hours),
        )
    newest_first = [f"Kit {surname}" for surname in reversed(surnames)]
    base = live_server.url
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, base, admin)
        page.goto(f"{base}/p/kilo/dataview/")
        page.evaluate("window.sameDocument = true")
        pages = [_rows_in_order(page)]

        def follow(test_id: str, expected_first: str) -> None:
            page.get_by_test_id(test_id).click()
            page.wait_for_function(
                "name => document.querySelector("
                "'[data-testid=dataview-row] td:nth-child(2) > a').textContent.trim() === name",
                arg=expected_first,
            )

        while page.get_by_test_id("next-page").count():
            follow("next-page", newest_first[3 * len(pages)])
            assert "cursor=" in urlsplit(page.url).query
            pages.append(_rows_in_order(page))
        assert [name for rows in pages for name in rows] == newest_first
        assert [len(rows) for rows in pages] == [3, 3, 1]

        follow("previous-page", pages[1][0])
        assert _rows_in_order(page) == pages[1]
        follow("first-page", pages[0][0])
        assert _rows_in_order(page) == pages[0]
        assert urlsplit(page.url).query == ""
        assert page.evaluate("window.sameDocument === true"), "the page was reloaded"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        Path("var/screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path="var/screenshots/dataview-pages-360.png", full_page=True)
    finally:
        context.close()
