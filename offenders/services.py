"""Writes for offender profiles, galleries, placements and images; each one audited transaction."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.audit import audit_record
from bcrp.crypto import delete_stored, write_encrypted
from bcrp.queue import enqueue_on_commit
from offenders.models import (
    ACCESS_ANSWERED,
    BIRTH_DATE_ERRORS,
    CHALLENGE_REASON_MAX,
    MAX_IMAGES_PER_PROFILE,
    NOTICE_SERVED_AHEAD_DAYS,
    SIGHTING_LATEST_DELAY_DAYS,
    AppealOutcome,
    ChallengeOutcome,
    Exclusion,
    Gallery,
    GalleryPlacement,
    NoticeKind,
    NoticeStatus,
    OffenderImage,
    OffenderProfile,
    ProfileChallenge,
    ProfileStatus,
    Sighting,
    SubjectRequest,
    SubjectRequestKind,
    SubjectRequestStatus,
    birth_date_bounds,
)
from partnerships.locks import partnerships_lock
from partnerships.models import Membership, Partnership, Premises
from partnerships.services import partnership_settings_change, reference_prefix_for
from photos.images import image_prepare
from photos.services import photo_files_delete_unused, thumbnail_process
from sharing.candidates import match_keys_refresh
from sharing.permissions import profiles_sync
from sharing.services import documents_refresh_queue

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "aliases",
    "date_of_birth",
    "age_min",
    "age_max",
    "gender",
    "perceived_ethnicity",
    "build",
    "height_cm",
    "hair",
    "distinguishing_features",
    "offence_types",
    "warning_markers",
    "notes",
    "status",
    "local_only",
    "identification_source",
)


def _next_reference(partnership: Partnership) -> str:
    # The row lock serialises reference numbers within one partnership only. NO KEY, like the
    # sharing lock: FOR UPDATE would wait on every insert referencing the partnership.
    locked = Partnership.objects.select_for_update(no_key=True).get(pk=partnership.pk)
    Partnership.objects.filter(pk=locked.pk).update(
        last_profile_number=F("last_profile_number") + 1
    )
    number = Partnership.objects.values_list("last_profile_number", flat=True).get(pk=locked.pk)
    prefix = locked.reference_prefix or reference_prefix_for(locked.name)
    return f"{prefix}-{number:05d}"


def _matching_refresh(profile_id: int) -> None:
    """Names, dates or photos changed: new blocking keys now, new candidates in the background."""
    match_keys_refresh([profile_id])
    enqueue_on_commit("sharing.tasks.candidate_pairs_refresh", [profile_id])


def _apply(profile: OffenderProfile, fields: dict[str, Any]) -> list[str]:
    changed = []
    for name in PROFILE_FIELDS:
        if name in fields and getattr(profile, name) != fields[name]:
            setattr(profile, name, fields[name])
            changed.append(name)
    if not profile.partnership.records_perceived_ethnicity:
        profile.perceived_ethnicity = ""
    if profile.status == ProfileStatus.ARCHIVED and profile.archived_at is None:
        profile.archived_at = timezone.now()
    elif profile.status != ProfileStatus.ARCHIVED:
        profile.archived_at = None
    profile.refresh_search_name()
    if "date_of_birth" in changed and profile.date_of_birth is not None:
        # Checked when given, not on every save: the bounds move with today, and an archive
        # must not fail on a date that was plausible when it was typed.
        earliest, latest = birth_date_bounds(timezone.localdate())
        if not earliest <= profile.date_of_birth <= latest:
            code = "too_early" if profile.date_of_birth < earliest else "too_late"
            raise ValidationError({"date_of_birth": BIRTH_DATE_ERRORS[code]})
    # A change is checked for what it changes (a new profile for everything): a field stored
    # before a rule existed must not stop an unrelated change, such as archiving the profile.
    unchanged = (
        []
        if profile._state.adding
        else [f.name for f in profile._meta.concrete_fields if f.name not in changed]
    )
    profile.full_clean(exclude=["reference", *unchanged])
    return changed


@transaction.atomic
def profile_create(
    *, partnership: Partnership, fields: dict[str, Any], actor: Actor
) -> OffenderProfile:
    partnerships_lock([partnership.pk])
    profile = OffenderProfile(partnership=partnership, created_by=actor.user)
    _apply(profile, fields)
    profile.reference = _next_reference(partnership)
    profile.save()
    profiles_sync([profile.pk])
    _matching_refresh(profile.pk)
    audit_record(action="profile.create", actor=actor, partnership=partnership, target=profile)
    return profile


@transaction.atomic
def profile_update(
    *, profile: OffenderProfile, fields: dict[str, Any], actor: Actor
) -> OffenderProfile:
    partnerships_lock([profile.partnership_id])
    # The instance was read before the lock: another administrator may have archived the
    # profile or changed it since, and saving stale fields would undo that.
    profile.refresh_from_db(fields=[*PROFILE_FIELDS, "archived_at", "under_challenge"])
    changed = _apply(profile, fields)
    if (
        changed
        and profile.under_challenge
        and not ProfileChallenge.objects.filter(profile=profile, decided_at=None).exists()
    ):
        # The correction an upheld challenge asked for: the profile returns to circulation.
        profile.under_challenge = False
        changed.append("under_challenge")
    profile.last_activity_at = timezone.now()
    profile.save()
    profiles_sync([profile.pk])
    _matching_refresh(profile.pk)
    audit_record(
        action="profile.change",
        actor=actor,
        partnership=profile.partnership,
        target=profile,
        detail={"fields": changed},
    )
    return profile


def profile_archive(*, profile: OffenderProfile, actor: Actor) -> None:
    profile_update(profile=profile, fields={"status": ProfileStatus.ARCHIVED}, actor=actor)


def profile_restore(
    *,
    profile: OffenderProfile,
    actor: Actor,
    status: str = ProfileStatus.KNOWN,
) -> None:
    profile_update(profile=profile, fields={"status": status}, actor=actor)


@transaction.atomic
def gallery_save(*, partnership: Partnership, gallery: Gallery, actor: Actor) -> Gallery:
    created = gallery.pk is None
    gallery.partnership = partnership
    gallery.full_clean()
    was_circulated = (
        not created and Gallery.objects.filter(pk=gallery.pk, members_may_see=True).exists()
    )
    gallery.save()
    if gallery.members_may_see and not was_circulated and _second_approval_required(partnership):
        # Opening a gallery to members circulates everyone in it: each waits for approval.
        gallery.placements.update(awaiting_approval=True, approved_by=None, approved_at=None)
    audit_record(
        action="gallery.create" if created else "gallery.change",
        actor=actor,
        partnership=partnership,
        target=gallery,
    )
    documents_refresh_queue(partnership)
    return gallery


def placement_default_expiry(gallery: Gallery, today: date | None = None) -> date:
    return (today or timezone.localdate()) + relativedelta(months=gallery.default_expiry_months)


@transaction.atomic
def placement_add(
    *,
    profile: OffenderProfile,
    gallery: Gallery,
    expires_on: date | None = None,
    actor: Actor,
) -> GalleryPlacement:
    if gallery.partnership_id != profile.partnership_id:
        raise ValidationError({"gallery": "That gallery belongs to another partnership."})
    expires_on = expires_on or placement_default_expiry(gallery)
    if expires_on < timezone.localdate():
        raise ValidationError({"expires_on": "The date it stays until is already past."})
    placement, created = GalleryPlacement.objects.update_or_create(
        gallery=gallery,
        profile=profile,
        defaults={"expires_on": expires_on, "added_by": actor.user},
        create_defaults={
            "expires_on": expires_on,
            "added_by": actor.user,
            "awaiting_approval": gallery.members_may_see
            and _second_approval_required(profile.partnership),
        },
    )
    OffenderProfile.objects.filter(pk=profile.pk).update(last_activity_at=timezone.now())
    audit_record(
        action="placement.add" if created else "placement.change",
        actor=actor,
        partnership=profile.partnership,
        target=profile,
        detail={
            "gallery_id": gallery.pk,
            "expires_on": expires_on.isoformat(),
            "awaiting_approval": placement.awaiting_approval,
        },
    )
    return placement


def _second_approval_required(partnership: Partnership) -> bool:
    # Read now, not from the instance the page loaded: the setting may have just been switched.
    return Partnership.objects.filter(pk=partnership.pk, second_approval_to_circulate=True).exists()


@transaction.atomic
def placement_approve(*, placement: GalleryPlacement, actor: Actor) -> GalleryPlacement:
    """A second administrator lets a placement awaiting approval reach members."""
    locked = GalleryPlacement.objects.select_for_update().get(pk=placement.pk)
    if not locked.awaiting_approval:
        raise ValidationError("This placement is not waiting for approval.")
    if actor.user is None or locked.added_by_id == actor.user.pk:
        raise PermissionDenied(
            "You placed this profile in the gallery: another administrator must approve it "
            "before members see it."
        )
    locked.awaiting_approval = False
    locked.approved_by = actor.user
    locked.approved_at = timezone.now()
    locked.save(update_fields=["awaiting_approval", "approved_by", "approved_at"])
    audit_record(
        action="placement.approve",
        actor=actor,
        partnership=placement.profile.partnership,
        target=placement.profile,
        detail={"gallery_id": locked.gallery_id, "placed_by": locked.added_by_id},
    )
    return locked


@transaction.atomic
def placement_remove(*, placement: GalleryPlacement, actor: Actor) -> None:
    profile = placement.profile
    detail = {"gallery_id": placement.gallery_id}
    placement.delete()
    audit_record(
        action="placement.remove",
        actor=actor,
        partnership=profile.partnership,
        target=profile,
        detail=detail,
    )


def _storage_name(profile: OffenderProfile, token: str, kind: str) -> str:
    return f"offender-images/{profile.partnership_id}/{token}.{kind}.bin"


def image_add(*, profile: OffenderProfile, upload: UploadedFile, actor: Actor) -> OffenderImage:
    """Check, re-encode, encrypt and store one photo; the thumbnail follows in the background.

    A refused file leaves nothing behind: the stored file is removed if the row is not written.
    """
    prepared = image_prepare(upload)
    token = secrets.token_urlsafe(32)
    stored = write_encrypted(_storage_name(profile, token, "original"), prepared.jpeg)
    try:
        with transaction.atomic():
            # The profile row lock makes the limit and duplicate checks hold under concurrency.
            locked = OffenderProfile.objects.select_for_update().get(pk=profile.pk)
            if locked.images.count() >= MAX_IMAGES_PER_PROFILE:
                raise ValidationError(
                    f"A profile holds at most {MAX_IMAGES_PER_PROFILE} photos; delete one first."
                )
            if locked.images.filter(sha256=prepared.sha256).exists():
                raise ValidationError(f"{upload.name}: this photo is already on the profile.")
            existing = locked.images.aggregate(top=Max("position"), n=Max("id"))
            image = OffenderImage.objects.create(
                profile=locked,
                token=token,
                original=stored,
                **prepared.row_fields(),
                position=(existing["top"] + 1) if existing["top"] is not None else 0,
                is_primary=existing["n"] is None,
                uploaded_by=actor.user,
            )
            OffenderProfile.objects.filter(pk=profile.pk).update(last_activity_at=timezone.now())
            _matching_refresh(profile.pk)
            audit_record(
                action="image.add",
                actor=actor,
                partnership=profile.partnership,
                target=profile,
                detail={"image_id": image.pk},
            )
            enqueue_on_commit("offenders.tasks.image_process", image.pk)
    except Exception:
        delete_stored(stored)
        raise
    return image


def image_process_now(image_id: int) -> bool:
    return thumbnail_process(OffenderImage, image_id)


@transaction.atomic
def image_set_primary(*, image: OffenderImage, actor: Actor) -> None:
    OffenderProfile.objects.select_for_update().get(pk=image.profile_id)
    OffenderImage.objects.filter(profile_id=image.profile_id, is_primary=True).update(
        is_primary=False
    )
    OffenderImage.objects.filter(pk=image.pk).update(is_primary=True)
    audit_record(
        action="image.primary",
        actor=actor,
        partnership=image.profile.partnership,
        target=image.profile,
        detail={"image_id": image.pk},
    )


@transaction.atomic
def image_move(*, image: OffenderImage, offset: int, actor: Actor) -> None:
    """Move a photo one place earlier (-1) or later (+1) in the profile's order."""
    OffenderProfile.objects.select_for_update().get(pk=image.profile_id)
    ordered = list(
        OffenderImage.objects.filter(profile_id=image.profile_id).order_by("position", "id")
    )
    index = next(i for i, other in enumerate(ordered) if other.pk == image.pk)
    target = index + offset
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, other in enumerate(ordered):
        if other.position != position:
            OffenderImage.objects.filter(pk=other.pk).update(position=position)
    audit_record(
        action="image.move",
        actor=actor,
        partnership=image.profile.partnership,
        target=image.profile,
        detail={"image_id": image.pk, "offset": offset},
    )


