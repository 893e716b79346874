"""Headless Chromium at phone width with the member's app installed: a report written without
signal is kept, survives a reload, and is stored once when the signal returns; the service
worker keeps nothing about people."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bcrp.models import User
from incidents.models import Incident, IncidentPhoto
from partnerships.models import Role
from tests.factories import (
    PASSWORD,
    ProfileFactory,
    image_on,
    incident_reported,
    jpeg_bytes,
    member_at_premises,
    membership_of,
    partnership_make,
    person_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True}

CACHED_ADDRESSES = """async () => {
  const kept = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) kept.push(new URL(request.url).pathname);
  }
  return kept;
}"""

WAITING_IN_STORAGE = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("bcrp-reports", 1);
  opening.onsuccess = () => {
    const read = opening.result.transaction("waiting").objectStore("waiting").getAll();
    read.onsuccess = () => resolve(read.result.map((r) => r.photos));
    read.onerror = () => reject(read.error);
  };
  opening.onerror = () => reject(opening.error);
})"""


def sign_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def asked(page: Any, questions: list[str], count: int) -> None:
    """Playwright handles the dialog only while the test calls into it, so wait through it."""
    for _ in range(100):
        if len(questions) >= count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"asked {len(questions)} times, expected {count}")


def controlled_by_worker(page: Any) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")


