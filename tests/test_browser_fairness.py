"""Headless Chromium at 360 px: the fairness report draws every chart under the page's policy,
with nothing blocked, no sideways scroll, and its tables folded away once the charts are drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from bcrp.models import User
from offenders.models import GalleryPlacement
from partnerships.models import Partnership
from tests.factories import PASSWORD, GalleryFactory, ProfileFactory
from tests.test_browser_csp import Watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 360
SCREENSHOTS = Path("var/screenshots")


def test_the_fairness_report_fits_360_px_with_its_charts_drawn(
    live_server: Any, browser: Any, partnership_a: Partnership, admin_a: User
) -> None:
    Partnership.objects.filter(pk=partnership_a.pk).update(records_perceived_ethnicity=True)
    gallery = GalleryFactory(partnership=partnership_a, members_may_see=True)
    today = timezone.localdate()
    for n in range(15):
        profile = ProfileFactory(
            partnership=partnership_a,
            gender=("male", "female")[n % 2],
            perceived_ethnicity=("IC1", "IC3", "IC4")[n % 3],
        )
        GalleryPlacement.objects.create(
            gallery=gallery, profile=profile, expires_on=today.replace(year=today.year + 1)
        )

    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    watched = Watch(page)
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", admin_a.email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/p/alpha/stats/fairness/")
        page.wait_for_function(
            "() => document.querySelectorAll('details[data-stats-table][open]').length === 0"
        )
        charts = page.locator("canvas[id^=chart-]")
        assert charts.count() == 4  # gender, age band, perceived ethnicity, quarters
        for n in range(4):
            box = charts.nth(n).bounding_box()
            assert box and 100 < box["width"] <= WIDTH and box["height"] > 100
        assert page.evaluate("Object.keys(Chart.instances).length") == 4
        assert page.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "fairness-360.png"), full_page=True)
        assert watched.check("fairness") == []
    finally:
        context.close()
