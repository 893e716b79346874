"""Merging two linked profiles of one partnership into one: everything held on the merged
profile moves to the kept one, which takes its names as aliases; one audited transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q

from bcrp.actors import Actor
from bcrp.audit import audit_record
from offenders.models import (
    MAX_IMAGES_PER_PROFILE,
    Exclusion,
    GalleryPlacement,
    OffenderImage,
    OffenderProfile,
    Sighting,
    SubjectAccessExport,
)
from offenders.services import PROFILE_FIELDS, profile_update
from partnerships.locks import partnerships_lock
from partnerships.models import Partnership
from photos.services import photo_files_delete_unused
from sharing.links import ordered, owners_of
from sharing.models import CandidateDismissal, IdentityAnswer, ProfileLink

# Apps above offenders hold records about profiles too (incidents' offender links, evidence
# packs); they register here how to move theirs, so this module never imports them. Each mover
# runs inside the merge's transaction and returns how many records it moved, by kind.
MergeMover = Callable[[OffenderProfile, OffenderProfile], dict[str, int]]
MERGE_MOVERS: list[MergeMover] = []

NOT_MERGEABLE = "Only two linked profiles of your own partnership can be merged."
# Filled from the merged profile only where the kept one has nothing; status and local only
# stay the kept profile's (local only is taken if either is, to share nothing by surprise).
ALIAS_MAX = 120
FILLED_FIELDS = tuple(
    name
    for name in PROFILE_FIELDS
    if name not in {"aliases", "status", "local_only", "age_min", "age_max"}
)


def merge_mover_register(mover: MergeMover) -> MergeMover:
    MERGE_MOVERS.append(mover)
    return mover


def _neighbours(profile_id: int) -> set[int]:
    """Profiles of other records naming this one: links, answers and "not the same" decisions."""
    found: set[int] = set()
    for first, second in ProfileLink.objects.filter(
        Q(first_id=profile_id) | Q(second_id=profile_id)
    ).values_list("first_id", "second_id"):
        found |= {first, second}
    for first, second in CandidateDismissal.objects.filter(
        Q(first_id=profile_id) | Q(second_id=profile_id)
    ).values_list("first_id", "second_id"):
        found |= {first, second}
    for sought, known in IdentityAnswer.objects.filter(
        Q(sought_id=profile_id) | Q(known_id=profile_id)
    ).values_list("sought_id", "known_id"):
        found |= {sought, known}
    found.discard(profile_id)
    return found


def merged_names(kept: OffenderProfile, merged: OffenderProfile) -> list[str]:
    """The kept profile's aliases, then the merged profile's name and aliases, each once."""
    own = " ".join(p for p in (kept.first_name, kept.last_name) if p).casefold()
    aliases: list[str] = []
    seen = {own} if own else set()
    name = " ".join(p for p in (merged.first_name, merged.last_name) if p)[:ALIAS_MAX]
    for alias in [*kept.aliases, name, *merged.aliases]:
        alias = alias.strip()
        if alias and alias.casefold() not in seen:
            seen.add(alias.casefold())
            aliases.append(alias)
    return aliases


def merged_fields(kept: OffenderProfile, merged: OffenderProfile) -> dict[str, Any]:
    """What the kept profile takes from the merged one: names as aliases, blank fields filled,
    offence types and warning markers together, the stricter local-only setting."""
    fields: dict[str, Any] = {"aliases": merged_names(kept, merged)}
    for name in FILLED_FIELDS:
        value = getattr(merged, name)
        if getattr(kept, name) in ("", None, []) and value not in ("", None, []):
            fields[name] = value
    if kept.age_min is None and kept.age_max is None:
        fields.update(age_min=merged.age_min, age_max=merged.age_max)
    for name in ("offence_types", "warning_markers"):
        values = getattr(kept, name)
        fields[name] = [*values, *(v for v in getattr(merged, name) if v not in values)]
    fields["local_only"] = kept.local_only or merged.local_only
    return fields


def _move_images(kept: OffenderProfile, merged: OffenderProfile) -> tuple[int, set[str]]:
    """Move the merged profile's photos after the kept one's; a photo both hold stays once.
    Returns the number moved and the stored files of the dropped copies."""
    kept_hashes = set(kept.images.values_list("sha256", flat=True))
    copies = list(merged.images.filter(sha256__in=kept_hashes))
    moving = list(merged.images.exclude(sha256__in=kept_hashes).order_by("position", "id"))
    if len(kept_hashes) + len(moving) > MAX_IMAGES_PER_PROFILE:
        raise ValidationError(
            f"Together these profiles have {len(kept_hashes) + len(moving)} different photos; "
            f"a profile holds at most {MAX_IMAGES_PER_PROFILE}. Delete "
            f"{len(kept_hashes) + len(moving) - MAX_IMAGES_PER_PROFILE} first."
        )
    files = {name for image in copies for name in (image.original, image.thumbnail) if name}
    OffenderImage.objects.filter(pk__in=[image.pk for image in copies]).delete()
    top = kept.images.aggregate(top=Max("position"))["top"]
    start = 0 if top is None else top + 1
    has_primary = kept.images.filter(is_primary=True).exists()
    for offset, image in enumerate(moving):
        OffenderImage.objects.filter(pk=image.pk).update(
            profile=kept,
            position=start + offset,
            is_primary=image.is_primary and not has_primary,
        )
    return len(moving), files


def _move_placements(kept: OffenderProfile, merged: OffenderProfile) -> int:
    """A gallery both are in keeps one placement, until the later of the two dates."""
    moved = 0
    kept_placements = {p.gallery_id: p for p in kept.placements.all()}
    for placement in merged.placements.all():
        mine = kept_placements.get(placement.gallery_id)
        if mine is None:
            GalleryPlacement.objects.filter(pk=placement.pk).update(profile=kept)
            moved += 1
            continue
        if placement.expires_on > mine.expires_on:
            GalleryPlacement.objects.filter(pk=mine.pk).update(expires_on=placement.expires_on)
        placement.delete()
    return moved


def _move_links(kept_id: int, merged_id: int) -> int:
    """Links of the merged profile now name the kept one; a link the kept profile already has,
    or the one between the two, is dropped."""
    moved = 0
    for link in ProfileLink.objects.filter(Q(first_id=merged_id) | Q(second_id=merged_id)):
        other = link.other(merged_id)
        if other == kept_id:
            link.delete()
            continue
        first, second = ordered(kept_id, other)
        if ProfileLink.objects.filter(first_id=first, second_id=second).exists():
            link.delete()
            continue
        ProfileLink.objects.filter(pk=link.pk).update(first_id=first, second_id=second)
        moved += 1
    return moved


def _move_dismissals(kept_id: int, merged_id: int) -> None:
    for dismissal in CandidateDismissal.objects.filter(
        Q(first_id=merged_id) | Q(second_id=merged_id)
    ):
        other = dismissal.second_id if dismissal.first_id == merged_id else dismissal.first_id
        if other == kept_id:
            dismissal.delete()
            continue
        first, second = ordered(kept_id, other)
        duplicate = CandidateDismissal.objects.filter(
            partnership_id=dismissal.partnership_id, first_id=first, second_id=second
        ).exists()
        linked = ProfileLink.objects.filter(first_id=first, second_id=second).exists()
        if duplicate or linked:
            dismissal.delete()
        else:
            CandidateDismissal.objects.filter(pk=dismissal.pk).update(
                first_id=first, second_id=second
            )


def _move_answers(kept_id: int, merged_id: int) -> int:
    moved = 0
    for answer in IdentityAnswer.objects.filter(Q(sought_id=merged_id) | Q(known_id=merged_id)):
        sought = kept_id if answer.sought_id == merged_id else answer.sought_id
        known = kept_id if answer.known_id == merged_id else answer.known_id
        taken = IdentityAnswer.objects.filter(sought_id=sought, known_id=known).exists()
        if sought == known or taken:
            answer.delete()
            continue
        IdentityAnswer.objects.filter(pk=answer.pk).update(sought_id=sought, known_id=known)
        moved += 1
    return moved


@transaction.atomic
def profile_merge(
    *, partnership: Partnership, kept_id: int, merged_id: int, actor: Actor
) -> OffenderProfile:
    """Merge profile `merged_id` into `kept_id`: both `partnership`'s own, and linked.

    Everything held on the merged profile moves to the kept one, the merged profile is deleted,
    and the merge is recorded on the kept profile with the merged one's id and reference, so
    the audit trail still finds the merged profile's history by its reference.
    """
    if kept_id == merged_id:
        raise ValidationError("Choose two different profiles.")
    # Links, answers and decisions naming the merged profile are re-pointed, so their other
    # owners are locked too, with the partnership, in one call (the lock's order). A new record
    # naming the merged profile needs this partnership's lock, so none can appear after it.
    neighbours = _neighbours(merged_id)
    locked = {partnership.pk, *owners_of([kept_id, merged_id, *neighbours]).values()}
    partnerships_lock(locked)
    profiles = {
        p.pk: p
        for p in OffenderProfile.objects.select_for_update()
        .select_related("partnership")
        .filter(pk__in=[kept_id, merged_id])
    }
    if len(profiles) != 2:
        raise ValidationError("One of these profiles no longer exists: it may have been merged.")
    kept, merged = profiles[kept_id], profiles[merged_id]
    if {kept.partnership_id, merged.partnership_id} != {partnership.pk}:
        raise ValidationError(NOT_MERGEABLE)
    if kept.under_challenge or merged.under_challenge:
        # A merge would carry the disputed facts into the kept profile, or delete the challenge.
        raise ValidationError(
            "A profile challenged as inaccurate is decided and corrected before it is merged."
        )
    first, second = ordered(kept_id, merged_id)
    if not ProfileLink.objects.filter(first_id=first, second_id=second).exists():
        raise ValidationError(
            "These profiles are not linked as the same person: link them before merging."
        )
    late = set(owners_of(list(_neighbours(merged_id))).values()) - locked
    if late:
        raise ValidationError("The profile's links changed while merging: please try again.")

    images, dropped_files = _move_images(kept, merged)
    moved = {
        "photos": images,
        "placements": _move_placements(kept, merged),
        "notices": Exclusion.objects.filter(profile=merged).update(profile=kept),
        "sightings": Sighting.objects.filter(profile=merged).update(profile=kept),
        "subject access exports": SubjectAccessExport.objects.filter(profile=merged).update(
            profile=kept
        ),
        "links": _move_links(kept_id, merged_id),
        "answers": _move_answers(kept_id, merged_id),
    }
    _move_dismissals(kept_id, merged_id)
    for mover in MERGE_MOVERS:
        moved.update(mover(kept, merged))
    fields = merged_fields(kept, merged)
    reference = merged.reference
    merged.delete()
    # The path every profile change takes: a date of birth or local-only setting taken from
    # the merged profile changes who may see the kept one, in this transaction.
    kept = profile_update(profile=kept, fields=fields, actor=actor)
    audit_record(
        action="profile.merge",
        actor=actor,
        partnership=partnership,
        target=kept,
        detail={"merged_id": merged_id, "merged": reference, "moved": moved},
    )
    transaction.on_commit(lambda: photo_files_delete_unused(OffenderImage, dropped_files))
    return kept
