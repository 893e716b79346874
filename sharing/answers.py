"""Answers to ID-sought profiles ("we know this person"): the writes.

A peer's administrator or officer answers an ID-sought profile it sees with one of its own
profiles; the owner's administrators confirm (which links the two) or decline. Each write takes
the sharing lock of both partnerships first, like the link writes, so an answer is never made
or decided across an agreement that a revoke has just ended.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.audit import audit_record
from bcrp.queue import enqueue_on_commit
from partnerships.models import Membership, Role
from sharing.links import NOT_VISIBLE, Profile, link_make, lock_for, ordered, pair_visible
from sharing.models import AnswerStatus, IdentityAnswer, LinkSource, ProfileLink

# offenders.models.ProfileStatus.ID_SOUGHT: offenders sits above this module.
ID_SOUGHT = "id_sought"
ANSWERING_ROLES = frozenset({Role.ADMIN, Role.POLICE})


def _detail(answer: IdentityAnswer, owners: dict[int, int]) -> dict[str, object]:
    return {
        "answer_id": answer.pk,
        "profile_ids": [answer.sought_id, answer.known_id],
        "partner_ids": sorted({owners[answer.sought_id], owners[answer.known_id]}),
    }


@transaction.atomic
def answer_give(
    *, membership: Membership, sought_id: int, known_id: int, note: str, actor: Actor
) -> IdentityAnswer:
    """`membership`'s partnership tells the owner of an ID-sought profile that one of its own
    profiles is that person; the owner's administrators are e-mailed once it is stored."""
    partnership = membership.partnership
    if membership.role not in ANSWERING_ROLES:
        raise ValidationError("Only administrators and police officers answer for a partnership.")
    ordered(sought_id, known_id)
    owners = lock_for(partnership=partnership, profile_ids=[sought_id, known_id])
    if owners[sought_id] == partnership.pk or owners[known_id] != partnership.pk:
        raise ValidationError("Answer a peer's ID-sought profile with one of your own profiles.")
    if not pair_visible(partnership=partnership, first_id=sought_id, second_id=known_id):
        raise ValidationError(NOT_VISIBLE)
    status = Profile._default_manager.filter(pk=sought_id).values_list("status", flat=True).get()
    if status != ID_SOUGHT:
        raise ValidationError(
            "Only an ID-sought profile can be answered: its owner already knows who this is."
        )
    if IdentityAnswer.objects.filter(sought_id=sought_id, known_id=known_id).exists():
        raise ValidationError("You have already answered with this profile.")
    first, second = ordered(sought_id, known_id)
    if ProfileLink.objects.filter(first_id=first, second_id=second).exists():
        raise ValidationError("These two profiles are already linked.")
    answer = IdentityAnswer.objects.create(
        sought_id=sought_id,
        known_id=known_id,
        answered_in=partnership,
        answered_by=actor.user,
        note=note,
    )
    audit_record(
        action="answer.give",
        actor=actor,
        partnership=partnership,
        target=Profile(pk=known_id),
        detail=_detail(answer, owners),
    )
    enqueue_on_commit("sharing.tasks.answer_notify", answer.pk)
    return answer


@transaction.atomic
def answer_decide(
    *, membership: Membership, answer_id: int, confirm: bool, actor: Actor
) -> IdentityAnswer:
    """The owner's administrator confirms an answer (the two profiles are linked in the same
    transaction) or declines it. Decided once."""
    partnership = membership.partnership
    found = IdentityAnswer.objects.filter(pk=answer_id).values("sought_id", "known_id").first()
    if found is None:
        raise ValidationError("This answer no longer exists.")
    owners = lock_for(partnership=partnership, profile_ids=[found["sought_id"], found["known_id"]])
    answer = IdentityAnswer.objects.select_for_update().get(pk=answer_id)
    if owners[answer.sought_id] != partnership.pk or membership.role != Role.ADMIN:
        raise ValidationError(
            "Only the administrators of the partnership seeking this person decide."
        )
    if answer.status != AnswerStatus.WAITING:
        raise ValidationError(f"This answer was already {answer.get_status_display().lower()}.")
    if not pair_visible(
        partnership=partnership, first_id=answer.sought_id, second_id=answer.known_id
    ):
        raise ValidationError(NOT_VISIBLE)
    if confirm:
        first, second = ordered(answer.sought_id, answer.known_id)
        if not ProfileLink.objects.filter(first_id=first, second_id=second).exists():
            link_make(
                partnership=partnership,
                profile_id=answer.sought_id,
                other_id=answer.known_id,
                source=LinkSource.ANSWER,
                actor=actor,
            )
    answer.status = AnswerStatus.CONFIRMED if confirm else AnswerStatus.DECLINED
    answer.decided_by = actor.user
    answer.decided_at = timezone.now()
    answer.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        action="answer.confirm" if confirm else "answer.decline",
        actor=actor,
        partnership=partnership,
        target=Profile(pk=answer.sought_id),
        detail=_detail(answer, owners),
    )
    return answer