@transaction.atomic
def image_delete(*, image: OffenderImage, actor: Actor) -> None:
    profile = OffenderProfile.objects.select_for_update().get(pk=image.profile_id)
    files = {name for name in (image.original, image.thumbnail) if name}
    was_primary = image.is_primary
    image_id = image.pk
    image.delete()
    if was_primary:
        successor = profile.images.order_by("position", "id").first()
        if successor is not None:
            OffenderImage.objects.filter(pk=successor.pk).update(is_primary=True)
    _matching_refresh(profile.pk)
    audit_record(
        action="image.delete",
        actor=actor,
        partnership=profile.partnership,
        target=profile,
        detail={"image_id": image_id},
    )
    transaction.on_commit(lambda: photo_files_delete_unused(OffenderImage, files))


@transaction.atomic
def exclusion_issue(
    *,
    profile: OffenderProfile,
    kind: str,
    reason: str,
    starts_on: date | None = None,
    premises: list[Any] | None = None,
    served_by: str = "",
    served_on: date | None = None,
    actor: Actor | None,
) -> Exclusion:
    """Issue a warning or exclusion under the partnership's scheme.

    A warning given while an earlier warning is still on record becomes an exclusion of the
    scheme's length, starting the same day, when the scheme escalates repeat warnings.
    """
    partnership = profile.partnership
    starts_on = starts_on or timezone.localdate()
    if premises and any(p.business.partnership_id != partnership.pk for p in premises):
        raise ValidationError({"premises": "Those premises are not in this partnership."})
    OffenderProfile.objects.select_for_update().get(pk=profile.pk)
    escalated_from = None
    if kind == NoticeKind.WARNING and partnership.escalate_repeat_warnings:
        escalated_from = (
            Exclusion.objects.filter(
                profile=profile,
                kind=NoticeKind.WARNING,
                status=NoticeStatus.ACTIVE,
                starts_on__lte=starts_on,
                ends_on__gte=starts_on,
            )
            .order_by("-starts_on")
            .first()
        )
        if escalated_from is not None:
            kind = NoticeKind.EXCLUSION
    months = (
        partnership.warning_months if kind == NoticeKind.WARNING else partnership.exclusion_months
    )
    try:
        ends_on = starts_on + relativedelta(months=months) - relativedelta(days=1)
    except (ValueError, OverflowError):
        # Past year 9999: no calendar has the last day.
        raise ValidationError({"starts_on": "That start date is too far in the future."}) from None
    if served_on is not None and (starts_on - served_on).days > NOTICE_SERVED_AHEAD_DAYS:
        raise ValidationError(
            {
                "served_on": f"A notice is served at most {NOTICE_SERVED_AHEAD_DAYS} days before "
                "it starts: check the year."
            }
        )
    if served_on is not None and served_on > ends_on:
        raise ValidationError({"served_on": "A notice cannot be served after it has ended."})
    notice = Exclusion(
        profile=profile,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        all_premises=not premises,
        reason=reason,
        served_by=served_by,
        served_on=served_on,
        escalated_from=escalated_from,
        issued_by=actor.user if actor is not None else None,
    )
    notice.full_clean()
    notice.save()
    if premises:
        notice.premises.set(premises)
    OffenderProfile.objects.filter(pk=profile.pk).update(last_activity_at=timezone.now())
    audit_record(
        action=f"notice.{kind}",
        actor=actor,
        partnership=partnership,
        target=profile,
        detail={"notice_id": notice.pk, "escalated": escalated_from is not None},
    )
    return notice


