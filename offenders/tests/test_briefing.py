"""The printed gallery briefing (what members see of a gallery, as a PDF for administrators) and
the photo on the printable notice."""

from __future__ import annotations

import io
import random
import re
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateformat import format as date_format
from PIL import Image
from pypdf import PdfReader

from bcrp.actors import Actor
from bcrp.crypto import write_encrypted
from bcrp.models import AuditEvent, User
from offenders import selectors
from offenders import services as offender_services
from offenders.briefing import BRIEFING_KEEP_DAYS, briefing_pdf
from offenders.models import (
    Gallery,
    GalleryPlacement,
    OffenderImage,
    OffenderProfile,
    ProfileStatus,
)
from partnerships.models import Partnership, Role
from tests.factories import (
    PASSWORD,
    GalleryFactory,
    ProfileFactory,
    image_on,
    jpeg_bytes,
    partnership_make,
    person_in,
)
from tests.fixtures import client_for
from tests.plans import believe_tables_empty, rows_touched

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def long_date(day: date) -> str:
    return date_format(day, "j F Y")


def briefing_url(gallery: Gallery) -> str:
    return f"/p/{gallery.partnership.slug}/galleries/{gallery.pk}/briefing.pdf"


def pdf_text(data: bytes) -> str:
    """The text of every page, whitespace folded, so a line wrapped inside a box still reads as
    one phrase."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def placed(
    profile: OffenderProfile, gallery: Gallery, admin: User, *, expires_on: date | None = None
) -> GalleryPlacement:
    return offender_services.placement_add(
        profile=profile, gallery=gallery, expires_on=expires_on, actor=Actor(user=admin)
    )


@dataclass
class Briefed:
    gallery: Gallery
    excluded: OffenderProfile
    sought: OffenderProfile
    warned: OffenderProfile
    hidden: list[OffenderProfile]
    soonest_expiry: date
    exclusion_ends: date
    warning_ends: date


@pytest.fixture
def briefed(partnership_a: Partnership, admin_a: User) -> Briefed:
    """A circulated gallery with three people members see and four they do not."""
    today = timezone.localdate()
    actor = Actor(user=admin_a)
    gallery = GalleryFactory(partnership=partnership_a, name="Excluded offenders")
    excluded = ProfileFactory(
        partnership=partnership_a,
        first_name="Dwayne",
        last_name="Ashcroft",
        aliases=["Dazza", "D-Man"],
        warning_markers=["violent", "weapons"],
    )
    image_on(excluded, admin_a, seed=3)
    exclusion = offender_services.exclusion_issue(
        profile=excluded, kind="exclusion", reason="Threatened staff with a knife", actor=actor
    )
    placed(excluded, gallery, admin_a, expires_on=today + timedelta(days=200))
    sought = ProfileFactory(
        partnership=partnership_a,
        first_name="",
        last_name="",
        status=ProfileStatus.ID_SOUGHT,
        warning_markers=["contagious"],
    )
    image_on(sought, admin_a, seed=5)
    soonest = today + timedelta(days=9)
    placed(sought, gallery, admin_a, expires_on=soonest)
    warned = ProfileFactory(partnership=partnership_a, first_name="Kerry", last_name="Blunden")
    warning = offender_services.exclusion_issue(
        profile=warned, kind="warning", reason="Abusive at the till", actor=actor
    )
    placed(warned, gallery, admin_a, expires_on=today + timedelta(days=60))

    archived = ProfileFactory(partnership=partnership_a, first_name="Archie", last_name="Vaulted")
    placed(archived, gallery, admin_a)
    offender_services.profile_archive(profile=archived, actor=actor)
    juvenile = ProfileFactory(
        partnership=partnership_a,
        first_name="Junior",
        last_name="Youngman",
        date_of_birth=today - timedelta(days=365 * 15),
        age_min=None,
        age_max=None,
    )
    placed(juvenile, gallery, admin_a)
    lapsed = ProfileFactory(partnership=partnership_a, first_name="Lapsed", last_name="Expirey")
    lapsed_place = placed(lapsed, gallery, admin_a)
    GalleryPlacement.objects.filter(pk=lapsed_place.pk).update(expires_on=today - timedelta(1))
    elsewhere = ProfileFactory(partnership=partnership_a, first_name="Other", last_name="Galleria")
    placed(elsewhere, GalleryFactory(partnership=partnership_a, name="Pubwatch"), admin_a)
    return Briefed(
        gallery=gallery,
        excluded=excluded,
        sought=sought,
        warned=warned,
        hidden=[archived, juvenile, lapsed, elsewhere],
        soonest_expiry=soonest,
        exclusion_ends=exclusion.ends_on,
        warning_ends=warning.ends_on,
    )


def test_the_briefing_prints_what_members_see_of_the_gallery(
    briefed: Briefed, admin_a: User
) -> None:
    response = client_for(admin_a).get(briefing_url(briefed.gallery))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    today = timezone.localdate()

    assert "Alpha BCRP" in text
    assert (
        "Confidential: for members of Alpha BCRP only; do not display; destroy after "
        f"{long_date(briefed.soonest_expiry)}." in text
    )
    assert f"Printed {long_date(today)}" in text
    assert "Excluded offenders: gallery briefing" in text

    assert "Dwayne Ashcroft" in text
    assert "aka Dazza, D-Man" in text
    assert "Warning: Violent, Weapons" in text
    assert f"Excluded until {long_date(briefed.exclusion_ends)}" in text
    assert f"In this gallery until {long_date(today + timedelta(days=200))}" in text

    assert "Unknown person" in text
    assert "ID sought" in text
    assert "Warning: Spits / contagious" in text
    assert f"In this gallery until {long_date(briefed.soonest_expiry)}" in text

    assert "Kerry Blunden" in text
    assert f"Warning until {long_date(briefed.warning_ends)}" in text
    assert "3 people" in text

    for profile in briefed.hidden:
        assert profile.first_name not in text, profile
        assert profile.last_name not in text, profile
        assert profile.reference not in text, profile


def test_the_same_gallery_is_what_a_member_is_shown(
    briefed: Briefed, partnership_a: Partnership, member_a: User
) -> None:
    """The briefing and the member gallery come from the same rule: same people, same order."""
    briefed_ids = [
        placement.profile_id
        for placement in selectors.placements_briefed(
            partnership=partnership_a, gallery=briefed.gallery
        )
    ]
    page = client_for(member_a).get(f"/p/alpha/gallery/?g={briefed.gallery.pk}")
    shown_ids = [profile.pk for profile in page.context["page"].object_list]
    assert briefed_ids == shown_ids
    assert len(shown_ids) == 3


def test_an_empty_gallery_keeps_four_weeks(partnership_a: Partnership, admin_a: User) -> None:
    gallery = GalleryFactory(partnership=partnership_a, name="Pubwatch")
    response = client_for(admin_a).get(briefing_url(gallery))
    assert response.status_code == 200
    text = pdf_text(response.content)
    destroy_after = timezone.localdate() + timedelta(days=BRIEFING_KEEP_DAYS)
    assert f"destroy after {long_date(destroy_after)}." in text
    assert "Nobody is circulated to members in this gallery" in text


def test_the_download_is_not_stored_and_is_audited(briefed: Briefed, admin_a: User) -> None:
    response = client_for(admin_a).get(briefing_url(briefed.gallery))
    assert "no-store" in response["Cache-Control"]
    assert re.fullmatch(
        r'attachment; filename="gallery-briefing-\d+-\d{4}-\d{2}-\d{2}\.pdf"',
        response["Content-Disposition"],
    )
    event = AuditEvent.objects.get(action="gallery.briefing")
    assert event.actor == admin_a
    assert event.object_id == str(briefed.gallery.pk)
    assert sorted(event.detail["profile_ids"]) == sorted(
        [briefed.excluded.pk, briefed.sought.pk, briefed.warned.pk]
    )


def test_members_and_police_are_refused_and_other_partnerships_see_nothing(
    briefed: Briefed,
    member_a: User,
    police_a: User,
    admin_b: User,
    outsider: User,
    partnership_b: Partnership,
) -> None:
    url = briefing_url(briefed.gallery)
    assert client_for(member_a).get(url).status_code == 403
    assert client_for(police_a).get(url).status_code == 403
    assert client_for(admin_b).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    under_own_slug = f"/p/{partnership_b.slug}/galleries/{briefed.gallery.pk}/briefing.pdf"
    assert client_for(admin_b).get(under_own_slug).status_code == 404
    assert not AuditEvent.objects.filter(action="gallery.briefing").exists()


def test_a_gallery_members_do_not_see_has_no_briefing(
    partnership_a: Partnership, admin_a: User
) -> None:
    gallery = GalleryFactory(partnership=partnership_a, name="Police only", members_may_see=False)
    placed(ProfileFactory(partnership=partnership_a), gallery, admin_a)
    response = client_for(admin_a).get(briefing_url(gallery))
    assert response.status_code == 409
    assert "not circulated to members" in response.content.decode()
    assert not AuditEvent.objects.filter(action="gallery.briefing").exists()


def test_the_gallery_page_offers_the_briefing_to_administrators_only(
    briefed: Briefed, admin_a: User, member_a: User
) -> None:
    url = f"/p/alpha/gallery/?g={briefed.gallery.pk}"
    assert briefing_url(briefed.gallery) in client_for(admin_a).get(url).content.decode()
    assert "briefing" not in client_for(member_a).get(url).content.decode()


def test_names_in_any_alphabet_and_stray_control_characters_print(
    partnership_a: Partnership, admin_a: User
) -> None:
    gallery = GalleryFactory(partnership=partnership_a, name="Γκαλερί «Пабвотч»")
    names = [
        ("Γιώργος", "Παπαδόπουλος", ["Γιωργάκης"]),
        ("Дмитрий", "Соколов", ["Дима"]),
        ("Zoë\u0007", "O\u2019Brien-Łukasiewicz\u001b", ["李小龍", "\u202eevil", "😀" * 40]),
        ("A" * 80, "B" * 80, ["C" * 120] * 5),
    ]
    for first, last, aliases in names:
        placed(
            ProfileFactory(
                partnership=partnership_a, first_name=first, last_name=last, aliases=aliases
            ),
            gallery,
            admin_a,
        )
    response = client_for(admin_a).get(briefing_url(gallery))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Γιώργος Παπαδόπουλος" in text
    assert "Дмитрий Соколов" in text
    assert "Γκαλερί «Пабвотч»: gallery briefing" in text
    assert "Zoë O\u2019Brien-Łukasiewicz" in text
    assert "\x07" not in text and "\x1b" not in text

    # PostgreSQL refuses a NUL in text, so none comes from the database; a name carrying one
    # still prints if it ever reaches the document.
    placements = list(selectors.placements_briefed(partnership=partnership_a, gallery=gallery))
    placements[0].profile.first_name = "Nul\x00led"
    data = briefing_pdf(
        partnership=partnership_a,
        gallery=gallery,
        placements=placements,
        today=timezone.localdate(),
    )
    assert "Nulled" in pdf_text(data)


def test_a_photo_still_waiting_for_its_thumbnail_prints_from_the_stored_copy(
    partnership_a: Partnership, admin_a: User
) -> None:
    gallery = GalleryFactory(partnership=partnership_a)
    waiting = ProfileFactory(partnership=partnership_a, first_name="Wanda", last_name="Waiting")
    image = offender_services.image_add(
        profile=waiting,
        upload=SimpleUploadedFile("big.jpg", jpeg_bytes(9, (1600, 1200)), "image/jpeg"),
        actor=Actor(user=admin_a),
    )
    assert image.thumbnail == ""
    placed(waiting, gallery, admin_a)
    response = client_for(admin_a).get(briefing_url(gallery))
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    [printed] = page.images
    assert max(printed.image.size) == settings.IMAGE_THUMBNAIL_SIDE


def noise_jpeg(seed: int) -> bytes:
    """A thumbnail-sized photo of noise: the worst case for size, as nothing in it compresses."""
    pixels = random.Random(seed).randbytes(320 * 240 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (320, 240), pixels).save(out, "JPEG", quality=80)
    return out.getvalue()


def gallery_of(partnership: Partnership, admin: User, people: int) -> Gallery:
    """A circulated gallery of `people` profiles, each with its own main photo, a third with a
    warning. Photos past the first are stored straight as thumbnails (as the worker leaves
    them), which is all the briefing reads."""
    gallery = GalleryFactory(partnership=partnership)
    profiles = ProfileFactory.create_batch(people, partnership=partnership)
    photo = image_on(profiles[0], admin)
    folder = photo.thumbnail.rsplit("/", 1)[0]
    OffenderImage.objects.bulk_create(
        [
            OffenderImage(
                profile=profile,
                token=f"{photo.token[:30]}{index:013d}",
                original=photo.original,
                thumbnail=write_encrypted(
                    f"{folder}/briefing-{index}.thumb.bin", noise_jpeg(index)
                ),
                sha256=photo.sha256,
                width=photo.width,
                height=photo.height,
                processed_at=photo.processed_at,
                is_primary=True,
            )
            for index, profile in enumerate(profiles[1:])
        ]
    )
    expires_on = timezone.localdate() + timedelta(days=90)
    GalleryPlacement.objects.bulk_create(
        [
            GalleryPlacement(gallery=gallery, profile=profile, expires_on=expires_on)
            for profile in profiles
        ]
    )
    for profile in profiles[::3]:
        offender_services.exclusion_issue(
            profile=profile, kind="warning", reason="Theft", actor=Actor(user=admin)
        )
    return gallery


def briefing_queries(admin: User, gallery: Gallery) -> int:
    client = client_for(admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(briefing_url(gallery))
    assert response.status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_gallery(
    partnership_a: Partnership, admin_a: User
) -> None:
    few = briefing_queries(admin_a, gallery_of(partnership_a, admin_a, 5))
    many = briefing_queries(admin_a, gallery_of(partnership_a, admin_a, 30))
    assert few == many


def test_two_hundred_people_are_printed_while_the_administrator_waits(
    partnership_a: Partnership, admin_a: User
) -> None:
    """Built in the request, not on the worker: 200 people, eight boxes to a page."""
    gallery = gallery_of(partnership_a, admin_a, 200)
    client = client_for(admin_a)
    started = time.perf_counter()
    response = client.get(briefing_url(gallery))
    took = time.perf_counter() - started
    assert response.status_code == 200
    pages = len(PdfReader(io.BytesIO(response.content)).pages)
    print(
        f"gallery briefing: 200 people, {pages} pages, {len(response.content)} bytes, {took:.2f}s"
    )
    assert pages == 25


def test_the_briefing_reads_rows_in_proportion_to_its_people_whatever_the_planner_believes(
    partnership_a: Partnership, admin_a: User
) -> None:
    """Autovacuum had analysed the tables while a test's rows were rolled back, the planner took
    them for empty, and the briefing of 200 people ran past five minutes: a semi-join per
    placement read 69.7 million rows for 100 people. Under that belief it now reads at most
    about one pass over the gallery per person (40,900 rows for 200)."""
    people = 200
    gallery = gallery_of(partnership_a, admin_a, people)
    today = timezone.localdate()
    placements = selectors.placements_briefed(
        partnership=partnership_a, gallery=gallery, today=today
    )
    believe_tables_empty(GalleryPlacement, Gallery, OffenderProfile)
    touched = rows_touched(placements)
    assert len(list(placements)) == people
    assert touched < 2 * people**2, touched


def test_the_first_page_renders_with_photos(briefed: Briefed, admin_a: User) -> None:
    response = client_for(admin_a).get(briefing_url(briefed.gallery))
    document = pypdfium2.PdfDocument(response.content)
    image = document[0].render(scale=2).to_pil().convert("RGB")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.save(SCREENSHOTS / "gallery-briefing-page1.png")
    colours = image.getcolors(maxcolors=1_000_000) or []
    # Photos print in colour; the rest of the page is black text on white.
    coloured = sum(count for count, (r, g, b) in colours if max(r, g, b) - min(r, g, b) > 60)
    assert coloured > 2000
    document.close()


def test_the_printable_notice_shows_the_main_photo(
    partnership_a: Partnership, admin_a: User, police_a: User
) -> None:
    profile = ProfileFactory(partnership=partnership_a, first_name="Dean", last_name="Fletcher")
    image_on(profile, admin_a, seed=2)
    primary = image_on(profile, admin_a, seed=7)
    offender_services.image_set_primary(image=primary, actor=Actor(user=admin_a))
    notice = offender_services.exclusion_issue(
        profile=profile, kind="exclusion", reason="Theft", actor=Actor(user=admin_a)
    )
    for user in (admin_a, police_a):
        client = client_for(user)
        page = client.get(f"/p/alpha/notices/{notice.pk}/").content.decode()
        found = re.search(r'<img src="([^"]+)"[^>]*class="notice-photo"', page)
        assert found, page
        assert found.group(1) == f"/p/alpha/photos/{primary.token}/"
        photo = client.get(found.group(1))
        assert photo.status_code == 200
        assert photo["Content-Type"] == "image/jpeg"


def test_a_notice_without_a_photo_prints_without_one(
    partnership_a: Partnership, admin_a: User
) -> None:
    profile = ProfileFactory(partnership=partnership_a, first_name="No", last_name="Picture")
    notice = offender_services.exclusion_issue(
        profile=profile, kind="warning", reason="Theft", actor=Actor(user=admin_a)
    )
    response = client_for(admin_a).get(f"/p/alpha/notices/{notice.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "notice-photo" not in page
    assert "No Picture" in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_notice_photo_fits_a_phone_and_prints(live_server: Any, page: Any) -> None:
    partnership = partnership_make("hotel", "Hotel BCRP")
    admin = person_in(partnership, Role.ADMIN, email="admin.hotel@example.org")
    profile = ProfileFactory(partnership=partnership, first_name="Dean", last_name="Fletcher")
    image_on(profile, admin, seed=6)
    notice = offender_services.exclusion_issue(
        profile=profile, kind="exclusion", reason="Theft", actor=Actor(user=admin)
    )
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", admin.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/p/hotel/notices/{notice.pk}/")
    photo = page.locator("img[data-testid=notice-photo]")
    photo.wait_for(state="visible")
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    box = photo.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "notice-photo-360.png"), full_page=True)

    page.emulate_media(media="print")
    assert photo.is_visible()
    assert not page.get_by_role("button", name="Print").is_visible()
    printed = photo.bounding_box()
    assert printed is not None and 150 < printed["width"] < 200  # 45 mm at 96 px to the inch
    page.screenshot(path=str(SCREENSHOTS / "notice-photo-print.png"), full_page=True)
