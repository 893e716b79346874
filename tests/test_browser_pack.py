"""Headless Chromium at phone width: a member drafts, edits and signs the witness statement of
their report; then a police officer builds the incident's evidence pack, watches it being built
by the real worker, and downloads it."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from bcrp.actors import Actor
from incidents.models import WitnessStatement
from incidents.services import incident_submit
from partnerships.models import Role
from tests.factories import PASSWORD, membership_of, partnership_make, person_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ACCOUNT = "I saw a man in a grey hoodie take four bottles of gin from the aisle and run out."


def cctv_still(seed: int) -> bytes:
    """A large, noisy still (as CCTV stills are), so the pack takes the worker a moment."""
    image = Image.effect_noise((1600, 1200), 60 + seed).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def phone_page(browser: Any, live_server: Any, email: str) -> tuple[Any, Any]:
    """A signed-in page in a 375 px phone's browser."""
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def statement_signed_on_a_phone(live_server: Any, browser: Any, email: str, pk: int) -> None:
    context, page = phone_page(browser, live_server, email)
    try:
        page.goto(f"{live_server.url}/p/lima/incidents/{pk}/")
        page.get_by_role("link", name="Witness statement").click()
        page.wait_for_url(f"**/incidents/{pk}/statement/")
        assert page.locator("#id_exhibit_prefix").input_value() == "JS"
        page.fill("#id_occupation", "Shift supervisor")
        page.fill("#id_account", ACCOUNT)
        page.get_by_role("button", name="Save").click()
        assert page.get_by_text("Saved (version 1)").is_visible()
        page.fill("#id_signed_name", "Jane Smith")
        page.get_by_role("button", name="Sign statement").click()
        page.wait_for_url(f"**/incidents/{pk}/statement/")
        assert page.get_by_test_id("statement-state").inner_text() == "Signed"
    finally:
        context.close()


def test_member_signs_then_officer_builds_and_downloads_the_evidence_pack_on_a_phone(
    live_server: Any, browser: Any, celery_worker_process: dict[str, Any], tmp_path: Path
) -> None:
    partnership = partnership_make("lima", "Lima BCRP")
    member = person_in(partnership, Role.MEMBER, full_name="Jane Smith")
    officer = person_in(partnership, Role.POLICE, email="pc.lima@example.org")
    stills = [cctv_still(n) for n in range(6)]
    incident = incident_submit(
        membership=membership_of(member, partnership),
        fields={
            "occurred_at": timezone.now() - timedelta(hours=3),
            "category": "theft",
            "description": "Four bottles of gin taken.",
            "value_lost": 96,
            "police_reference": "LI/2231/25",
        },
        premises=None,
        photos=[
            SimpleUploadedFile(f"cam-{n}.jpg", data, "image/jpeg") for n, data in enumerate(stills)
        ],
        actor=Actor(user=member, partnership=partnership),
    )
    member.email = "jane.lima@example.org"
    member.save(update_fields=["email"])
    statement_signed_on_a_phone(live_server, browser, member.email, incident.pk)
    assert WitnessStatement.objects.get(incident=incident, version=1).is_signed

    context, page = phone_page(browser, live_server, officer.email)
    try:
        page.goto(f"{live_server.url}/p/lima/incidents/{incident.pk}/")
        page.get_by_role("button", name="Build evidence pack").click()
        page.wait_for_url(re.compile(r"/p/lima/packs/[\w-]+/$"))
        # Queued or under way: the bar and what the worker is doing, updated in place.
        assert page.get_by_test_id("pack-progress").is_visible()
        assert page.get_by_test_id("pack-step").inner_text() != ""
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, "the pack's page must not scroll sideways on a phone"
        page.get_by_text("Ready.").wait_for(timeout=60_000)
        Path("var/screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path="var/screenshots/evidence-pack-ready-375.png", full_page=True)

        with page.expect_download() as pdf_download:
            page.get_by_role("button", name="Download the PDF").click()
        pdf_path = tmp_path / "pack.pdf"
        pdf_download.value.save_as(pdf_path)
        with page.expect_download() as zip_download:
            page.get_by_role("button", name="Download the ZIP").click()
        zip_path = tmp_path / "pack.zip"
        zip_download.value.save_as(zip_path)
    finally:
        context.close()

    assert pdf_download.value.suggested_filename == f"evidence-pack-incident-{incident.pk}.pdf"
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(pdf_path).pages).split())
    assert "LI/2231/25" in text and ACCOUNT in text
    with zipfile.ZipFile(zip_path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert archive.read("evidence-pack.pdf") == pdf_path.read_bytes()
        for n, data in enumerate(stills, 1):
            assert archive.read(f"exhibits/JS-{n}.jpg") == data
    assert [e["sha256"] for e in manifest["exhibits"]] == [
        hashlib.sha256(data).hexdigest() for data in stills
    ]

    first = pypdfium2.PdfDocument(str(pdf_path))[0].render(scale=2).to_pil().convert("L")
    first.save("var/screenshots/evidence-pack-page1.png")
    dark = sum(first.histogram()[:128])
    assert dark > 2000, "the first page rendered blank"
