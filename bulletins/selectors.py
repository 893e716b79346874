"""Reads of bulletins, their acknowledgements and the digest's recipients, scoped to one
partnership (and, for what a member has read, to one person)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce

from bcrp.actors import Action
from bulletins.models import Bulletin, BulletinAcknowledgement
from partnerships.models import Membership, Partnership, Role


def bulletins_visible(*, membership: Membership) -> QuerySet[Bulletin]:
    """The partnership's bulletins, newest first, each with `acknowledged_at`: when this
    person confirmed reading it, or None."""
    return (
        Bulletin.objects.select_related("created_by")
        .filter(partnership_id=membership.partnership_id)
        .annotate(
            acknowledged_at=Subquery(
                BulletinAcknowledgement.objects.filter(
                    bulletin=OuterRef("pk"), user_id=membership.user_id
                ).values("acknowledged_at")[:1]
            )
        )
        .order_by("-created_at", "-id")
    )


def bulletin_for(*, membership: Membership, pk: int, action: Action) -> Bulletin | None:
    """One of the partnership's bulletins, with `acknowledged_at` as in bulletins_visible;
    everyone in the partnership reads them."""
    if not membership.may(action):
        return None
    return bulletins_visible(membership=membership).filter(pk=pk).first()


def bulletins_awaiting_acknowledgement(*, membership: Membership) -> QuerySet[Bulletin]:
    """Critical bulletins a member has not yet confirmed reading (none for other roles)."""
    if membership.role != Role.MEMBER:
        return Bulletin.objects.none()
    return (
        Bulletin.objects.filter(partnership_id=membership.partnership_id, critical=True)
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


def acknowledgements_of_bulletin(*, bulletin: Bulletin) -> QuerySet[BulletinAcknowledgement]:
    return BulletinAcknowledgement.objects.select_related("user").filter(bulletin=bulletin)


def memberships_unacknowledged(*, bulletin: Bulletin) -> QuerySet[Membership]:
    """Active members (the member role) of the bulletin's partnership who have not
    acknowledged it."""
    return (
        Membership.objects.select_related("user", "business")
        .filter(partnership_id=bulletin.partnership_id, role=Role.MEMBER, ended_at=None)
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
    """Critical bulletins some active member has not confirmed reading, the oldest first, each
    with `unacknowledged` (how many members) and `total` (how many such bulletins)."""
    waiting = (
        Membership.objects.filter(
            partnership_id=OuterRef("partnership_id"), role=Role.MEMBER, ended_at=None
        )
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
        Bulletin.objects.filter(partnership=partnership, critical=True)
        .annotate(unacknowledged=Coalesce(Subquery(waiting), 0))
        .filter(unacknowledged__gt=0)
        .annotate(total=Window(Count("pk")))
        .only("pk", "title", "created_at")
        .order_by("created_at", "pk")
    )
