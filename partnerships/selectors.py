"""Reads for partnerships, always scoped to one partnership or to the acting user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from bcrp.models import User
from partnerships.models import (
    Business,
    Invitation,
    Membership,
    Partnership,
    Premises,
    token_hash,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def membership_active(*, user: User | AnonymousUser, slug: str) -> Membership | None:
    if not isinstance(user, User):
        return None
    return (
        Membership.objects.select_related("partnership", "business", "premises")
        .filter(user=user, partnership__slug=slug, ended_at=None)
        .first()
    )


def memberships_of_user(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("partnership")
        .filter(user=user, ended_at=None)
        .order_by("partnership__name")
    )


def roles_of_user(user: User) -> set[str]:
    """The roles a person holds today, across all their partnerships."""
    return set(Membership.objects.filter(user=user, ended_at=None).values_list("role", flat=True))


def memberships_for(partnership: Partnership) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("user", "business", "premises")
        .filter(partnership=partnership, ended_at=None)
        .order_by("role", "user__full_name", "user__email")
    )


def businesses_for(partnership: Partnership) -> QuerySet[Business]:
    return Business.objects.filter(partnership=partnership).order_by("name")


def premises_for(partnership: Partnership) -> QuerySet[Premises]:
    return (
        Premises.objects.select_related("business")
        .filter(business__partnership=partnership)
        .order_by("business__name", "name")
    )


def invitations_open_for(partnership: Partnership) -> QuerySet[Invitation]:
    return Invitation.objects.select_related("business", "invited_by").filter(
        partnership=partnership,
        accepted_at=None,
        revoked_at=None,
        expires_at__gt=timezone.now(),
    )


def invitations_for(partnership: Partnership) -> QuerySet[Invitation]:
    return Invitation.objects.filter(partnership=partnership)


def invitation_by_token(token: str) -> Invitation | None:
    """The open invitation behind a one-time link, or None."""
    invitation = (
        Invitation.objects.select_related("partnership", "business")
        .filter(token_hash=token_hash(token))
        .first()
    )
    return invitation if invitation is not None and invitation.is_open else None