@transaction.atomic
def exclusion_appeal(
    *,
    notice: Exclusion,
    lodged_on: date,
    outcome: str = "",
    decided_on: date | None = None,
    actor: Actor,
) -> Exclusion:
    notice.appeal_lodged_on = lodged_on
    notice.appeal_outcome = outcome
    notice.appeal_decided_on = decided_on if outcome else None
    if outcome == AppealOutcome.UPHELD:
        notice.status = NoticeStatus.WITHDRAWN
    notice.full_clean()
    notice.save()
    if outcome:
        # However the decision is recorded, the person's own appeal is answered by it.
        SubjectRequest.objects.filter(
            notice=notice, kind=SubjectRequestKind.APPEAL, status=SubjectRequestStatus.OPEN
        ).update(
            status=SubjectRequestStatus.DECIDED,
            outcome=outcome,
            decided_by=actor.user,
            decided_at=timezone.now(),
        )
    audit_record(
        action="notice.appeal",
        actor=actor,
        partnership=notice.profile.partnership,
        target=notice.profile,
        detail={"notice_id": notice.pk, "outcome": outcome},
    )
    return notice


def subject_request_due_on(*, kind: str, received_on: date, appeal_days: int = 14) -> date:
    """The answer's deadline: one calendar month for a subject access request (UK GDPR Art.
    12(3)); for an appeal, the partnership's `appeal_decision_days`."""
    if kind == SubjectRequestKind.ACCESS:
        return received_on + relativedelta(months=1)
    return received_on + timedelta(days=appeal_days)


