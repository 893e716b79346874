"""Headless Chromium at 360 x 740: every page a member can open under /p/<slug>/ (found from the
URLconf, as test_tenancy_urls walks it), plus sign-in and the member's account pages, has no
sideways scroll, and every target a thumb must hit is at least 44 px high.

The rule for targets: every visible button, input, select, textarea and summary, and every link,
must be at least 44 px high, except a link that sits inside a sentence (displayed inline, its
parent holding other text besides it). WCAG 2.5.8 exempts such inline links, whose height is set
by the line of text around them; making them taller would break the sentence. Check boxes and
radio buttons are measured by the label they sit in, which is what a thumb hits. Links in the
navigation bars, buttons (including links styled as buttons) and form fields are never exempt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bcrp.models import User
from partnerships.models import Partnership
from tests.factories import PASSWORD
from tests.fixtures import client_for
from tests.test_tenancy_urls import build_urls, tenant_routes, world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 360
TARGET_HEIGHT = 44
SCREENSHOTS = Path("var/screenshots")

# Returns the targets on the page that are too small, each described for the failure message.
SMALL_TARGETS_JS = """
(minimum) => {
  const small = [];
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden';
  };
  const inSentence = (el) => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    if (el.closest('nav')) return false;
    if (el.getAttribute('role') === 'button') return false;
    const parent = el.parentElement;
    const own = (el.textContent || '').trim().length;
    return (parent.textContent || '').trim().length > own;
  };
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    if (el.type === 'hidden' || !visible(el)) continue;
    let target = el;
    if (el.type === 'checkbox' || el.type === 'radio') target = el.closest('label') || el;
    if (inSentence(el)) continue;
    const height = target.getBoundingClientRect().height;
    if (height + 0.5 < minimum) {
      const name = (el.textContent || el.value || el.name || el.id || '').trim().slice(0, 40);
      small.push(`${el.tagName.toLowerCase()} "${name}" ${Math.round(height)}px`);
    }
  }
  return small;
}
"""


def member_pages(member: User, slug: str, records: dict[str, list[Any]]) -> list[str]:
    """Every page under the partnership a member opens as an HTML page: no 403, 404 or 405, no
    file download (PDF, CSV, images), no redirect elsewhere, no part of a page fetched by htmx."""
    client = client_for(member)
    pages = []
    for route, _ in tenant_routes():
        for url in build_urls(route, slug, records):
            response = client.get(url)
            if (
                response.status_code == 200
                and response["Content-Type"].startswith("text/html")
                and response.content.lstrip()[:15].lower() == b"<!doctype html>"
            ):
                pages.append(url)
    return pages


def sign_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def problems_on(page: Any, url: str) -> list[str]:
    page.goto(url)
    found = []
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    if scroll_width > WIDTH:
        found.append(f"scrolls sideways: {scroll_width}px wide")
    found += page.evaluate(SMALL_TARGETS_JS, TARGET_HEIGHT)
    return found


def test_every_member_page_fits_360_px_with_44_px_targets(
    live_server: Any,
    browser: Any,
    world: dict[str, list[Any]],  # noqa: F811
    partnership_a: Partnership,
    member_a: User,
) -> None:
    urls = member_pages(member_a, partnership_a.slug, world)
    # The pages a member uses every day must be among them, or the walk has gone wrong.
    for expected in (
        "/p/alpha/",
        "/p/alpha/gallery/",
        "/p/alpha/bulletins/",
        "/p/alpha/incidents/",
    ):
        assert expected in urls, expected
    assert "/p/alpha/incidents/new/" in urls

    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: dict[str, list[str]] = {}
    try:
        for url in ("/login/",):
            found = problems_on(page, live_server.url + url)
            if found:
                problems[url] = found
        sign_in(page, live_server.url, member_a)
        for url in [*urls, "/account/tokens/"]:
            found = problems_on(page, live_server.url + url)
            if found:
                problems[url] = found
        page.goto(f"{live_server.url}/p/alpha/")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "member-home-360.png"), full_page=True)
    finally:
        context.close()
    assert problems == {}, "\n".join(f"{url}: {found}" for url, found in problems.items())


def test_the_report_button_is_first_and_big_on_a_phone(
    live_server: Any, browser: Any, partnership_a: Partnership, member_a: User
) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, live_server.url, member_a)
        page.goto(f"{live_server.url}/p/alpha/")
        button = page.get_by_test_id("report-now").bounding_box()
        heading = page.locator("main h1").bounding_box()
        assert button is not None and heading is not None
        assert button["height"] >= 56
        assert button["width"] >= WIDTH - 2 * 16  # the whole width inside the page's margins
        assert button["y"] < heading["y"]
    finally:
        context.close()
