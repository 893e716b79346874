"""Writes for incidents: submit (one transaction, photos included), review, link, make an
ID-sought profile from a photo, and the reporter's witness and impact statements."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.audit import audit_record
from bcrp.crypto import delete_stored, read_encrypted, write_encrypted
from bcrp.queue import enqueue_on_commit
from incidents.models import (
    MAX_PHOTOS_PER_INCIDENT,
    ImpactStatement,
    Incident,
    IncidentOffender,
    IncidentPhoto,
    IncidentStatus,
    OffenderRole,
    WitnessStatement,
)
from incidents.selectors import exhibits_of, statement_current
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
    "cctv_camera",
    "cctv_start",
    "cctv_end",
    "cctv_clock_offset",
    "cctv_retrieved_by",
    "cctv_kept",
    "cctv_kept_where",
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
            delete_stored(name)
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


# Witness statements (MG11) and business impact statements

STATEMENT_FIELDS = ("name", "occupation", "over_18", "exhibit_prefix", "account")
IMPACT_FIELDS = ("effect_on_staff", "effect_on_business")
# Left out of initials: "Mrs Jane Smith" numbers her exhibits JS/1, not MJS/1.
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev"})
PREFIX_MAX = WitnessStatement._meta.get_field("exhibit_prefix").max_length or 4


def statement_initials(name: str) -> str:
    """The prefix of the maker's exhibit references: "JS" for Jane Smith."""
    words = [word for word in re.split(r"[\s.]+", name) if word.lower() not in TITLES]
    letters = [next((c for c in word if c.isalpha()), "") for word in words]
    return "".join(letters).upper()[:PREFIX_MAX]


def statement_account_draft(*, incident: Incident, prefix: str) -> str:
    """The account in the first person from what the member reported, for them to correct."""
    when = timezone.localtime(incident.occurred_at)
    place = "at work"
    if incident.premises is not None:
        business = incident.premises.business.name
        place = f"at work at {business}, {incident.premises.name} ({incident.premises.postcode})"
    paragraphs = [
        f"On {when:%A} {when.day} {when:%B %Y} at about {when:%H:%M} I was {place}, where an "
        f"incident of {incident.get_category_display().lower()} took place.",
        incident.description.strip(),
        f"The value of what was lost is £{incident.value_lost}; £{incident.value_recovered} "
        "was recovered.",
    ]
    if incident.police_reference:
        paragraphs.append(f"The police crime reference is {incident.police_reference}.")
    if incident.cctv_camera:
        paragraphs.append(f"The incident was recorded on CCTV ({incident.cctv_camera}).")
    exhibits = exhibits_of(incident=incident, prefix=prefix)
    if exhibits:
        paragraphs.append(
            "I produce the following exhibits:\n"
            + "\n".join(
                f"{reference}: photo {photo.received_name or ''}".rstrip()
                for reference, photo in exhibits
            )
        )
    return "\n\n".join(paragraphs)


def _maker_check(incident: Incident, actor: Actor) -> None:
    user = actor.user
    if user is None or user.pk is None or incident.reported_by_id != user.pk:
        raise PermissionDenied("Only the person who reported the incident makes its statements.")


def _incident_locked(incident: Incident) -> Incident:
    """The incident row locked to the end of the transaction: every write to its statements
    takes this lock first, so two requests at once never number two versions alike."""
    return (
        Incident.objects.select_for_update(of=("self",))
        .select_related("premises__business", "partnership")
        .get(pk=incident.pk)
    )


def _statement_stale(statement: WitnessStatement, version: int) -> None:
    if statement.version != version:
        raise ValidationError(
            f"The statement has changed since this page was opened (it is now version "
            f"{statement.version}): open it again and repeat your change."
        )


def _statement_copy(
    statement: WitnessStatement, incident: Incident, actor: Actor
) -> WitnessStatement:
    now = timezone.now()
    copy = WitnessStatement.objects.create(
        incident=incident,
        version=statement.version + 1,
        maker=actor.user,
        **{name: getattr(statement, name) for name in STATEMENT_FIELDS},
        created_at=now,
        updated_at=now,
    )
    audit_record(
        action="statement.new_version",
        actor=actor,
        partnership=incident.partnership,
        target=copy,
        detail={"incident_id": incident.pk, "version": copy.version},
    )
    return copy


