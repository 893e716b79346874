"""Links between profiles of the same person, and "not the same" decisions: the writes.

A link or decision names two profiles and is made by one partnership, which must see both when
it is made: its own profiles, or a peer's shared under a mutual agreement. Across partnerships
both profiles must be shareable (juvenile, local-only and archived profiles never take part).
Each write takes the sharing lock of the acting partnership and of both owners first, so a
revoke running at the same moment either happens before (and the write is refused) or after
(and the link is hidden by it); reads decide visibility again each time (sharing.selectors).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from bcrp.actors import Actor
from bcrp.audit import audit_record
from partnerships.locks import partnerships_lock
from partnerships.models import Partnership
from sharing.models import CandidateDismissal, LinkSource, ProfileLink
from sharing.permissions import PERM, PROFILE, SHAREABLE_SQL, VIEW_PERMISSION_SQL, _params

NOT_VISIBLE = "One of these profiles is not one you may see."
# The profiles' model, through a link's foreign key (offenders sits above this module): events
# name the profile the partnership acted on, so the audit viewer finds them by its reference.
Profile = ProfileLink.first.field.related_model


def _profile(profile_id: int) -> Any:
    return Profile(pk=profile_id)


def ordered(a: int, b: int) -> tuple[int, int]:
    if a == b:
        raise ValidationError("A profile is always the same person as itself.")
    return (a, b) if a < b else (b, a)


def owners_of(profile_ids: list[int]) -> dict[int, int]:
    """profile id -> owning partnership id."""
    return dict(
        Profile._default_manager.filter(pk__in=profile_ids).values_list("pk", "partnership_id")
    )


def pair_visible(*, partnership: Partnership, first_id: int, second_id: int) -> bool:
    """Whether `partnership` may see both profiles now and, if they belong to different
    partnerships, both are shareable: the condition every link, answer or candidate needs."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH view_perm AS ({VIEW_PERMISSION_SQL})
            SELECT count(*) FILTER (WHERE seen.id IS NOT NULL),
                   count(DISTINCT p.partnership_id),
                   bool_and({SHAREABLE_SQL})
            FROM {PROFILE} p
            LEFT JOIN LATERAL (
                SELECT x.id FROM {PERM} x, view_perm
                WHERE x.content_object_id = p.id AND x.group_id = %(group)s
                  AND x.permission_id = view_perm.id
            ) seen ON TRUE
            WHERE p.id IN (%(first)s, %(second)s)
            """,
            _params(group=partnership.admin_group_id, first=first_id, second=second_id),
        )
        seen, owners, shareable = cursor.fetchone()
    return seen == 2 and (owners == 1 or bool(shareable))


def lock_for(*, partnership: Partnership, profile_ids: list[int]) -> dict[int, int]:
    """Take the sharing lock of the acting partnership and of every owner; returns the owners."""
    owners = owners_of(profile_ids)
    if len(owners) != len(set(profile_ids)):
        raise ValidationError(NOT_VISIBLE)
    partnerships_lock([partnership.pk, *owners.values()])
    return owners


def _detail(owners: dict[int, int], first: int, second: int) -> dict[str, Any]:
    return {
        "profile_ids": [first, second],
        "partner_ids": sorted({owners[first], owners[second]}),
    }


@transaction.atomic
def link_make(
    *,
    partnership: Partnership,
    profile_id: int,
    other_id: int,
    source: str = LinkSource.REVIEW,
    actor: Actor,
) -> ProfileLink:
    """`partnership` confirms that two profiles it sees are the same person."""
    first, second = ordered(profile_id, other_id)
    owners = lock_for(partnership=partnership, profile_ids=[first, second])
    if not pair_visible(partnership=partnership, first_id=first, second_id=second):
        raise ValidationError(NOT_VISIBLE)
    if ProfileLink.objects.filter(first_id=first, second_id=second).exists():
        raise ValidationError("These two profiles are already linked.")
    link = ProfileLink.objects.create(
        first_id=first, second_id=second, source=source, made_in=partnership, made_by=actor.user
    )
    CandidateDismissal.objects.filter(first_id=first, second_id=second).delete()
    audit_record(
        action="link.make",
        actor=actor,
        partnership=partnership,
        target=_profile(profile_id),
        detail={**_detail(owners, first, second), "source": source},
    )
    return link


@transaction.atomic
def link_remove(*, partnership: Partnership, link: ProfileLink, actor: Actor) -> None:
    """Undo a link: by the partnership that made it or an owner of either profile, while it
    still sees both."""
    owners = lock_for(partnership=partnership, profile_ids=[link.first_id, link.second_id])
    allowed = partnership.pk in {link.made_in_id, *owners.values()}
    if not allowed or not pair_visible(
        partnership=partnership, first_id=link.first_id, second_id=link.second_id
    ):
        raise ValidationError("Only the partnership that made this link or an owner can undo it.")
    detail = _detail(owners, link.first_id, link.second_id)
    mine = link.first_id if owners[link.first_id] == partnership.pk else link.second_id
    audit_record(
        action="link.remove",
        actor=actor,
        partnership=partnership,
        target=_profile(mine),
        detail=detail,
    )
    link.delete()


@transaction.atomic
def candidate_dismiss(
    *, partnership: Partnership, profile_id: int, other_id: int, actor: Actor
) -> CandidateDismissal:
    """`partnership` decides two candidates are not the same person: it is not asked again."""
    first, second = ordered(profile_id, other_id)
    owners = lock_for(partnership=partnership, profile_ids=[first, second])
    if not pair_visible(partnership=partnership, first_id=first, second_id=second):
        raise ValidationError(NOT_VISIBLE)
    if ProfileLink.objects.filter(first_id=first, second_id=second).exists():
        raise ValidationError("These two profiles are linked: undo the link first.")
    dismissal, _ = CandidateDismissal.objects.get_or_create(
        partnership=partnership,
        first_id=first,
        second_id=second,
        defaults={"decided_by": actor.user},
    )
    audit_record(
        action="candidate.dismiss",
        actor=actor,
        partnership=partnership,
        target=_profile(profile_id),
        detail=_detail(owners, first, second),
    )
    return dismissal
