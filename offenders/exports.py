"""Subject access exports: everything a partnership holds on one person, as one ZIP.

The owning partnership is the controller, so only its administrators ask for, see and download
an export. The worker builds it (progress in the row) and stores it encrypted; a sweep every 15
minutes deletes exports after EXPORT_KEEP_DAYS and re-queues any whose task was lost.
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.audit import audit_record
from bcrp.crypto import delete_stored, read_encrypted, write_encrypted
from bcrp.models import AuditEvent
from bcrp.queue import enqueue_on_commit
from offenders.models import (
    ExportStatus,
    OffenderProfile,
    SubjectAccessExport,
    SubjectRequest,
)

EXPORT_KEEP_DAYS = 7
REQUEUE_AFTER = timedelta(minutes=5)

README = """Subject access export
=====================

Person: {reference}
Held by: {partnership}
Prepared: {prepared} (request reference: {request_reference})

profile.json  what the partnership records about the person: names, description, offence types
              and warning markers, notes, status, galleries they are shown in, warning and
              exclusion notices, incidents they are linked to, the appeals and access
              requests made from a notice's page and what became of them, and when the
              record was created, changed and viewed (the dates of each action on it).
photos/       every photo held on the profile, as stored (metadata was removed on upload).

Staff names and other people's details are left out: they are not the person's data.
"""


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return value


def export_request(
    *, profile: OffenderProfile, request_reference: str, actor: Actor
) -> SubjectAccessExport:
    """Queue an export; the worker builds it after this transaction commits."""
    with transaction.atomic():
        export = SubjectAccessExport.objects.create(
            partnership=profile.partnership,
            profile=profile,
            token=secrets.token_urlsafe(32),
            request_reference=request_reference.strip()[:80],
            requested_by=actor.user,
        )
        audit_record(
            action="profile.export_request",
            actor=actor,
            partnership=profile.partnership,
            target=profile,
            detail={"export_id": export.pk},
        )
        enqueue_on_commit("offenders.tasks.subject_export_build", export.pk)
    return export


def profile_document(profile: OffenderProfile) -> dict[str, Any]:
    """What profile.json holds: the person's data, not staff identities."""
    fields = {
        "reference": profile.reference,
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "aliases": profile.aliases,
        "date_of_birth": profile.date_of_birth,
        "apparent_age": [profile.age_min, profile.age_max] if profile.age_min else None,
        "gender": profile.get_gender_display(),
        "perceived_ethnicity": profile.get_perceived_ethnicity_display(),
        "build": profile.get_build_display(),
        "height_cm": profile.height_cm,
        "hair": profile.hair,
        "distinguishing_features": profile.distinguishing_features,
        "offence_types": profile.offence_type_labels,
        "warning_markers": profile.warning_marker_labels,
        "notes": profile.notes,
        "status": profile.get_status_display(),
        "local_only": profile.local_only,
        "created": profile.created_at,
        "last_changed": profile.updated_at,
        "archived": profile.archived_at,
    }
    galleries = [
        {"gallery": p.gallery.name, "until": p.expires_on}
        for p in profile.placements.select_related("gallery").order_by("expires_on")
    ]
    notices = [
        {
            "kind": n.get_kind_display(),
            "from": n.starts_on,
            "until": n.ends_on,
            "status": n.get_status_display(),
            "reason": n.reason,
            "premises": "all premises"
            if n.all_premises
            else [str(p) for p in n.premises.all().order_by("name")],
            "served_on": n.served_on,
            "appeal_lodged": n.appeal_lodged_on,
            "appeal_outcome": n.get_appeal_outcome_display() if n.appeal_outcome else "",
        }
        for n in profile.notices.order_by("starts_on", "id").prefetch_related("premises")
    ]
    incidents = [
        {
            "when": link.incident.occurred_at,
            "what": link.incident.get_category_display(),
            "where": str(link.incident.premises) if link.incident.premises else "",
            "description": link.incident.description,
            "role": link.get_role_display(),
            "police_reference": link.incident.police_reference,
        }
        for link in profile.incident_links.select_related("incident__premises").order_by(
            "incident__occurred_at"
        )
    ]
    requests = [
        {
            "kind": r.get_kind_display(),
            "received": r.received_at,
            "name_given": r.name,
            "email": r.email,
            "phone": r.phone,
            "postal_address": r.postal_address,
            "details": r.details,
            "identity_offered": r.identity_note,
            "answer_due": r.due_on,
            "status": r.get_status_display(),
            "outcome": r.outcome,
            "decided": r.decided_at,
        }
        # What the person sent, through any of this profile's notices; not who answered it.
        for r in SubjectRequest.objects.filter(notice__profile=profile).order_by(
            "received_at", "id"
        )
    ]
    history = [
        {"when": when, "what": action}
        # The owning partnership answers for its own processing; peers are controllers of theirs.
        for when, action in AuditEvent.objects.filter(
            object_type=OffenderProfile._meta.label_lower,
            object_id=str(profile.pk),
            partnership_id=profile.partnership_id,
        )
        .order_by("created_at", "id")
        .values_list("created_at", "action")
    ]
    document = {
        **fields,
        "galleries": galleries,
        "notices": notices,
        "incidents": incidents,
        "requests": requests,
        "history": history,
    }
    return json.loads(json.dumps(document, default=_text))


