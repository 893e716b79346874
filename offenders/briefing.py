"""The printed gallery briefing: what members see of one gallery, as a PDF for the staff room
binder, headed as confidential with a date by which to destroy it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.utils.dateformat import format as date_format

from bcrp.crypto import read_encrypted
from bcrp.pdf import PdfDocument
from offenders.models import Gallery, GalleryPlacement, NoticeKind, OffenderProfile, ProfileStatus
from partnerships.models import Partnership
from photos.images import thumbnail_make

BRIEFING_KEEP_DAYS = 28
COLUMNS = 2
GAP = 4.0
CARD_HEIGHT = 52.0
PHOTO_WIDTH = 34.0


def _long(day: date) -> str:
    return date_format(day, "j F Y")


def briefing_destroy_after(*, placements: Sequence[GalleryPlacement], today: date) -> date:
    """The date after which a printed copy must be destroyed: the earliest expiry among the
    placements printed (after it, that person is no longer circulated, so the paper must not
    keep showing them) or BRIEFING_KEEP_DAYS from printing, whichever is sooner, so no copy
    outlives four weeks of exclusions lapsing and people being taken out of circulation."""
    latest = today + timedelta(days=BRIEFING_KEEP_DAYS)
    return min([latest, *(placement.expires_on for placement in placements)])


def briefing_confidential_line(*, partnership: Partnership, destroy_after: date) -> str:
    return (
        f"Confidential: for members of {partnership.name} only; do not display; "
        f"destroy after {_long(destroy_after)}."
    )


def _photo_of(profile: OffenderProfile) -> bytes | None:
    """The main photo as members see it, at thumbnail size (sharp enough at the printed size,
    and it keeps a gallery of hundreds a few megabytes)."""
    images = getattr(profile, "primary_images", [])
    if not images:
        return None
    image = images[0]
    if image.thumbnail:
        return read_encrypted(image.thumbnail)
    if not image.original:
        return None
    return thumbnail_make(read_encrypted(image.original))


def _card_lines(placement: GalleryPlacement) -> list[tuple[str, bool]]:
    profile = placement.profile
    lines: list[tuple[str, bool]] = []
    if profile.aliases:
        lines.append(("aka " + ", ".join(profile.aliases), False))
    if profile.status == ProfileStatus.ID_SOUGHT:
        lines.append(("ID sought: do you know this person?", True))
    notice = profile.notice_in_force
    if notice is not None:
        kind = "Excluded" if notice.kind == NoticeKind.EXCLUSION else "Warning"
        lines.append((f"{kind} until {_long(notice.ends_on)}", True))
    if profile.warning_markers:
        lines.append(("Warning: " + ", ".join(profile.warning_marker_labels), True))
    lines.append((f"In this gallery until {_long(placement.expires_on)}", False))
    lines.append((f"Reference {profile.reference}", False))
    return lines


def briefing_pdf(
    *,
    partnership: Partnership,
    gallery: Gallery,
    placements: Sequence[GalleryPlacement],
    today: date,
) -> bytes:
    """The briefing: one box per person, two to a row, photo beside the text."""
    destroy_after = briefing_destroy_after(placements=placements, today=today)
    document = PdfDocument(
        title=f"{gallery.name}: gallery briefing",
        partnership=partnership.name,
        confidential=briefing_confidential_line(
            partnership=partnership, destroy_after=destroy_after
        ),
    )
    document.add_page()
    people = len(placements)
    document.title_block(
        f"{gallery.name}: gallery briefing",
        f"Printed {_long(today)} · {people} {'person' if people == 1 else 'people'}",
    )
    if not placements:
        document.paragraph("Nobody is circulated to members in this gallery at the moment.")
    width = (document.epw - GAP * (COLUMNS - 1)) / COLUMNS
    bottom = document.h - document.b_margin
    y = document.get_y()
    for index, placement in enumerate(placements):
        column = index % COLUMNS
        if column == 0 and index:
            y += CARD_HEIGHT + GAP
        if column == 0 and y + CARD_HEIGHT > bottom:
            document.add_page()
            y = document.get_y()
        document.card(
            x=document.l_margin + column * (width + GAP),
            y=y,
            width=width,
            height=CARD_HEIGHT,
            jpeg=_photo_of(placement.profile),
            photo_width=PHOTO_WIDTH,
            title=placement.profile.display_name,
            lines=_card_lines(placement),
        )
    return document.to_bytes()
