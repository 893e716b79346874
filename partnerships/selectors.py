"""Reads for partnerships, always scoped to one partnership or to the acting user.

Names: `<noun>_for(*, membership, pk|token, action)` is the one record a person acts on, or None
(what the tenant pages resolve their record with); `<nouns>_<qualifier>(*, ...)` is a list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from bcrp.actors import Action
from bcrp.models import User
from bcrp.prepared import PreparedQuery
from partnerships.models import (
    ApiToken,
    Business,
    Invitation,
    Membership,
    Partnership,
    Premises,
    Role,
    token_hash,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def membership_active(*, user: User | AnonymousUser, slug: str) -> Membership | None:
    if not isinstance(user, User):
        return None
    found = _MEMBERSHIP_ACTIVE.objects(user=user, slug=slug)
    return found[0] if found else None


def _membership_active(*, user: User, slug: str) -> QuerySet[Membership]:
    # The partnership only: every page under /p/ asks this first, and a member's business and
    # premises, which few pages print, doubled what building and planning the query cost.
    return (
        Membership.objects.select_related("partnership")
        .filter(user=user, partnership__slug=slug, ended_at=None)
        .order_by("pk")[:1]
    )


# Every page under /p/ asks it first: compiled once, not per request (bcrp.prepared).
_MEMBERSHIP_ACTIVE: PreparedQuery[Membership] = PreparedQuery(
    _membership_active, user=User, slug=str
)


def memberships_of_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("partnership")
        .filter(user=user, ended_at=None)
        .order_by("partnership__name")
    )


def _memberships_in_menu(*, user: User) -> QuerySet[Membership]:
    # The switcher and the dashboard print these few columns: the partnership's two dozen
    # others were read and built on every page.
    return memberships_of_user(user=user).only(
        "id",
        "role",
        "partnership_id",
        "partnership__slug",
        "partnership__name",
        "partnership__police_force_area",
    )


_MEMBERSHIPS_IN_MENU: PreparedQuery[Membership] = PreparedQuery(_memberships_in_menu, user=User)


def memberships_in_menu(*, user: User) -> list[Membership]:
    """The person's partnerships as the switcher and the dashboard list them (a few columns,
    by name), in one query compiled once per process."""
    return _MEMBERSHIPS_IN_MENU.objects(user=user)


def roles_of_user(*, user: User) -> set[str]:
    """The roles a person holds today, across all their partnerships."""
    return set(Membership.objects.filter(user=user, ended_at=None).values_list("role", flat=True))


def memberships_of_partnership(*, partnership: Partnership) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("user", "business", "premises")
        .filter(partnership=partnership, ended_at=None)
        .order_by("role", "user__full_name", "user__email")
    )


def membership_for(*, membership: Membership, pk: int, action: Action) -> Membership | None:
    """An active membership of this partnership: only administrators see or change who belongs."""
    if membership.role != Role.ADMIN:
        return None
    return memberships_of_partnership(partnership=membership.partnership).filter(pk=pk).first()


def businesses_of_partnership(*, partnership: Partnership) -> QuerySet[Business]:
    return Business.objects.filter(partnership=partnership).order_by("name")


def business_for(*, membership: Membership, pk: int, action: Action) -> Business | None:
    if not membership.may(action):
        return None
    return businesses_of_partnership(partnership=membership.partnership).filter(pk=pk).first()


def premises_of_partnership(*, partnership: Partnership) -> QuerySet[Premises]:
    return (
        Premises.objects.select_related("business")
        .filter(business__partnership=partnership)
        .order_by("business__name", "name")
    )


def premises_for(*, membership: Membership, pk: int, action: Action) -> Premises | None:
    if not membership.may(action):
        return None
    return premises_of_partnership(partnership=membership.partnership).filter(pk=pk).first()


def invitations_open(*, partnership: Partnership) -> QuerySet[Invitation]:
    return Invitation.objects.select_related("business", "invited_by").filter(
        partnership=partnership,
        accepted_at=None,
        revoked_at=None,
        expires_at__gt=timezone.now(),
    )


def invitation_for(*, membership: Membership, pk: int, action: Action) -> Invitation | None:
    """Any invitation of this partnership (open or not): administrators' business only."""
    if membership.role != Role.ADMIN:
        return None
    return Invitation.objects.filter(partnership=membership.partnership_id, pk=pk).first()


def invitation_by_token(*, token: str) -> Invitation | None:
    """The open invitation behind a one-time link, or None."""
    invitation = (
        Invitation.objects.select_related("partnership", "business")
        .filter(token_hash=token_hash(token))
        .first()
    )
    return invitation if invitation is not None and invitation.is_open else None


def user_of_invitation(*, invitation: Invitation) -> User | None:
    """The account that already has the invited address, if any."""
    return User.objects.filter(email=invitation.email).first()


def api_tokens_of_user(*, user: User) -> QuerySet[ApiToken]:
    """A person's tokens, newest first, in use or not (the page shows them all)."""
    return ApiToken.objects.select_related("membership__partnership").filter(membership__user=user)


def api_token_of_user(*, user: User, pk: int) -> ApiToken | None:
    return api_tokens_of_user(user=user).filter(pk=pk).first()


def api_token_by_secret(*, secret: str) -> ApiToken | None:
    """The token a request presents, with what deciding on it needs; None if unknown."""
    return (
        ApiToken.objects.select_related("membership__partnership", "membership__user")
        .filter(secret_hash=token_hash(secret))
        .first()
    )


def member_session_hours_of_user(*, user: User) -> int | None:
    """The shortest members' sign-in length among the partnerships where the person is a
    member today (None if they are a member nowhere): a shared till follows the strictest."""
    hours: int | None = (
        Membership.objects.filter(user=user, role=Role.MEMBER, ended_at=None)
        .order_by("partnership__member_session_hours")
        .values_list("partnership__member_session_hours", flat=True)
        .first()
    )
    return hours


def people_of_partnership_ever(*, partnership: Partnership) -> QuerySet[User]:
    """Everyone who holds or held a role here, by name: the audit trail outlives memberships."""
    return (
        User.objects.filter(memberships__partnership=partnership)
        .distinct()
        .order_by("full_name", "email")
    )
