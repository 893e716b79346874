"""Reads of bulletins, member groups, acknowledgements and the recipients of the digest and of
reminders, scoped to one partnership (and, for what a member sees and has read, to one person).

A member sees a bulletin that is not withdrawn and is sent to every member (no group) or to a
group they belong to; police see every bulletin not withdrawn; administrators see them all."""

from __future__ import annotations

from datetime import datetime

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce

from bcrp.actors import Action
from bulletins.models import Bulletin, BulletinAcknowledgement, MemberGroup
from partnerships.models import Membership, Partnership, Role


def _targeting(membership: Membership) -> Q:
    """Bulletins sent to every member, or to a group this membership belongs to."""
    sent_to_groups = Exists(Bulletin.groups.through.objects.filter(bulletin=OuterRef("pk")))
    sent_to_theirs = Exists(
        MemberGroup.objects.filter(bulletins=OuterRef("pk"), memberships=membership)
    )
    return ~Q(sent_to_groups) | Q(sent_to_theirs)


def _bulletins_of(membership: Membership) -> QuerySet[Bulletin]:
    bulletins = Bulletin.objects.filter(partnership_id=membership.partnership_id)
    if membership.role == Role.ADMIN:
        return bulletins
    bulletins = bulletins.filter(withdrawn_at=None)
    if membership.role == Role.MEMBER:
        bulletins = bulletins.filter(_targeting(membership))
    return bulletins


def bulletins_visible(*, membership: Membership) -> QuerySet[Bulletin]:
    """The bulletins this person sees, newest first, each with `acknowledged_at`: when this
    person confirmed reading it, or None."""
    return (
        _bulletins_of(membership)
        .select_related("created_by")
        .annotate(
            acknowledged_at=Subquery(
                BulletinAcknowledgement.objects.filter(
                    bulletin=OuterRef("pk"), user_id=membership.user_id
                ).values("acknowledged_at")[:1]
            )
        )
        .order_by("-created_at", "-id")
    )


def bulletins_listed(*, membership: Membership) -> QuerySet[Bulletin]:
    """bulletins_visible for the bulletins page: administrators also see who each is sent to."""
    bulletins = bulletins_visible(membership=membership)
    if membership.role == Role.ADMIN:
        bulletins = bulletins.prefetch_related(
            Prefetch("groups", queryset=MemberGroup.objects.only("id", "name"))
        )
    return bulletins


def bulletin_for(*, membership: Membership, pk: int, action: Action) -> Bulletin | None:
    """One bulletin this person sees, with `acknowledged_at` as in bulletins_visible; changing
    it (editing, withdrawing, reminding) is for administrators."""
    if not membership.may(action):
        return None
    return bulletins_visible(membership=membership).filter(pk=pk).first()


def bulletin_reaches(*, bulletin: Bulletin, membership: Membership) -> bool:
    """Whether this person sees the bulletin now (withdrawn and group-targeted ones aside)."""
    return _bulletins_of(membership).filter(pk=bulletin.pk).exists()


def bulletins_awaiting_acknowledgement(*, membership: Membership) -> QuerySet[Bulletin]:
    """Critical bulletins a member has not yet confirmed reading (none for other roles)."""
    if membership.role != Role.MEMBER:
        return Bulletin.objects.none()
    return (
        _bulletins_of(membership)
        .filter(critical=True)
        .filter(
            ~Exists(
                BulletinAcknowledgement.objects.filter(
                    bulletin=OuterRef("pk"), user_id=membership.user_id
                )
            )
        )
        .only("pk", "title")
        .order_by("-created_at", "-id")
    )


def bulletins_on_member_home(*, membership: Membership, since: datetime) -> QuerySet[Bulletin]:
    """What a member's home shows: every critical bulletin they have not confirmed reading, then
    the other bulletins posted since `since`; each with `awaiting` (to be acknowledged), newest
    first within each."""
    awaiting = Q(critical=True, acknowledged_at=None)
    return (
        bulletins_visible(membership=membership)
        .filter(awaiting | Q(critical=False, created_at__gte=since))
        .annotate(awaiting=ExpressionWrapper(awaiting, output_field=BooleanField()))
        .order_by("-awaiting", "-created_at", "-id")
    )