@transaction.atomic
def subject_request_submit(
    *,
    notice: Exclusion,
    kind: str,
    name: str,
    email: str = "",
    phone: str = "",
    postal_address: str = "",
    details: str,
    identity_note: str = "",
    actor: Actor,
) -> SubjectRequest:
    """An appeal or subject access request from the person a notice names; an appeal is also
    lodged on the notice, which takes one appeal."""
    notice = Exclusion.objects.select_for_update().select_related("profile").get(pk=notice.pk)
    if kind == SubjectRequestKind.APPEAL and notice.appeal_outcome:
        raise ValidationError(
            f"The appeal against this notice was decided on {notice.appeal_decided_on:%-d %B %Y}."
        )
    if kind == SubjectRequestKind.APPEAL and notice.appeal_lodged_on is not None:
        raise ValidationError(
            "An appeal against this notice is already waiting for a decision "
            f"(lodged {notice.appeal_lodged_on:%-d %B %Y})."
        )
    received_at = timezone.now()
    request = SubjectRequest(
        notice=notice,
        partnership_id=notice.profile.partnership_id,
        kind=kind,
        name=name,
        email=email,
        phone=phone,
        postal_address=postal_address,
        details=details,
        identity_note=identity_note,
        received_at=received_at,
        due_on=subject_request_due_on(
            kind=kind,
            received_on=timezone.localdate(received_at),
            appeal_days=notice.profile.partnership.appeal_decision_days,
        ),
    )
    request.full_clean()
    request.save()
    if kind == SubjectRequestKind.APPEAL:
        exclusion_appeal(notice=notice, lodged_on=timezone.localdate(received_at), actor=actor)
    audit_record(
        action=(
            "subject_request.appeal"
            if kind == SubjectRequestKind.APPEAL
            else "subject_request.access"
        ),
        actor=actor,
        partnership=notice.profile.partnership,
        target=notice.profile,
        detail={"notice_id": notice.pk, "request_id": request.pk, "due_on": str(request.due_on)},
    )
    return request