@transaction.atomic
def statement_open(*, incident: Incident, actor: Actor) -> WitnessStatement:
    """The maker's statement: its latest version, or a first draft made from the incident."""
    _maker_check(incident, actor)
    locked = _incident_locked(incident)
    current = statement_current(incident=locked)
    if current is not None:
        return current
    user = actor.user
    name = (user.full_name if user is not None else "").strip()
    prefix = statement_initials(name)
    statement = WitnessStatement.objects.create(
        incident=locked,
        version=1,
        maker=user,
        name=name,
        over_18=True,
        exhibit_prefix=prefix,
        account=statement_account_draft(incident=locked, prefix=prefix),
    )
    audit_record(
        action="statement.draft",
        actor=actor,
        partnership=locked.partnership,
        target=statement,
        detail={"incident_id": locked.pk},
    )
    return statement


@transaction.atomic
def statement_save(
    *, incident: Incident, version: int, fields: dict[str, Any], actor: Actor
) -> WitnessStatement:
    """Save the maker's changes to the version they were shown. A signed version is never
    changed: the changes become the next version, unsigned."""
    _maker_check(incident, actor)
    locked = _incident_locked(incident)
    current = statement_current(incident=locked)
    if current is None:
        raise ValidationError("There is no statement to change: open the statement page again.")
    _statement_stale(current, version)
    if current.is_signed:
        current = _statement_copy(current, locked, actor)
    old_prefix, new_prefix = current.exhibit_prefix, fields["exhibit_prefix"]
    for name in STATEMENT_FIELDS:
        setattr(current, name, fields[name])
    if old_prefix and new_prefix != old_prefix:
        # The drafted account names the exhibits; they follow the new initials.
        current.account = re.sub(
            rf"\b{re.escape(old_prefix)}/(\d+)\b", rf"{new_prefix}/\1", current.account
        )
    current.updated_at = timezone.now()
    current.full_clean(exclude=["incident", "maker", "signed_by"])
    current.save(update_fields=[*STATEMENT_FIELDS, "updated_at"])
    audit_record(
        action="statement.change",
        actor=actor,
        partnership=locked.partnership,
        target=current,
        detail={"incident_id": locked.pk, "version": current.version},
    )
    return current


@transaction.atomic
def statement_sign(
    *, incident: Incident, version: int, signed_name: str, actor: Actor
) -> WitnessStatement:
    """Sign the version the maker was shown by typing their name as the statement gives it."""
    _maker_check(incident, actor)
    locked = _incident_locked(incident)
    statement = statement_current(incident=locked)
    if statement is None:
        raise ValidationError("There is no statement to sign: open the statement page again.")
    _statement_stale(statement, version)
    if statement.is_signed:
        raise ValidationError("This version is signed already.")
    missing = [
        label
        for label, value in (
            ("your full name", statement.name),
            ("your initials for exhibits", statement.exhibit_prefix),
            ("your statement", statement.account),
        )
        if not value.strip()
    ]
    if missing:
        raise ValidationError(f"Fill in {' and '.join(missing)} and save before signing.")
    typed = " ".join(signed_name.split())
    if typed.casefold() != " ".join(statement.name.split()).casefold():
        raise ValidationError(
            {"signed_name": f"Type your name exactly as the statement gives it: {statement.name}."}
        )
    statement.signed_name = typed
    statement.signed_at = timezone.now()
    statement.signed_by = actor.user
    statement.save(update_fields=["signed_name", "signed_at", "signed_by"])
    audit_record(
        action="statement.sign",
        actor=actor,
        partnership=locked.partnership,
        target=statement,
        detail={"incident_id": locked.pk, "version": statement.version},
    )
    return statement


@transaction.atomic
def statement_new_version(*, incident: Incident, actor: Actor) -> WitnessStatement:
    """Open a signed statement for changes: the next version, a copy, unsigned. If the latest
    version is unsigned already (the button pressed twice), that one is answered."""
    _maker_check(incident, actor)
    locked = _incident_locked(incident)
    current = statement_current(incident=locked)
    if current is None:
        raise ValidationError("There is no statement yet: open the statement page to start one.")
    if not current.is_signed:
        return current
    return _statement_copy(current, locked, actor)


@transaction.atomic
def impact_save(*, incident: Incident, fields: dict[str, Any], actor: Actor) -> ImpactStatement:
    """The maker's business impact statement, created on first save."""
    _maker_check(incident, actor)
    locked = _incident_locked(incident)
    impact = ImpactStatement.objects.filter(incident=locked).first() or ImpactStatement(
        incident=locked
    )
    impact.maker = actor.user
    for name in IMPACT_FIELDS:
        setattr(impact, name, fields[name])
    impact.updated_at = timezone.now()
    impact.full_clean(exclude=["incident", "maker"])
    impact.save()
    audit_record(
        action="impact.change",
        actor=actor,
        partnership=locked.partnership,
        target=impact,
        detail={"incident_id": locked.pk},
    )
    return impact