def acknowledgements_of_bulletin(*, bulletin: Bulletin) -> QuerySet[BulletinAcknowledgement]:
    return BulletinAcknowledgement.objects.select_related("user").filter(bulletin=bulletin)


def memberships_targeted(*, bulletin: Bulletin) -> QuerySet[Membership]:
    """The active members a bulletin is sent to: every member, or those of its groups."""
    memberships = Membership.objects.filter(
        partnership_id=bulletin.partnership_id, role=Role.MEMBER, ended_at=None
    )
    if bulletin.groups.exists():
        memberships = memberships.filter(
            Exists(
                MemberGroup.memberships.through.objects.filter(
                    membership=OuterRef("pk"), membergroup__bulletins=bulletin
                )
            )
        )
    return memberships


def memberships_unacknowledged(*, bulletin: Bulletin) -> QuerySet[Membership]:
    """Active members the bulletin is sent to who have not acknowledged it."""
    return (
        memberships_targeted(bulletin=bulletin)
        .select_related("user", "business")
        .filter(
            ~Exists(
                BulletinAcknowledgement.objects.filter(bulletin=bulletin, user=OuterRef("user"))
            )
        )
        .order_by("user__full_name", "user__email")
    )


def memberships_for_digest(*, partnership: Partnership) -> QuerySet[Membership]:
    return Membership.objects.select_related("user").filter(
        partnership=partnership, role=Role.MEMBER, ended_at=None, user__is_active=True
    )


def bulletins_critical_unacknowledged(*, partnership: Partnership) -> QuerySet[Bulletin]:
    """Critical bulletins, not withdrawn, that some active member they are sent to has not
    confirmed reading, the oldest first, each with `unacknowledged` (how many members) and
    `total` (how many such bulletins)."""
    sent_to_groups = Exists(
        Bulletin.groups.through.objects.filter(bulletin_id=OuterRef(OuterRef("pk")))
    )
    in_its_groups = Exists(
        MemberGroup.memberships.through.objects.filter(
            membership_id=OuterRef("pk"), membergroup__bulletins=OuterRef(OuterRef("pk"))
        )
    )
    waiting = (
        Membership.objects.filter(
            partnership_id=OuterRef("partnership_id"), role=Role.MEMBER, ended_at=None
        )
        .filter(~Q(sent_to_groups) | Q(in_its_groups))
        .filter(
            ~Exists(
                BulletinAcknowledgement.objects.filter(
                    bulletin_id=OuterRef(OuterRef("pk")), user_id=OuterRef("user_id")
                )
            )
        )
        .order_by()
        .values("partnership_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Bulletin.objects.filter(partnership=partnership, critical=True, withdrawn_at=None)
        .annotate(unacknowledged=Coalesce(Subquery(waiting), 0))
        .filter(unacknowledged__gt=0)
        .annotate(total=Window(Count("pk")))
        .only("pk", "title", "created_at")
        .order_by("created_at", "pk")
    )


def member_groups_of(*, partnership: Partnership) -> QuerySet[MemberGroup]:
    """The partnership's member groups by name, each with `member_count`."""
    return (
        MemberGroup.objects.filter(partnership=partnership)
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__ended_at=None), distinct=True)
        )
        .order_by("name", "id")
    )


def member_group_for(*, membership: Membership, pk: int, action: Action) -> MemberGroup | None:
    """One of the partnership's member groups; only administrators manage them."""
    if not membership.may(action):
        return None
    return MemberGroup.objects.filter(partnership_id=membership.partnership_id, pk=pk).first()


def memberships_groupable(*, partnership: Partnership) -> QuerySet[Membership]:
    """The active members (the member role) an administrator may put in a group."""
    return (
        Membership.objects.select_related("user", "business")
        .filter(partnership=partnership, role=Role.MEMBER, ended_at=None)
        .order_by("user__full_name", "user__email")
    )