@transaction.atomic
def subject_request_decide(
    *, subject_request: SubjectRequest, outcome: str, actor: Actor
) -> SubjectRequest:
    """An appeal upheld (the notice is withdrawn) or dismissed, through the notice's appeal; or a
    subject access request marked answered."""
    request = (
        SubjectRequest.objects.select_for_update()
        .select_related("notice__profile")
        .get(pk=subject_request.pk)
    )
    if request.status != SubjectRequestStatus.OPEN:
        raise ValidationError("This request has already been decided.")
    notice = request.notice
    if request.kind == SubjectRequestKind.APPEAL:
        if outcome not in AppealOutcome.values:
            raise ValidationError({"outcome": "Choose whether the appeal is upheld or dismissed."})
        exclusion_appeal(
            notice=notice,
            lodged_on=notice.appeal_lodged_on or timezone.localdate(request.received_at),
            outcome=outcome,
            decided_on=timezone.localdate(),
            actor=actor,
        )
        request.refresh_from_db()
    else:
        if outcome != ACCESS_ANSWERED:
            raise ValidationError({"outcome": "A subject access request can only be answered."})
        request.status = SubjectRequestStatus.DECIDED
        request.outcome = ACCESS_ANSWERED
        request.decided_by = actor.user
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "outcome", "decided_by", "decided_at"])
    audit_record(
        action="subject_request.decide",
        actor=actor,
        partnership=notice.profile.partnership,
        target=notice.profile,
        detail={"notice_id": notice.pk, "request_id": request.pk, "outcome": outcome},
    )
    return request


