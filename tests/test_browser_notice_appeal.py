"""Headless Chromium at 375 px: the person on a notice opens the address printed on it and
appeals; the administrator finds the appeal on the home to-do list and upholds it; the notice and
its public page both show the outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.utils import timezone

from bcrp.actors import Actor
from offenders import services as offender_services
from offenders.models import NoticeStatus, SubjectRequest
from partnerships.models import Role
from tests.factories import (
    BusinessFactory,
    PremisesFactory,
    ProfileFactory,
    partnership_make,
    person_in,
)
from tests.test_browser_sharing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 375
SCREENSHOTS = Path("var/screenshots")


def ratelimit_counters_forget() -> None:
    """The browser always comes from 127.0.0.1 and the page's counters live an hour in Redis:
    forget them, so that runs close together are not refused."""
    client = caches["ratelimit"]._cache.get_client(write=True)  # type: ignore[attr-defined]
    for key in client.scan_iter(match="ratelimit:*"):
        client.delete(key)


def phone(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context(
        viewport={"width": WIDTH, "height": 780}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url


def test_the_person_appeals_from_the_printed_address_and_sees_it_upheld_at_375_px(
    live_server: Any, browser: Any
) -> None:
    ratelimit_counters_forget()
    partnership = partnership_make("mike", "Mike BCRP")
    admin = person_in(partnership, Role.ADMIN, email="admin.mike@example.org")
    covered = PremisesFactory(
        business=BusinessFactory(partnership=partnership), name="Mike Stores", postcode="MK1 1AA"
    )
    profile = ProfileFactory(partnership=partnership, first_name="Nemo", last_name="Unseen")
    notice = offender_services.exclusion_issue(
        profile=profile,
        kind="exclusion",
        reason="Theft of razor blades",
        premises=[covered],
        served_on=timezone.localdate(),
        actor=Actor(user=admin),
    )
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    staff_context, staff = phone(browser)
    person_context, person = phone(browser)
    try:
        # The printed notice carries the address and its QR code.
        log_in(staff, base, admin)
        staff.goto(f"{base}/p/mike/notices/{notice.pk}/")
        assert staff.locator("img.notice-qr").is_visible()
        printed = staff.get_by_test_id("notice-public-url").inner_text()
        assert printed == f"{base}/n/{notice.public_token}/"

        # The person types the printed address on their phone and appeals.
        person.goto(printed)
        assert person.get_by_text("Mike Stores, MK1 1AA").is_visible()
        assert "Nemo" not in person.content() and "razor" not in person.content()
        fits(person)
        person.fill("#id_appeal-name", "N. Unseen")
        person.fill("#id_appeal-details", "I was at work in another town that day.")
        person.fill("#id_appeal-phone", "07700 900123")
        person.get_by_role("button", name="Send my appeal").click()
        received = person.get_by_role("status")
        received.wait_for()
        assert "Your appeal was received" in received.inner_text()
        assert (
            person.get_by_test_id("public-appeal").inner_text().endswith("Waiting for a decision.")
        )
        fits(person)
        person.screenshot(path=str(SCREENSHOTS / "notice-appeal-sent-375.png"), full_page=True)

        # The administrator finds it on the home to-do list, with its deadline, and upholds it.
        appeal = SubjectRequest.objects.get()
        staff.goto(f"{base}/p/mike/")
        item = staff.get_by_role("link", name=f"Appeal against the exclusion for {profile}")
        item.wait_for()
        assert f"due in 14 days ({appeal.due_on:%-d %B})" in staff.content()
        staff.screenshot(path=str(SCREENSHOTS / "notice-appeal-todo-375.png"), full_page=True)
        item.click()
        staff.wait_for_url(f"{base}/p/mike/requests/{appeal.pk}/")
        assert staff.get_by_text("I was at work in another town that day.").is_visible()
        fits(staff)
        staff.get_by_label("Upheld (notice withdrawn)").check()
        staff.get_by_role("button", name="Record the decision").click()
        staff.get_by_text("Decision recorded.").wait_for()
        staff.goto(f"{base}/p/mike/notices/{notice.pk}/")
        assert "Withdrawn on appeal" in staff.locator(".notice-status").inner_text()
        staff.screenshot(path=str(SCREENSHOTS / "notice-appeal-upheld-375.png"), full_page=True)

        # The person's page now shows the outcome, and no appeal form.
        person.reload()
        assert person.get_by_test_id("public-status").inner_text() == "Withdrawn on appeal"
        assert "Upheld (notice withdrawn)" in person.get_by_test_id("public-appeal").inner_text()
        assert person.get_by_test_id("appeal-form").count() == 0
        fits(person)
        person.screenshot(path=str(SCREENSHOTS / "notice-appeal-outcome-375.png"), full_page=True)
    finally:
        staff_context.close()
        person_context.close()
    notice.refresh_from_db()
    assert (notice.status, notice.appeal_outcome) == (NoticeStatus.WITHDRAWN, "upheld")
