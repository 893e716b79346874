"""Headless Chromium on a slow connection: photo forms show their progress, a double tap sends
once, and a dropped connection is said plainly and can be retried without a duplicate."""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bcrp.models import User
from incidents.models import Incident
from offenders.models import OffenderImage
from partnerships.models import Partnership, Role
from tests.factories import (
    PASSWORD,
    ProfileFactory,
    member_at_premises,
    partnership_make,
    person_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# About what a phone manages on one bar of signal.
SLOW_UPLOAD_BYTES_PER_SECOND = 96 * 1024


def cctv_still(path: Path, seed: int) -> str:
    """A JPEG of about 170 kB that does not compress away (noise, like a grainy still)."""
    noise = random.Random(seed).randbytes(480 * 360 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (480, 360), noise).save(out, "JPEG", quality=92)
    path.write_bytes(out.getvalue())
    assert len(out.getvalue()) > 150_000
    return str(path)


def sign_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def slow_upload(page: Any) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 40,
            "downloadThroughput": -1,
            "uploadThroughput": SLOW_UPLOAD_BYTES_PER_SECOND,
        },
    )


def posts_to(page: Any, path: str) -> list[str]:
    sent: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.url)
            if request.method == "POST" and request.url.endswith(path)
            else None
        ),
    )
    return sent


PROGRESS_MOVING = """(selector) => {
    const bar = document.querySelector(selector);
    return bar && !bar.hidden && bar.value > 0 && bar.value < bar.max;
}"""


@pytest.fixture
def reporter(db: None) -> Iterator[tuple[Partnership, User]]:
    partnership = partnership_make("lima", "Lima BCRP")
    member = member_at_premises(partnership, "member.lima@example.org", "Lima Express").user
    yield partnership, member


def fill_report(page: Any, photos: list[str]) -> None:
    page.select_option("#id_category", "theft")
    page.fill("#id_description", "Took a crate of energy drinks; CCTV stills attached.")
    page.fill("#id_value_lost", "32.40")
    page.set_input_files("#id_photos", photos)


def test_the_incident_form_shows_progress_and_a_double_tap_sends_once(
    live_server: Any, page: Any, reporter: tuple[Partnership, User], tmp_path: Path
) -> None:
    partnership, member = reporter
    photos = [cctv_still(tmp_path / f"still-{n}.jpg", seed=n) for n in (1, 2)]
    sign_in(page, live_server.url, member)
    page.goto(f"{live_server.url}/p/lima/incidents/new/")
    fill_report(page, photos)
    sent = posts_to(page, "/p/lima/incidents/new/")
    slow_upload(page)

    send = page.get_by_role("button", name="Send report")
    send.dblclick()
    # A third of a megabyte at one bar of signal: the bar fills while the button stays disabled.
    page.wait_for_function(PROGRESS_MOVING, arg="#incident-form progress", timeout=10_000)
    assert send.is_disabled()
    send.click(force=True)  # an impatient third tap, on the disabled button
    page.wait_for_url(re.compile(r"/p/lima/incidents/\d+/$"), timeout=30_000)
    assert page.get_by_text("Report saved").is_visible()

    assert len(sent) == 1, sent
    incident = Incident.objects.get(partnership=partnership)
    assert incident.photos.count() == 2
    assert page.url.endswith(f"/p/lima/incidents/{incident.pk}/")


def test_a_dropped_answer_keeps_the_report_waiting_and_sending_again_saves_once(
    live_server: Any, page: Any, reporter: tuple[Partnership, User]
) -> None:
    """The report reaches the server but the answer never reaches the phone: the report is kept
    on the phone as waiting to send, and sent again with its key when the connection is back,
    which opens the report saved the first time rather than making a second."""
    partnership, member = reporter
    sign_in(page, live_server.url, member)
    page.goto(f"{live_server.url}/p/lima/incidents/new/")
    # No photo here: Playwright cannot pass a file upload on through an intercepted request.
    fill_report(page, [])

    def answer_lost(route: Any) -> None:
        assert route.fetch().status == 200  # the server gets the report and saves it
        route.abort("internetdisconnected")

    page.route("**/p/lima/incidents/new/", answer_lost)
    page.get_by_role("button", name="Send report").click()
    page.locator('[data-testid="waiting-report"][data-state="waiting"]').wait_for()
    assert Incident.objects.filter(partnership=partnership).count() == 1

    page.unroute("**/p/lima/incidents/new/")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.locator('[data-testid="waiting-report"][data-state="saved"]').wait_for()
    assert Incident.objects.filter(partnership=partnership).count() == 1


def test_a_refused_photo_is_said_in_place_and_the_report_can_be_sent_again(
    live_server: Any, page: Any, reporter: tuple[Partnership, User], tmp_path: Path
) -> None:
    partnership, member = reporter
    sign_in(page, live_server.url, member)
    page.goto(f"{live_server.url}/p/lima/incidents/new/")
    page.evaluate("window.sameDocument = true")
    disguised = tmp_path / "cctv.jpg"
    disguised.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    fill_report(page, [str(disguised)])
    key = page.input_value("#id_submission_key")
    page.get_by_role("button", name="Send report").click()
    page.get_by_text("cctv.jpg: contains an archive or document").wait_for()
    # The form came back in place, as typed, with the same key; nothing was saved.
    assert page.evaluate("window.sameDocument === true")
    assert page.input_value("#id_description").startswith("Took a crate of energy drinks")
    assert page.input_value("#id_submission_key") == key
    assert not Incident.objects.filter(partnership=partnership).exists()

    page.set_input_files("#id_photos", cctv_still(tmp_path / "still.jpg", seed=5))
    page.get_by_role("button", name="Send report").click()
    page.wait_for_url(re.compile(r"/p/lima/incidents/\d+/$"))
    assert page.get_by_text("Report saved").is_visible()
    assert Incident.objects.get(partnership=partnership).photos.count() == 1


def test_the_profile_photo_form_shows_progress_and_a_double_click_uploads_once(
    live_server: Any, page: Any, tmp_path: Path
) -> None:
    partnership = partnership_make("mike", "Mike BCRP")
    admin = person_in(partnership, Role.ADMIN, email="admin.mike@example.org")
    profile = ProfileFactory(partnership=partnership)
    photos = [cctv_still(tmp_path / f"cctv-{n}.jpg", seed=10 + n) for n in (1, 2)]
    sign_in(page, live_server.url, admin)
    page.goto(f"{live_server.url}/p/mike/profiles/{profile.pk}/")
    page.set_input_files("#id_photos", photos)
    sent = posts_to(page, f"/p/mike/profiles/{profile.pk}/photos/")
    slow_upload(page)

    upload = page.get_by_role("button", name="Upload")
    upload.dblclick()
    page.wait_for_function(PROGRESS_MOVING, arg="form.upload-form progress", timeout=10_000)
    assert upload.is_disabled()
    page.get_by_text("2 photos added.").wait_for(timeout=30_000)
    # Done: the bar goes, the button works again, the chosen files are cleared for the next.
    assert page.locator("form.upload-form progress").is_hidden()
    assert upload.is_enabled()
    assert page.eval_on_selector("#id_photos", "input => input.files.length") == 0

    assert len(sent) == 1, sent
    assert OffenderImage.objects.filter(profile=profile).count() == 2