def exclusions_lapse(today: date | None = None) -> int:
    """Notices whose last day has passed lapse (run daily by beat; safe to run twice)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        ended = list(
            Exclusion.objects.select_for_update()
            .filter(status=NoticeStatus.ACTIVE, ends_on__lt=today)
            .select_related("profile")
        )
        Exclusion.objects.filter(pk__in=[n.pk for n in ended]).update(status=NoticeStatus.LAPSED)
        for notice in ended:
            audit_record(
                action="notice.lapse",
                partnership=notice.profile.partnership,
                target=notice.profile,
                detail={"notice_id": notice.pk},
            )
    return len(ended)


@transaction.atomic
def scheme_settings_change(
    *,
    partnership: Partnership,
    values: dict[str, Any],
    gallery_expiries: dict[int, int],
    actor: Actor,
) -> dict[str, list[Any]]:
    """The settings page's save: the partnership's settings and its galleries' default expiries
    (months, by gallery id), audited together as one `partnership.settings_change`."""
    galleries = Gallery.objects.select_for_update().filter(
        partnership=partnership, pk__in=list(gallery_expiries)
    )
    gallery_changes: dict[str, list[Any]] = {}
    for gallery in galleries:
        months = gallery_expiries[gallery.pk]
        if gallery.default_expiry_months == months:
            continue
        gallery_changes[f"default expiry of {gallery.name} (months)"] = [
            gallery.default_expiry_months,
            months,
        ]
        gallery.default_expiry_months = months
        gallery.full_clean()
        gallery.save(update_fields=["default_expiry_months"])
    return partnership_settings_change(
        partnership=partnership, values=values, actor=actor, other_changes=gallery_changes
    )


def sighting_breaches_notice(*, sighting: Sighting) -> bool:
    """Whether an exclusion notice of the reporter's own partnership was in force on the day of
    the sighting, for all its members' premises or for the premises it was seen at. A peer's
    notice covers the peer's premises only, so a sighting of a peer's profile never breaches it."""
    if sighting.profile.partnership_id != sighting.partnership_id:
        return False
    day = timezone.localdate(sighting.seen_at)
    in_force = Exclusion.objects.filter(
        profile_id=sighting.profile_id,
        kind=NoticeKind.EXCLUSION,
        status=NoticeStatus.ACTIVE,
        starts_on__lte=day,
        ends_on__gte=day,
    )
    covering = Q(all_premises=True)
    if sighting.premises_id is not None:
        covering |= Q(premises=sighting.premises_id)
    return in_force.filter(covering).exists()


@transaction.atomic
def sighting_record(
    *,
    membership: Membership,
    profile: OffenderProfile,
    premises: Premises | None,
    note: str,
    actor: Actor,
    seen_at: datetime | None = None,
) -> Sighting:
    """Record that a profile's subject was seen, under the reporter's partnership, at their usual
    premises unless they name others; flagged when it may breach an exclusion notice."""
    now = timezone.now()
    if seen_at is None:
        seen_at = now
    elif seen_at > now:
        raise ValidationError({"seen_at": "A sighting cannot be in the future."})
    elif seen_at < now - timedelta(days=SIGHTING_LATEST_DELAY_DAYS):
        raise ValidationError(
            {
                "seen_at": f"Report a sighting within {SIGHTING_LATEST_DELAY_DAYS} days; "
                "tell the scheme's administrators about anything older."
            }
        )
    if "\x00" in note:
        raise ValidationError({"note": "The note contains a character that cannot be stored."})
    if premises is None:
        premises = membership.premises
    if premises is not None and premises.business.partnership_id != membership.partnership_id:
        raise ValidationError({"premises": "Those premises are not in this partnership."})
    sighting = Sighting(
        partnership_id=membership.partnership_id,
        profile=profile,
        reported_by=actor.user,
        premises=premises,
        seen_at=seen_at,
        note=note,
    )
    sighting.full_clean()
    sighting.possible_breach = sighting_breaches_notice(sighting=sighting)
    sighting.save()
    audit_record(
        action="sighting.record",
        actor=actor,
        partnership=membership.partnership,
        target=profile,
        detail={"sighting_id": sighting.pk, "possible_breach": sighting.possible_breach},
    )
    return sighting


@transaction.atomic
def challenge_raise(*, profile: OffenderProfile, reason: str, actor: Actor) -> ProfileChallenge:
    """Someone in the owning partnership says the profile is inaccurate: it leaves circulation
    (members, peers, peers' candidates) in this transaction, until an administrator decides."""
    # The sharing lock, as for every write that changes who sees a profile: a consent accepted
    # at the same moment must compute its rows from a world with the challenge or without it.
    partnerships_lock([profile.partnership_id])
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say what is inaccurate, so an administrator can check."})
    if "\x00" in reason:
        raise ValidationError({"reason": "The reason contains a character that cannot be stored."})
    if len(reason) > CHALLENGE_REASON_MAX:
        raise ValidationError(
            {"reason": f"Keep the reason to {CHALLENGE_REASON_MAX} characters or fewer."}
        )
    if ProfileChallenge.objects.filter(profile=profile, decided_at=None).exists():
        raise ValidationError(
            {"reason": "This profile is already challenged: an administrator will decide."}
        )
    challenge = ProfileChallenge.objects.create(
        profile=profile, raised_by=actor.user, reason=reason
    )
    OffenderProfile.objects.filter(pk=profile.pk).update(under_challenge=True)
    profile.under_challenge = True
    profiles_sync([profile.pk])
    audit_record(
        action="challenge.raise",
        actor=actor,
        partnership=profile.partnership,
        target=profile,
        detail={"challenge_id": challenge.pk},
    )
    return challenge


@transaction.atomic
def challenge_decide(
    *, challenge: ProfileChallenge, outcome: str, actor: Actor
) -> ProfileChallenge:
    """An administrator decides: rejected, the profile returns to circulation now; upheld, it
    stays out until an administrator corrects it (profile_update) or archives it."""
    if outcome not in ChallengeOutcome.values:
        raise ValidationError({"outcome": "Choose whether the challenge is upheld or rejected."})
    partnerships_lock([challenge.profile.partnership_id])
    locked = ProfileChallenge.objects.select_for_update().get(pk=challenge.pk)
    if locked.decided_at is not None:
        raise ValidationError("This challenge has already been decided.")
    locked.outcome = outcome
    locked.decided_by = actor.user
    locked.decided_at = timezone.now()
    locked.save(update_fields=["outcome", "decided_by", "decided_at"])
    if outcome == ChallengeOutcome.REJECTED:
        OffenderProfile.objects.filter(pk=locked.profile_id).update(under_challenge=False)
        profiles_sync([locked.profile_id])
    audit_record(
        action="challenge.rejected" if outcome == ChallengeOutcome.REJECTED else "challenge.upheld",
        actor=actor,
        partnership=challenge.profile.partnership,
        target=challenge.profile,
        detail={"challenge_id": locked.pk},
    )
    return locked