def test_report_written_without_signal_is_kept_and_stored_once_when_it_returns(
    live_server: Any, browser: Any, tmp_path: Path
) -> None:
    partnership = partnership_make("kilo", "Kilo BCRP")
    member = member_at_premises(partnership, "member.kilo@example.org", "Kilo Express").user
    photos = []
    for n in (1, 2):
        path = tmp_path / f"till-{n}.jpg"
        path.write_bytes(jpeg_bytes(seed=n * 7, size=(800, 600)))
        photos.append(str(path))
    base = live_server.url
    form_url = f"{base}/p/kilo/incidents/new/"

    context = browser.new_context(service_workers="allow", **PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, base, member)
        page.goto(form_url)
        controlled_by_worker(page)

        context.set_offline(True)
        page.select_option("#id_category", "theft")
        page.fill("#id_description", "Took razor blades from the front display, no signal.")
        page.fill("#id_value_lost", "42.50")
        page.set_input_files("#id_photos", photos)
        page.get_by_role("button", name="Send report").click()
        waiting = page.get_by_test_id("waiting-report")
        waiting.get_by_text("Waiting to send").wait_for()
        assert "2 photos" in waiting.inner_text()
        assert page.evaluate(WAITING_IN_STORAGE) == [2]
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert not Incident.objects.filter(reported_by=member).exists()

        # Without signal the page itself cannot be fetched: the worker's offline page opens
        # at the same address and lists what the phone still holds.
        page.reload()
        assert page.get_by_role("heading", name="No signal").is_visible()
        page.get_by_test_id("waiting-report").get_by_text("Waiting to send").wait_for()
        assert page.url == form_url
        assert not Incident.objects.filter(reported_by=member).exists()

        context.set_offline(False)
        page.get_by_test_id("waiting-report-state").get_by_text("Saved", exact=True).wait_for()
        Path("var/screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path="var/screenshots/offline-report-saved-375.png", full_page=True)
        assert page.evaluate(WAITING_IN_STORAGE) == []
        # A further retry (the page's own timer, another tab, the online event again) sends
        # nothing more: the phone no longer holds it.
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_timeout(500)
    finally:
        context.close()
    incident = Incident.objects.get(reported_by=member)
    assert incident.description == "Took razor blades from the front display, no signal."
    assert IncidentPhoto.objects.filter(incident=incident).count() == 2
    assert incident.submission_key is not None


def test_sign_out_asks_before_deleting_reports_waiting_to_send(
    live_server: Any, browser: Any
) -> None:
    partnership = partnership_make("lima", "Lima BCRP")
    member = person_in(partnership, Role.MEMBER, email="member.lima@example.org")
    base = live_server.url
    context = browser.new_context(service_workers="allow", **PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    questions: list[str] = []
    try:
        sign_in(page, base, member)
        page.goto(f"{base}/p/lima/incidents/new/")
        context.set_offline(True)
        page.select_option("#id_category", "theft")
        page.fill("#id_description", "Kept for sign-out.")
        page.get_by_role("button", name="Send report").click()
        page.get_by_test_id("waiting-report").get_by_text("Waiting to send").wait_for()

        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
        page.get_by_role("button", name="Sign out").click()
        asked(page, questions, 1)
        assert "1 report has not been sent yet" in questions[0]
        assert page.evaluate(WAITING_IN_STORAGE) == [0], "declined: the report stays"
        assert "/p/lima/incidents/new/" in page.url

        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
        page.get_by_role("button", name="Sign out").click()
        asked(page, questions, 2)
        # Deleted before the sign-out is even sent (here it cannot be: there is no signal).
        context.set_offline(False)
        page.goto(f"{base}/login/")
        assert page.evaluate(WAITING_IN_STORAGE) == []
        page.wait_for_timeout(500)
    finally:
        context.close()
    assert not Incident.objects.filter(reported_by=member).exists()


def test_manifest_is_valid_and_the_worker_keeps_nothing_about_people(
    live_server: Any, browser: Any
) -> None:
    partnership = partnership_make("mike", "Mike BCRP")
    admin = person_in(partnership, Role.ADMIN, email="admin.mike@example.org")
    member = person_in(partnership, Role.MEMBER, email="member.mike@example.org")
    profile = ProfileFactory(partnership=partnership)
    image = image_on(profile, admin)
    incident = incident_reported(membership_of(member, partnership), photos=1)
    photo = incident.photos.get()
    base = live_server.url
    context = browser.new_context(service_workers="allow", **PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        answer = page.request.get(f"{base}/manifest.webmanifest")
        assert answer.ok
        assert answer.headers["content-type"].startswith("application/manifest+json")
        manifest = json.loads(answer.text())
        for key in ("name", "short_name", "start_url", "scope", "theme_color", "icons"):
            assert manifest[key], key
        assert manifest["display"] == "standalone" and manifest["scope"] == "/"
        sizes = set()
        for icon in manifest["icons"]:
            with Image.open(io.BytesIO(page.request.get(base + icon["src"]).body())) as png:
                assert png.format == "PNG"
                assert f"{png.width}x{png.height}" == icon["sizes"]
                sizes.add((png.width, icon.get("purpose", "any")))
        assert {(192, "any"), (512, "any"), (512, "maskable")} <= sizes
        worker = page.request.get(f"{base}/sw.js")
        assert "no-cache" in worker.headers["cache-control"]

        for person, addresses in (
            (
                member,
                [
                    "/app/",
                    "/p/mike/gallery/",
                    f"/p/mike/incidents/{incident.pk}/",
                    f"/p/mike/incident-photos/{photo.token}/",
                    "/p/mike/incidents/new/",
                ],
            ),
            (
                admin,
                [
                    "/p/mike/",
                    f"/p/mike/profiles/{profile.pk}/",
                    f"/p/mike/photos/{image.token}/",
                    f"/p/mike/incidents/{incident.pk}/",
                    "/api/v1/",
                    "/account/tokens/",
                ],
            ),
        ):
            sign_in(page, base, person)
            controlled_by_worker(page)
            for address in addresses:
                page.goto(base + address)
            page.goto(f"{base}/p/mike/")
            kept = page.evaluate(CACHED_ADDRESSES)
            assert kept, "the app shell is kept"
            assert "/offline/" in kept
            assert not [path for path in kept if path.startswith(("/p/", "/api/", "/account/"))], (
                kept
            )
            assert all(path.startswith("/static/") or path == "/offline/" for path in kept)
            page.context.clear_cookies()
    finally:
        context.close()