def export_build(export_id: int) -> bool:
    """Build one export (the worker's task body). Safe to run twice: only one run claims it."""
    claimed = SubjectAccessExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=timezone.now(), progress=1
    )
    if not claimed:
        return False
    export = SubjectAccessExport.objects.select_related("profile__partnership").get(pk=export_id)

    def progress(percent: int) -> None:
        SubjectAccessExport.objects.filter(pk=export_id).update(progress=percent)

    try:
        data = _zip(export, progress)
    except Exception as error:
        SubjectAccessExport.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED, error=str(error)[:300]
        )
        raise
    name = write_encrypted(f"exports/{export.partnership_id}/{export.token}.zip.bin", data)
    SubjectAccessExport.objects.filter(pk=export_id).update(
        status=ExportStatus.READY,
        progress=100,
        file=name,
        size=len(data),
        completed_at=timezone.now(),
    )
    return True


def _zip(export: SubjectAccessExport, progress: Callable[[int], None]) -> bytes:
    profile = export.profile
    document = profile_document(profile)
    progress(10)
    images = list(profile.images.order_by("position", "id"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            README.format(
                reference=profile.reference,
                partnership=profile.partnership.name,
                prepared=timezone.localtime().strftime("%-d %B %Y %H:%M"),
                request_reference=export.request_reference or "none given",
            ),
        )
        archive.writestr("profile.json", json.dumps(document, indent=2, ensure_ascii=False))
        for number, image in enumerate(images, start=1):
            archive.writestr(f"photos/photo-{number}.jpg", read_encrypted(image.original))
            progress(10 + 85 * number // len(images))
    return buffer.getvalue()


def export_read(export: SubjectAccessExport) -> bytes:
    return read_encrypted(export.file)


def exports_sweep(now: datetime | None = None) -> tuple[int, list[int]]:
    """Delete exports older than EXPORT_KEEP_DAYS; return (deleted, ids to queue again)."""
    now = now or timezone.now()
    expired = list(
        SubjectAccessExport.objects.filter(
            created_at__lt=now - timedelta(days=EXPORT_KEEP_DAYS)
        ).values_list("pk", "file")
    )
    with transaction.atomic():
        SubjectAccessExport.objects.filter(pk__in=[pk for pk, _ in expired]).delete()
    for _pk, name in expired:
        if name:
            delete_stored(name)
    lost = list(
        SubjectAccessExport.objects.filter(
            status=ExportStatus.QUEUED, created_at__lt=now - REQUEUE_AFTER
        ).values_list("pk", flat=True)
    )
    return len(expired), lost
