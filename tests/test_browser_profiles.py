"""Headless Chromium: an administrator creates a profile, uploads two photos, sees thumbnails.

The thumbnails are made by the real Celery worker; the page polls with htmx until they appear.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from offenders.models import OffenderImage, OffenderProfile
from partnerships.models import Role
from tests.factories import PASSWORD, jpeg_bytes, partnership_make, person_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_admin_creates_profile_uploads_two_photos_and_sees_thumbnails(
    live_server: Any, page: Any, celery_worker_process: dict[str, Any], tmp_path: Path
) -> None:
    admin = person_in(partnership_make("golf", "Golf BCRP"), Role.ADMIN, email="admin.golf@x.org")
    photos = []
    for n in (1, 2):
        path = tmp_path / f"cctv-{n}.jpg"
        path.write_bytes(jpeg_bytes(seed=n * 11, size=(640, 480)))
        photos.append(str(path))

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", admin.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/p/golf/profiles/new/")
    page.fill("#id_first_name", "Dean")
    page.fill("#id_last_name", "Fletcher")
    page.fill("#id_aliases", "Deano, DF")
    page.select_option("#id_build", "stocky")
    page.get_by_label("Violent").check()
    page.get_by_role("button", name="Create profile").click()
    page.wait_for_url("**/p/golf/profiles/*/")
    assert page.get_by_role("heading", name="GB-00001 · Dean Fletcher").is_visible()

    page.evaluate("window.sameDocument = true")
    # A refused file: the 400 answer's message is shown in place (htmx swaps 400s).
    disguised = tmp_path / "not-a-photo.jpg"
    disguised.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    page.set_input_files("#id_photos", str(disguised))
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("not-a-photo.jpg: contains an archive or document").wait_for(timeout=10_000)
    page.set_input_files("#id_photos", photos)
    page.get_by_role("button", name="Upload").click()
    # Without a page load: htmx swaps in the strip, then polls until the worker has made both.
    thumbnails = page.locator("img[data-testid=thumbnail]")
    thumbnails.nth(1).wait_for(state="visible", timeout=30_000)
    assert thumbnails.count() == 2
    # Visible is not loaded: wait until both pictures have arrived and decoded (a broken one
    # never reaches a natural width, so this times out and fails).
    page.wait_for_function(
        """() => [...document.querySelectorAll("img[data-testid=thumbnail]")]
                   .filter(img => img.complete && img.naturalWidth > 0).length === 2""",
        timeout=15_000,
    )
    assert page.evaluate("window.sameDocument === true"), "the page was reloaded"

    profile = OffenderProfile.objects.get(partnership__slug="golf")
    assert OffenderImage.objects.filter(profile=profile, processed_at__isnull=False).count() == 2
    Path("var/screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path="var/screenshots/profile-with-photos.png", full_page=True)

    # A subject access request: the worker prepares the ZIP while the page shows progress.
    page.reload()
    page.get_by_text("Subject access request").click()
    page.fill("#id_request_reference", "Letter of 20 Nov")
    page.get_by_role("button", name="Prepare export").click()
    page.wait_for_url("**/p/golf/exports/*/")
    page.get_by_text("Ready:").wait_for(timeout=30_000)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the ZIP").click()
    download = download_info.value
    assert download.suggested_filename == "subject-access-GB-00001.zip"
    with zipfile.ZipFile(download.path()) as archive:
        names = sorted(archive.namelist())
        document = json.loads(archive.read("profile.json"))
    assert names == ["README.txt", "photos/photo-1.jpg", "photos/photo-2.jpg", "profile.json"]
    assert document["aliases"] == ["Deano", "DF"] and document["build"] == "Stocky"
