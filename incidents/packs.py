"""Police evidence packs: for one incident, or one profile across its incidents, a PDF (cover,
summary, linked profiles, MG11 statement, impact statement, exhibits and their continuity log)
and a ZIP of that PDF, the exhibits exactly as received and a SHA-256 manifest.

Built by the worker (progress and step in the row), stored encrypted, seen and downloaded by the
partnership's administrators and police only, deleted PACK_KEEP_DAYS after completion.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.audit import audit_record
from bcrp.crypto import delete_stored, read_encrypted, write_encrypted
from bcrp.models import AuditEvent, User
from bcrp.pdf import SMALL_SIZE, PdfDocument
from bcrp.queue import enqueue_on_commit
from incidents import selectors, services
from incidents.models import (
    EvidencePack,
    ImpactStatement,
    Incident,
    IncidentOffender,
    IncidentPhoto,
    WitnessStatement,
)
from offenders.models import ExportStatus, OffenderProfile
from offenders.selectors import profiles_visible
from partnerships.models import Membership, Role

PACK_KEEP_DAYS = 7
REQUEUE_AFTER = timedelta(minutes=5)
# A build this long "running" lost its worker (acks_late redelivers it, but the claim is gone).
STALLED_AFTER = timedelta(minutes=30)
PACK_ROLES: frozenset[str] = frozenset({Role.ADMIN, Role.POLICE})
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/heif": ".heic",
}
PDF_NAME = "evidence-pack.pdf"
README = """Evidence pack
=============

evidence-pack.pdf  the pack as printed: cover sheet, each incident's summary, linked profiles,
                   witness statement, business impact statement, exhibit list, each exhibit's
                   photo and its continuity log.
exhibits/          each exhibit exactly as it was received from the member's phone or camera.
manifest.json      for each exhibit: its reference, file here, file name as received, type,
                   size and SHA-256; and the SHA-256 of the PDF.
