"""Writes for incidents: submit (one transaction, photos included), review, link, and make an
ID-sought profile from a photo."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.audit import audit_record
from bcrp.crypto import read_encrypted, write_encrypted
from bcrp.queue import enqueue_on_commit
from incidents.models import (
    MAX_PHOTOS_PER_INCIDENT,
    Incident,
    IncidentOffender,
    IncidentPhoto,
    IncidentStatus,
    OffenderRole,
)
from offenders import services as offender_services
from offenders.models import OffenderProfile, ProfileStatus
from partnerships.models import Membership, Premises, Role
from photos.images import PreparedImage, image_prepare

INCIDENT_FIELDS = (
    "occurred_at",
    "category",
    "description",
    "value_lost",
    "value_recovered",
    "police_reference",
    "police_attended",
)

# Police liaison is read-only: officers see reports, members and administrators file them.
REPORTING_ROLES: frozenset[str] = frozenset({Role.ADMIN, Role.MEMBER})


class IncidentAlreadySubmitted(Exception):
    """The reporter already sent this report (same submission key); nothing new was stored."""

    def __init__(self, incident: Incident) -> None:
        super().__init__(f"Incident {incident.pk} was already submitted with this key.")
        self.incident = incident


def _submitted_earlier(membership: Membership, key: uuid.UUID | None) -> Incident | None:
    if key is None:
        return None
    return Incident.objects.filter(reported_by_id=membership.user_id, submission_key=key).first()


def photos_prepare(uploads: list[UploadedFile]) -> list[PreparedImage]:
    """Check every photo first, so a refused one means nothing at all is saved."""
    if len(uploads) > MAX_PHOTOS_PER_INCIDENT:
        raise ValidationError(f"Attach at most {MAX_PHOTOS_PER_INCIDENT} photos.")
    problems, prepared = [], []
    for upload in uploads:
        try:
            prepared.append(image_prepare(upload))
        except ValidationError as error:
            problems.extend(error.messages)
    if problems:
        raise ValidationError(problems)
    return prepared


def incident_submit(
    *,
    membership: Membership,
    fields: dict[str, Any],
    premises: Premises | None,
    photos: list[UploadedFile],
    offender: OffenderProfile | None = None,
    submission_key: uuid.UUID | None = None,
    actor: Actor,
) -> Incident:
    """Save the report and its photos in one transaction; thumbnails follow in the background.

    The broker is touched only after commit, and a failure there is swallowed (bcrp.queue), so
    the member's report is saved and acknowledged even when Redis or the workers are down.
    A report sent again with the same submission_key raises IncidentAlreadySubmitted with the
    first one, also when both arrive at once (the unique constraint decides).
    """
    if membership.role not in REPORTING_ROLES:
        raise PermissionDenied(
            "Police liaison officers read incident reports; they do not file them."
        )
    partnership = membership.partnership
    if premises is not None and premises.business.partnership_id != partnership.pk:
        raise ValidationError({"premises": "Those premises are not in this partnership."})
    if offender is not None and offender.partnership_id != partnership.pk:
        raise ValidationError({"offender": "Choose someone from your partnership's gallery."})
    earlier = _submitted_earlier(membership, submission_key)
    if earlier is not None:
        raise IncidentAlreadySubmitted(earlier)
    prepared = photos_prepare(photos)
    written: list[str] = []
    try:
        with transaction.atomic():
            incident = Incident(
                partnership=partnership,
                reported_by_id=membership.user_id,
                business=premises.business if premises else membership.business,
                premises=premises,
                submission_key=submission_key,
                **{name: fields[name] for name in INCIDENT_FIELDS if name in fields},
            )
            # The key's uniqueness is left to the INSERT, which waits for a concurrent send.
            incident.full_clean(exclude=["submission_key"])
            incident.save()
            for photo in prepared:
                token = secrets.token_urlsafe(32)
                name = write_encrypted(
                    f"incident-photos/{partnership.pk}/{token}.original.bin", photo.jpeg
                )
                written.append(name)
                # The exhibit as the member's phone or camera produced it, for the police.
                received = write_encrypted(
                    f"incident-photos/{partnership.pk}/{token}.received.bin", photo.received
                )
                written.append(received)
                stored = IncidentPhoto.objects.create(
                    incident=incident,
                    token=token,
                    original=name,
                    received=received,
                    received_type=photo.received_type,
                    received_name=photo.received_name,
                    received_size=len(photo.received),
                    **photo.row_fields(),
                )
                enqueue_on_commit("incidents.tasks.incident_photo_process", stored.pk)
            if offender is not None:
                IncidentOffender.objects.create(
                    incident=incident, profile=offender, role=OffenderRole.SUSPECT
                )
            audit_record(
                action="incident.submit",
                actor=actor,
                partnership=partnership,
                target=incident,
                detail={"photos": len(prepared)},
            )
    except Exception as error:
        for name in written:
            default_storage.delete(name)
        if isinstance(error, IntegrityError):
            earlier = _submitted_earlier(membership, submission_key)
            if earlier is not None:
                raise IncidentAlreadySubmitted(earlier) from error
        raise
    return incident


@transaction.atomic
def incident_review(
    *, incident: Incident, accept: bool, reason: str = "", actor: Actor
) -> Incident:
    if not accept and not reason.strip():
        raise ValidationError({"reason": "Say why the report is rejected: the member sees it."})
    incident.status = IncidentStatus.ACCEPTED if accept else IncidentStatus.REJECTED
    incident.rejection_reason = "" if accept else reason.strip()
    incident.reviewed_by = actor.user
    incident.reviewed_at = timezone.now()
    incident.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    audit_record(
        action="incident.accept" if accept else "incident.reject",
        actor=actor,
        partnership=incident.partnership,
        target=incident,
    )
    return incident


@transaction.atomic
def incident_link(
    *,
    incident: Incident,
    profile: OffenderProfile,
    role: str = OffenderRole.IDENTIFIED,
    actor: Actor,
) -> IncidentOffender:
    if profile.partnership_id != incident.partnership_id:
        raise ValidationError("Link profiles of your own partnership only.")
    link, _created = IncidentOffender.objects.update_or_create(
        incident=incident, profile=profile, defaults={"role": role}
    )
    OffenderProfile.objects.filter(pk=profile.pk).update(last_activity_at=timezone.now())
    audit_record(
        action="incident.link",
        actor=actor,
        partnership=incident.partnership,
        target=incident,
        detail={"profile_id": profile.pk, "role": role},
    )
    return link


@transaction.atomic
def profile_from_photo(*, photo: IncidentPhoto, actor: Actor) -> OffenderProfile:
    """An ID-sought profile whose first photo is this CCTV still, linked to the incident."""
    incident = photo.incident
    profile = offender_services.profile_create(
        partnership=incident.partnership,
        fields={
            "status": ProfileStatus.ID_SOUGHT,
            "offence_types": [incident.category] if incident.category != "other" else [],
            "notes": f"From incident reported {incident.occurred_at:%d %b %Y %H:%M}.",
        },
        actor=actor,
    )
    still = SimpleUploadedFile(
        "cctv-still.jpg", read_encrypted(photo.original), content_type="image/jpeg"
    )
    offender_services.image_add(profile=profile, upload=still, actor=actor)
    incident_link(incident=incident, profile=profile, actor=actor)
    return profile