manifest.sha256    the same hashes for `sha256sum -c manifest.sha256`, run in this folder.
"""


class PackIntegrityError(Exception):
    """A stored original no longer has the SHA-256 recorded when it was received."""


@dataclass
class Exhibit:
    reference: str
    photo: IncidentPhoto
    incident: Incident
    zip_name: str = ""


@dataclass
class PackContents:
    """What a pack covers, for the requester: incidents in time order, and the profile (if a
    profile pack) when the requester may see it."""

    incidents: list[Incident]
    profile: OffenderProfile | None
    visible_profile_ids: set[int]
    exhibits: dict[int, list[Exhibit]] = field(default_factory=dict)


def pack_request(
    *,
    incident: Incident | None = None,
    profile: OffenderProfile | None = None,
    actor: Actor,
) -> EvidencePack:
    """Queue a pack of one incident or one profile; the worker builds it after commit."""
    if (incident is None) == (profile is None):
        raise ValidationError("A pack is of one incident or of one profile.")
    subject: Incident | OffenderProfile = incident if incident is not None else profile  # type: ignore[assignment]
    if actor.partnership is not None and subject.partnership_id != actor.partnership.pk:
        raise ValidationError("Packs are made of your own partnership's records only.")
    with transaction.atomic():
        pack = EvidencePack.objects.create(
            partnership_id=subject.partnership_id,
            incident=incident,
            profile=profile,
            token=secrets.token_urlsafe(32),
            requested_by=actor.user,
        )
        # The exhibits it is to hold: each exhibit's continuity log lists this export.
        audit_record(
            action="pack.request",
            actor=actor,
            partnership=subject.partnership,
            target=subject,
            detail={"pack_id": pack.pk, "photo_ids": _photo_ids_of(incident, profile)},
        )
        enqueue_on_commit("incidents.tasks.evidence_pack_build", pack.pk)
    return pack


def _photo_ids_of(incident: Incident | None, profile: OffenderProfile | None) -> list[int]:
    photos = IncidentPhoto.objects.all()
    if incident is not None:
        photos = photos.filter(incident=incident)
    else:
        assert profile is not None
        photos = photos.filter(
            incident__offender_links__profile=profile,
            incident__partnership_id=profile.partnership_id,
        )
    return list(photos.order_by("id").values_list("pk", flat=True))


def pack_build(pack_id: int) -> bool:
    """Build one pack (the worker's task body). Safe to run twice: only one run claims it."""
    claimed = EvidencePack.objects.filter(pk=pack_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING,
        started_at=timezone.now(),
        progress=1,
        step="Starting",
        error="",
    )
    if not claimed:
        return False
    pack = EvidencePack.objects.select_related(
        "partnership", "incident", "profile", "requested_by"
    ).get(pk=pack_id)

    def progress(percent: int, step: str) -> None:
        EvidencePack.objects.filter(pk=pack_id).update(progress=percent, step=step[:120])

    try:
        pdf, archive = _pack_files(pack, progress)
        progress(97, "Encrypting and storing the files")
        folder = f"evidence-packs/{pack.partnership_id}/{pack.token}"
        pdf_name = write_encrypted(f"{folder}.pdf.bin", pdf)
        zip_name = write_encrypted(f"{folder}.zip.bin", archive)
    except Exception as error:
        EvidencePack.objects.filter(pk=pack_id).update(
            status=ExportStatus.FAILED, error=str(error)[:300], step="Failed"
        )
        raise
    EvidencePack.objects.filter(pk=pack_id).update(
        status=ExportStatus.READY,
        progress=100,
        step="Ready",
        pdf_file=pdf_name,
        zip_file=zip_name,
        pdf_size=len(pdf),
        zip_size=len(archive),
        completed_at=timezone.now(),
    )
    return True


def _requester_membership(pack: EvidencePack) -> Membership:
    """The requester's role here now: the pack shows what they may see when it is built."""
    gone = ValidationError(
        "The person who asked for this pack no longer holds a role here that may see it."
    )
    if pack.requested_by_id is None:
        raise gone
    membership = (
        Membership.objects.select_related("partnership")
        .filter(user_id=pack.requested_by_id, partnership_id=pack.partnership_id, ended_at=None)
        .first()
    )
    if membership is None or membership.role not in PACK_ROLES:
        raise gone
    return membership


def pack_contents(pack: EvidencePack, membership: Membership) -> PackContents:
    """The incidents a pack covers and the profiles it may name, as the requester sees them:
    this partnership's incidents only, oldest first."""
    incidents = Incident.objects.filter(partnership_id=pack.partnership_id)
    if pack.incident_id is not None:
        incidents = incidents.filter(pk=pack.incident_id)
    else:
        incidents = incidents.filter(offender_links__profile_id=pack.profile_id)
    chosen = list(
        incidents.select_related("premises__business", "reported_by", "impact_statement__maker")
        .prefetch_related("photos", "offender_links__profile", "statements")
        .order_by("occurred_at", "id")
        .distinct()
    )
    linked = {link.profile_id for incident in chosen for link in incident.offender_links.all()}
    if pack.profile_id is not None:
        linked.add(pack.profile_id)
    visible = set(
        profiles_visible(membership=membership).filter(pk__in=linked).values_list("pk", flat=True)
    )
    profile = pack.profile if pack.profile_id in visible else None
    return PackContents(
        incidents=chosen,
        profile=profile,
        visible_profile_ids=visible,
        exhibits={incident.pk: _exhibits_of(incident) for incident in chosen},
    )


def _latest_statement(incident: Incident) -> WitnessStatement | None:
    """The latest version of the incident's statement (prefetched `statements`)."""
    return max(incident.statements.all(), key=lambda s: s.version, default=None)


def _latest_signed(incident: Incident) -> WitnessStatement | None:
    """The latest signed version: the one a pack prints as evidence."""
    signed = [s for s in incident.statements.all() if s.is_signed]
    return max(signed, key=lambda s: s.version, default=None)


def _exhibits_of(incident: Incident) -> list[Exhibit]:
    """Exhibit references (`JS/1`...) in photo order: the statement's initials, else the
    reporter's, else EX."""
    current = _latest_statement(incident)
    reporter = incident.reported_by.full_name if incident.reported_by else ""
    prefix = (
        (current.exhibit_prefix if current else "") or services.statement_initials(reporter) or "EX"
    )
    return [
        Exhibit(reference, photo, incident)
        for reference, photo in selectors.exhibits_of(incident=incident, prefix=prefix)
    ]


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%-d %b %Y %H:%M:%S") if value else ""


def _money(value: Decimal) -> str:
    return f"£{value:,.2f}"


def _size(size: int) -> str:
    return f"{size:,} bytes"


def _who(user: User | None) -> str:
    return str(user) if user is not None else "the platform"


def _pack_files(pack: EvidencePack, progress: Callable[[int, str], None]) -> tuple[bytes, bytes]:
    membership = _requester_membership(pack)
    progress(2, "Reading the incidents")
    contents = pack_contents(pack, membership)
    if not contents.incidents:
        raise ValidationError("There are no incidents of this partnership to put in the pack.")
    log = ContinuityLog.of(pack, contents)
    pdf = _pdf_start(pack, contents)
    total = sum(len(exhibits) for exhibits in contents.exhibits.values()) or 1
    done = 0
    several = len(contents.incidents) > 1
    manifest: list[dict[str, Any]] = []
    with tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024) as spool:
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as archive:
            for number, incident in enumerate(contents.incidents, 1):
                label = f"Incident {number} of {len(contents.incidents)}"
                progress(3 + 85 * done // total, f"{label}: summary and statements")
                _pdf_incident(pdf, incident, label, contents)
                exhibits = contents.exhibits[incident.pk]
                for exhibit in exhibits:
                    progress(3 + 85 * done // total, f"{label}: exhibit {exhibit.reference}")
                    received = _received_checked(exhibit)
                    if received is not None:
                        folder = f"exhibits/incident-{incident.pk}/" if several else "exhibits/"
                        extension = EXTENSIONS.get(exhibit.photo.received_type, ".bin")
                        exhibit.zip_name = (
                            f"{folder}{exhibit.reference.replace('/', '-')}{extension}"
                        )
                        archive.writestr(exhibit.zip_name, received)
                        manifest.append(_manifest_entry(exhibit))
                    done += 1
                _pdf_exhibits(pdf, exhibits, log)
            progress(90, "Writing the PDF")
            pdf_bytes = pdf.to_bytes()
            pdf_hash = hashlib.sha256(pdf_bytes).hexdigest()
            progress(94, "Writing the manifest")
            archive.writestr(PDF_NAME, pdf_bytes)
            document = {
                "pack": pack.token,
                "partnership": pack.partnership.name,
                "built": timezone.localtime().isoformat(timespec="seconds"),
                "pdf": {"file": PDF_NAME, "size": len(pdf_bytes), "sha256": pdf_hash},
                "exhibits": manifest,
            }
            archive.writestr("manifest.json", json.dumps(document, indent=2, ensure_ascii=False))
            lines = [f"{pdf_hash}  {PDF_NAME}"] + [f"{e['sha256']}  {e['file']}" for e in manifest]
            archive.writestr("manifest.sha256", "\n".join(lines) + "\n")
            archive.writestr("README.txt", README)
        spool.seek(0)
        return pdf_bytes, spool.read()


def _received_checked(exhibit: Exhibit) -> bytes | None:
    """The exhibit's bytes as received, after checking them against the hash taken then."""
    photo = exhibit.photo
    if not photo.received:
        return None
    data = read_encrypted(photo.received)
    if hashlib.sha256(data).hexdigest() != photo.sha256:
        raise PackIntegrityError(
            f"Exhibit {exhibit.reference} (incident {exhibit.incident.pk}): the stored original "
            "does not match the SHA-256 recorded when it was received. Nothing was packed."
        )
    return data


def _manifest_entry(exhibit: Exhibit) -> dict[str, Any]:
    photo = exhibit.photo
    return {
        "reference": exhibit.reference,
        "incident": exhibit.incident.pk,
        "crime_reference": exhibit.incident.police_reference,
        "file": exhibit.zip_name,
        "received_name": photo.received_name,
        "type": photo.received_type,
        "size": photo.received_size,
        "sha256": photo.sha256,
    }


@dataclass
class ContinuityLine:
    when: datetime
    what: str
    who: str


@dataclass
class ContinuityLog:
    """Who uploaded, viewed and exported each exhibit and when, from this partnership's audit
    trail, read in a fixed number of queries for the whole pack."""

    lines: dict[int, list[ContinuityLine]]

    def of_photo(self, photo: IncidentPhoto) -> list[ContinuityLine]:
        return sorted(self.lines.get(photo.pk, []), key=lambda line: line.when)

    @classmethod
    def of(cls, pack: EvidencePack, contents: PackContents) -> ContinuityLog:
        photos = [e.photo for exhibits in contents.exhibits.values() for e in exhibits]
        by_incident: dict[str, list[int]] = defaultdict(list)
        for photo in photos:
            by_incident[str(photo.incident_id)].append(photo.pk)
        lines: dict[int, list[ContinuityLine]] = defaultdict(list)
        if not photos:
            return cls(lines)
        events = AuditEvent.objects.filter(
            partnership_id=pack.partnership_id,
            object_type=Incident._meta.label_lower,
            object_id__in=list(by_incident),
            action__in=["incident.submit", "incident.view", "incident.photo_view"],
        ).select_related("actor")
        submitted: set[str] = set()
        for event in events:
            who = _who(event.actor)
            if event.action == "incident.submit":
                submitted.add(event.object_id)
                for pk in by_incident[event.object_id]:
                    lines[pk].append(
                        ContinuityLine(event.created_at, "Uploaded with the report", who)
                    )
            elif event.action == "incident.photo_view":
                pk = event.detail.get("photo_id")
                if isinstance(pk, int):
                    lines[pk].append(ContinuityLine(event.created_at, "Viewed full size", who))
            else:
                for pk in event.detail.get("photo_ids") or []:
                    if isinstance(pk, int):
                        what = "Seen as a thumbnail on the incident's page"
                        lines[pk].append(ContinuityLine(event.created_at, what, who))
        for photo in photos:
            if str(photo.incident_id) not in submitted:
                reporter = photo.incident.reported_by
                lines[photo.pk].append(
                    ContinuityLine(photo.created_at, "Uploaded with the report", _who(reporter))
                )
        cls._exports(pack, [photo.pk for photo in photos], lines)
        return cls(lines)

    @staticmethod
    def _exports(
        pack: EvidencePack, photo_ids: list[int], lines: dict[int, list[ContinuityLine]]
    ) -> None:
        wanted = set(photo_ids)
        requests = list(
            AuditEvent.objects.filter(partnership_id=pack.partnership_id, action="pack.request")
            .filter(reduce(or_, (Q(detail__photo_ids__contains=[pk]) for pk in photo_ids)))
            .select_related("actor")
        )
        photos_of_pack: dict[int, set[int]] = {}
        for event in requests:
            pack_id = event.detail.get("pack_id")
            held = wanted.intersection(event.detail.get("photo_ids") or [])
            if not isinstance(pack_id, int):
                continue
            photos_of_pack[pack_id] = held
            this = " (this pack)" if pack_id == pack.pk else ""
            for pk in held:
                what = f"Put in evidence pack {pack_id}{this}"
                lines[pk].append(ContinuityLine(event.created_at, what, _who(event.actor)))
        downloads = AuditEvent.objects.filter(
            partnership_id=pack.partnership_id,
            action="pack.download",
            detail__pack_id__in=list(photos_of_pack),
        ).select_related("actor")
        for event in downloads:
            pack_id = event.detail["pack_id"]
            kind = str(event.detail.get("file", "")).upper()
            for pk in photos_of_pack.get(pack_id, set()):
                what = f"Evidence pack {pack_id} downloaded ({kind})"
                lines[pk].append(ContinuityLine(event.created_at, what, _who(event.actor)))


# The PDF


def _pdf_start(pack: EvidencePack, contents: PackContents) -> PdfDocument:
    partnership = pack.partnership.name
    pdf = PdfDocument(
        title="Evidence pack",
        partnership=partnership,
        confidential=(
            f"Confidential: {partnership} evidence, for the police and the partnership's "
            "administrators only."
        ),
    )
    pdf.add_page()
    references = [i.police_reference for i in contents.incidents if i.police_reference]
    if pack.profile_id is not None:
        shown = contents.profile
        covers = (
            f"Profile {shown.reference} ({shown.display_name}) and its "
            f"{len(contents.incidents)} incident(s) in this partnership"
            if shown is not None
            else f"A profile and its {len(contents.incidents)} incident(s)"
        )
    else:
        covers = f"One incident: {contents.incidents[0]}"
    exhibits = sum(len(e) for e in contents.exhibits.values())
    pdf.title_block("Evidence pack", f"Crime reference(s): {', '.join(references) or 'none given'}")
    pdf.fields_flowing(
        [
            ("Crime reference(s)", ", ".join(references) or "None recorded"),
            ("Partnership", partnership),
            ("Requested by", _who(pack.requested_by)),
            ("Requested", _when(pack.created_at)),
            ("Prepared", _when(timezone.now())),
            ("Covers", covers),
            ("Exhibits", f"{exhibits}, each with its SHA-256 and continuity log"),
        ]
    )
    pdf.paragraph(
        "The exhibits are in the ZIP file beside this PDF exactly as they were received from "
        "the member's phone or camera; manifest.sha256 there lets anyone check them with "
        "`sha256sum -c manifest.sha256`. The photos printed here are the re-encoded copies "
        "shown on the platform."
    )
    if contents.profile is not None:
        pdf.heading(f"Profile {contents.profile.reference}")
        pdf.fields_flowing(_profile_fields(contents.profile))
    return pdf


def _profile_fields(profile: OffenderProfile) -> list[tuple[str, object]]:
    age = f"{profile.age_min} to {profile.age_max}" if profile.age_min else ""
    return [
        ("Reference", profile.reference),
        ("Name", profile.display_name),
        ("Aliases", ", ".join(profile.aliases)),
        (
            "Date of birth",
            profile.date_of_birth.strftime("%-d %b %Y") if profile.date_of_birth else "",
        ),
        ("Apparent age", age),
        ("Gender", profile.get_gender_display()),
        ("Build", profile.get_build_display()),
        ("Height", f"{profile.height_cm} cm" if profile.height_cm else ""),
        ("Hair", profile.hair),
        ("Distinguishing features", profile.distinguishing_features),
        ("Warning markers", ", ".join(profile.warning_marker_labels)),
        ("Status", profile.get_status_display()),
    ]


def _pdf_incident(pdf: PdfDocument, incident: Incident, label: str, contents: PackContents) -> None:
    pdf.add_page()
    pdf.title_block(
        f"{label}: {incident}", f"Crime reference: {incident.police_reference or 'none given'}"
    )
    premises = incident.premises
    pdf.fields_flowing(
        [
            ("Crime reference", incident.police_reference),
            ("When", _when(incident.occurred_at)),
            (
                "Where",
                f"{premises.business.name}, {premises.name} ({premises.postcode})"
                if premises
                else "",
            ),
            ("What", incident.get_category_display()),
            ("Description", incident.description),
            ("Value lost", _money(incident.value_lost)),
            ("Value recovered", _money(incident.value_recovered)),
            ("Police attended", "Yes" if incident.police_attended else "No"),
            ("Reported by", f"{_who(incident.reported_by)}, {_when(incident.created_at)}"),
            ("Status", incident.get_status_display()),
        ]
    )
    pdf.heading("CCTV")
    offset = incident.cctv_clock_offset
    pdf.fields_flowing(
        [
            ("Camera or location", incident.cctv_camera),
            ("Recording starts", _when(incident.cctv_start)),
            ("Recording ends", _when(incident.cctv_end)),
            (
                "Camera clock offset",
                f"{offset:+d} seconds (ahead of real time if positive)"
                if offset is not None
                else "",
            ),
            ("Footage retrieved by", incident.cctv_retrieved_by),
            ("Footage kept", ("Yes, " + incident.cctv_kept_where) if incident.cctv_kept else "No"),
        ]
    )
    _pdf_profiles(pdf, incident.offender_links.all(), contents)
    _pdf_statement(pdf, incident)
    _pdf_impact(pdf, incident)


def _pdf_profiles(
    pdf: PdfDocument, links: Iterable[IncidentOffender], contents: PackContents
) -> None:
    pdf.heading("People linked to the incident")
    rows: list[tuple[str, object]] = []
    for link in links:
        role, _, how = str(link.get_role_display()).partition(" (")
        how = f" ({how}" if how else ""
        if link.profile_id in contents.visible_profile_ids:
            profile = link.profile
            rows.append((role, f"{profile.reference} {profile.display_name}{how}"))
        else:
            rows.append((role, f"A profile you cannot see{how}"))
    if rows:
        pdf.fields_flowing(rows)
    else:
        pdf.paragraph("Nobody is linked to this incident.")


def _pdf_statement(pdf: PdfDocument, incident: Incident) -> None:
    pdf.heading("Witness statement (MG11)")
    signed = _latest_signed(incident)
    current = _latest_statement(incident)
    statement = signed or current
    if statement is None:
        pdf.paragraph("No witness statement has been made.")
        return
    if signed is None:
        pdf.paragraph(
            f"No signed statement. The latest draft (version {statement.version}) follows, "
            "marked DRAFT: it is not evidence until its maker signs it."
        )
    elif current is not None and current.version > signed.version:
        pdf.paragraph(
            f"A later draft (version {current.version}) is not signed and is not included."
        )
    pdf.paragraph(
        "Criminal Procedure Rules, r 16.2; Criminal Justice Act 1967, s 9; "
        "Magistrates' Courts Act 1980, s 5B"
    )
    pdf.fields_flowing(
        [
            ("Statement of", statement.name),
            ("Age", "Over 18" if statement.over_18 else "Under 18"),
            ("Occupation", statement.occupation),
            ("Version", statement.version if signed else f"{statement.version} — DRAFT"),
        ]
    )
    pdf.paragraph(
        selectors.statement_declaration(
            pages=selectors.statement_pages_estimate(statement=statement)
        )
    )
    pdf.fields_flowing(
        [
            ("Signature", statement.signed_name or "DRAFT — not signed"),
            ("Signed", _when(statement.signed_at)),
        ]
    )
    pdf.paragraph(statement.account)
    pdf.fields_flowing(
        [
            ("Signature witnessed by", "Signed by typing their name, on their own account"),
            ("Signed by (account)", _who(statement.signed_by) if statement.signed_by else ""),
            ("Exhibit prefix", statement.exhibit_prefix),
        ]
    )


def _pdf_impact(pdf: PdfDocument, incident: Incident) -> None:
    pdf.heading("Business impact statement")
    try:
        impact: ImpactStatement | None = incident.impact_statement
    except ImpactStatement.DoesNotExist:
        impact = None
    rows: list[tuple[str, object]] = [
        ("Value lost", _money(incident.value_lost)),
        ("Value recovered", _money(incident.value_recovered)),
    ]
    if impact is None:
        pdf.fields_flowing(rows)
        pdf.paragraph("No business impact statement has been made.")
        return
    pdf.fields_flowing(
        [
            *rows,
            ("Effect on staff", impact.effect_on_staff),
            ("Effect on the business", impact.effect_on_business),
            ("Made by", f"{_who(impact.maker)}, last changed {_when(impact.updated_at)}"),
        ]
    )


def _pdf_exhibits(pdf: PdfDocument, exhibits: list[Exhibit], log: ContinuityLog) -> None:
    pdf.heading("Exhibits")
    if not exhibits:
        pdf.paragraph("No exhibits.")
        return
    pdf.small_lines(
        [
            f"{e.reference} · {e.photo.received_name or 'no file name'} · "
            f"{e.photo.received_type or 'type not recorded'} · {_size(e.photo.received_size)}"
            for e in exhibits
        ],
        size=SMALL_SIZE + 1,
    )
    # Each hash on a line of its own, small enough never to wrap, so it can be copied whole.
    pdf.small_lines(
        [f"{e.reference} SHA-256 {e.photo.sha256}" for e in exhibits], size=SMALL_SIZE - 1
    )
    for exhibit in exhibits:
        photo = exhibit.photo
        pdf.heading(f"Exhibit {exhibit.reference}")
        if not photo.received:
            pdf.paragraph(
                "The original as received was not kept for this photo (reported before "
                "originals were kept); only the re-encoded copy below exists."
            )
        pdf.photo(
            read_encrypted(photo.original),
            width=90,
            caption=f"Exhibit {exhibit.reference} · {photo.received_name or 'photo'}",
        )
        pdf.small_lines(
            [
                f"Continuity log of {exhibit.reference}: who uploaded, viewed and exported it",
                *(f"{_when(line.when)} · {line.what} · {line.who}" for line in log.of_photo(photo)),
            ]
        )


def pack_read(pack: EvidencePack, kind: str) -> bytes:
    """The stored PDF (`kind` "pdf") or ZIP of a ready pack."""
    return read_encrypted(pack.pdf_file if kind == "pdf" else pack.zip_file)


def pack_download_record(*, pack: EvidencePack, kind: str, actor: Actor) -> None:
    subject: Incident | OffenderProfile | None = pack.incident or pack.profile
    audit_record(
        action="pack.download",
        actor=actor,
        target=subject,
        detail={"pack_id": pack.pk, "file": kind},
    )


def packs_sweep(now: datetime | None = None) -> tuple[int, list[int]]:
    """Delete packs PACK_KEEP_DAYS after completion (failed ones as long after asking), files
    and all; return (deleted, ids to queue again: lost tasks and stalled builds)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=PACK_KEEP_DAYS)
    with transaction.atomic():
        deleted, _ = EvidencePack.objects.filter(
            Q(completed_at__lt=cutoff) | Q(status=ExportStatus.FAILED, created_at__lt=cutoff)
        ).delete()
        EvidencePack.objects.filter(
            status=ExportStatus.RUNNING, started_at__lt=now - STALLED_AFTER
        ).update(status=ExportStatus.QUEUED, progress=0, step="Waiting to start again")
    lost = list(
        EvidencePack.objects.filter(
            status=ExportStatus.QUEUED, created_at__lt=now - REQUEUE_AFTER
        ).values_list("pk", flat=True)
    )
    return deleted, lost


@receiver(post_delete, sender=EvidencePack, dispatch_uid="evidence_pack_files_delete")
def pack_files_delete(sender: type[EvidencePack], instance: EvidencePack, **kwargs: Any) -> None:
    """However a pack goes (the sweep, its incident deleted, its profile purged by retention,
    its partnership closed), its files go once the deletion commits."""
    names = [name for name in (instance.pdf_file, instance.zip_file) if name]

    def delete_files() -> None:
        for name in names:
            delete_stored(name)

    if names:
        transaction.on_commit(delete_files)


@receiver(pre_delete, sender=Incident, dispatch_uid="evidence_packs_of_incident_delete")
def packs_holding_incident_delete(
    sender: type[Incident], instance: Incident, **kwargs: Any
) -> None:
    """A profile's pack holds its incidents' exhibits: deleting an incident takes those packs
    too (the incident's own packs go by the cascade)."""
    EvidencePack.objects.filter(profile__incident_links__incident=instance).delete()
