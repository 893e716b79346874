"""Writes for partnerships: each one transaction that validates, writes and audits."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.audit import audit_record
from bcrp.models import User, address_key
from bcrp.queue import enqueue_on_commit
from partnerships.locks import partnerships_lock
from partnerships.models import (
    API_TOKEN_PREFIX,
    SCOPES_OF_ROLE,
    ApiToken,
    Business,
    Invitation,
    Membership,
    Partnership,
    Premises,
    Role,
    normalise_postcode,
    token_hash,
)


def reference_prefix_for(name: str) -> str:
    """Initials of the name's words, e.g. "Westbridge BCRP" -> "WB"; at most five letters."""
    initials = "".join(word[0] for word in name.split() if word[:1].isalpha()).upper()
    return (initials or "P")[:5]


@transaction.atomic
def partnership_create(
    *,
    name: str,
    slug: str,
    police_force_area: str = "",
    retention_months: int = 12,
    records_perceived_ethnicity: bool = False,
    reference_prefix: str = "",
    actor: Actor | None = None,
) -> Partnership:
    groups = {role: Group.objects.create(name=f"partnership:{slug}:{role}") for role in Role.values}
    partnership = Partnership.objects.create(
        name=name,
        slug=slug,
        reference_prefix=reference_prefix or reference_prefix_for(name),
        police_force_area=police_force_area,
        retention_months=retention_months,
        records_perceived_ethnicity=records_perceived_ethnicity,
        admin_group=groups[Role.ADMIN],
        member_group=groups[Role.MEMBER],
        police_group=groups[Role.POLICE],
    )
    audit_record(
        action="partnership.create", actor=actor, partnership=partnership, target=partnership
    )
    return partnership


def _sync_groups(membership: Membership) -> None:
    """Put the user in exactly the group their membership's role calls for (none if ended)."""
    partnership = membership.partnership
    membership.user.groups.remove(*partnership.groups)
    if membership.ended_at is None:
        membership.user.groups.add(partnership.group_for(membership.role))


def _check_business_and_premises(
    partnership: Partnership, business: Business | None, premises: Premises | None
) -> None:
    if business is not None and business.partnership_id != partnership.pk:
        raise ValidationError({"business": "That business is not in this partnership."})
    if premises is not None:
        if premises.business.partnership_id != partnership.pk:
            raise ValidationError({"premises": "Those premises are not in this partnership."})
        if business is not None and premises.business_id != business.pk:
            raise ValidationError({"premises": "Those premises belong to another business."})


@transaction.atomic
def membership_add(
    *,
    partnership: Partnership,
    user: User,
    role: str,
    business: Business | None = None,
    premises: Premises | None = None,
    actor: Actor | None,
) -> Membership:
    partnerships_lock([partnership.pk])  # who sees the partnership's profiles changes
    _check_business_and_premises(partnership, business, premises)
    if Membership.objects.filter(user=user, partnership=partnership, ended_at=None).exists():
        raise ValidationError("This person already belongs to this partnership.")
    membership = Membership.objects.create(
        user=user, partnership=partnership, role=role, business=business, premises=premises
    )
    _sync_groups(membership)
    audit_record(
        action="membership.add",
        actor=actor,
        partnership=partnership,
        target=membership,
        detail={"user_id": user.pk, "role": role},
    )
    return membership


@transaction.atomic
def membership_change(
    *,
    membership: Membership,
    role: str,
    business: Business | None = None,
    premises: Premises | None = None,
    actor: Actor | None,
) -> Membership:
    partnerships_lock([membership.partnership_id])  # who sees the partnership's profiles changes
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.ended_at is not None:
        raise ValidationError("This membership has ended.")
    _check_business_and_premises(membership.partnership, business, premises)
    old_role = membership.role
    if old_role == Role.ADMIN and role != Role.ADMIN:
        _refuse_removing_last_admin(membership)
    membership.role = role
    membership.business = business
    membership.premises = premises
    membership.save(update_fields=["role", "business", "premises"])
    _sync_groups(membership)
    audit_record(
        action="membership.change",
        actor=actor,
        partnership=membership.partnership,
        target=membership,
        detail={"user_id": membership.user_id, "from_role": old_role, "to_role": role},
    )
    return membership


def _refuse_removing_last_admin(membership: Membership) -> None:
    others = Membership.objects.filter(
        partnership_id=membership.partnership_id, role=Role.ADMIN, ended_at=None
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationError(
            "A partnership needs at least one administrator: appoint another one first."
        )


@transaction.atomic
def membership_end(*, membership: Membership, actor: Actor | None) -> None:
    partnerships_lock([membership.partnership_id])  # who sees the partnership's profiles changes
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.ended_at is not None:
        return
    if membership.role == Role.ADMIN:
        _refuse_removing_last_admin(membership)
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    _sync_groups(membership)
    audit_record(
        action="membership.end",
        actor=actor,
        partnership=membership.partnership,
        target=membership,
        detail={"user_id": membership.user_id, "role": membership.role},
    )


@transaction.atomic
def business_save(*, partnership: Partnership, business: Business, actor: Actor) -> Business:
    created = business.pk is None
    business.partnership = partnership
    business.full_clean()
    business.save()
    audit_record(
        action="business.create" if created else "business.change",
        actor=actor,
        partnership=partnership,
        target=business,
    )
    return business


@transaction.atomic
def premises_save(*, partnership: Partnership, premises: Premises, actor: Actor) -> Premises:
    if premises.business.partnership_id != partnership.pk:
        raise ValidationError({"business": "That business is not in this partnership."})
    created = premises.pk is None
    premises.postcode = normalise_postcode(premises.postcode)
    premises.full_clean()
    premises.save()
    audit_record(
        action="premises.create" if created else "premises.change",
        actor=actor,
        partnership=partnership,
        target=premises,
    )
    return premises


@transaction.atomic
def invitation_create(
    *,
    partnership: Partnership,
    email: str,
    role: str,
    business: Business | None = None,
    premises: Premises | None = None,
    actor: Actor,
) -> tuple[Invitation, str]:
    """Create an invitation and send its e-mail once committed. Returns it and the raw token."""
    _check_business_and_premises(partnership, business, premises)
    email = address_key(email)
    if Membership.objects.filter(
        partnership=partnership, user__email=email, ended_at=None
    ).exists():
        raise ValidationError({"email": "This person already belongs to this partnership."})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        partnership=partnership,
        email=email,
        role=role,
        business=business,
        premises=premises,
        token_hash=token_hash(token),
        invited_by=actor.user,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    audit_record(
        action="invitation.create",
        actor=actor,
        partnership=partnership,
        target=invitation,
        detail={"role": role},
    )
    # The token only ever lives in the message; a sweep cannot resend it, so a lost message
    # means the administrator invites again.
    enqueue_on_commit("partnerships.tasks.invitation_send", invitation.pk, token)
    return invitation, token


@transaction.atomic
def invitation_accept(
    *, token: str, actor: Actor, full_name: str = "", password: str | None = None
) -> Membership:
    """Join the partnership an invitation is for. With a password, the account is made for the
    invited address first; otherwise the signed-in actor joins. All or nothing."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=token_hash(token)).first()
    if invitation is None or not invitation.is_open:
        raise ValidationError("This invitation link has expired or has already been used.")
    if password is not None:
        account = User.objects.create_user(
            email=invitation.email, password=password, full_name=full_name
        )
        actor = replace(actor, user=account)
    user = actor.user
    if user is None:
        raise ValidationError("Sign in to accept this invitation.")
    if invitation.email != user.email.lower():
        raise ValidationError("This invitation was sent to a different e-mail address.")
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership_add(
        partnership=invitation.partnership,
        user=user,
        role=invitation.role,
        business=invitation.business,
        premises=invitation.premises,
        actor=actor,
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Actor) -> None:
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        action="invitation.revoke",
        actor=actor,
        partnership=invitation.partnership,
        target=invitation,
    )


def invitation_send_email(*, invitation_id: int, token: str) -> bool:
    """Send the invitation e-mail unless it was sent already; True when a message went out.

    Sent first and marked after: a crash in between means one duplicate e-mail, never none.
    """
    invitation = (
        Invitation.objects.select_related("partnership", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.sent_at is not None or not invitation.is_open:
        return False
    link = f"{settings.SITE_URL.rstrip('/')}/invite/{token}/"
    inviter = invitation.invited_by.get_full_name() if invitation.invited_by else "An administrator"
    send_mail(
        subject=f"You are invited to {invitation.partnership.name}",
        message=(
            f"{inviter} has invited you to join {invitation.partnership.name} as "
            f"{invitation.get_role_display().lower()}.\n\n"
            f"Open this link to accept (it works once, until "
            f"{timezone.localtime(invitation.expires_at):%d %B %Y %H:%M}):\n{link}\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )
    Invitation.objects.filter(pk=invitation.pk, sent_at=None).update(sent_at=timezone.now())
    return True


API_TOKEN_MAX_DAYS = 366
# A token's last use is written at most this often: a busy system does not write on every read.
API_TOKEN_SEEN_EVERY = timedelta(minutes=1)


@transaction.atomic
def api_token_create(
    *,
    membership: Membership,
    name: str,
    scopes: list[str],
    expires_at: datetime,
    actor: Actor,
) -> tuple[ApiToken, str]:
    """A new token acting as `membership` with `scopes`; returns it and its secret, which is
    shown once and never stored."""
    if actor.user is None or membership.user_id != actor.user.pk or membership.ended_at:
        raise ValidationError("A token can only be made for one of your own memberships.")
    refused = sorted(set(scopes) - SCOPES_OF_ROLE[membership.role])
    if refused:
        raise ValidationError(
            f"Your role in {membership.partnership} cannot give a token: {', '.join(refused)}."
        )
    if not scopes:
        raise ValidationError("Choose at least one thing the token may do.")
    now = timezone.now()
    if expires_at <= now or expires_at > now + timedelta(days=API_TOKEN_MAX_DAYS):
        raise ValidationError(
            f"A token must expire within {API_TOKEN_MAX_DAYS} days, and not in the past."
        )
    body = secrets.token_urlsafe(32)
    secret = f"{API_TOKEN_PREFIX}{body}"
    token = ApiToken.objects.create(
        membership=membership,
        name=name,
        prefix=secret[: len(API_TOKEN_PREFIX) + 6],
        secret_hash=token_hash(secret),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    audit_record(
        action="api_token.create",
        actor=replace(actor, partnership=membership.partnership),
        target=token,
        detail={"name": name, "scopes": token.scopes, "expires_at": expires_at.isoformat()},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Actor) -> None:
    """Ends a token at once; a revoked token is kept for the record."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    if updated:
        audit_record(
            action="api_token.revoke",
            actor=replace(actor, partnership=token.membership.partnership),
            target=token,
            detail={"name": token.name},
        )


def api_token_used(*, token: ApiToken) -> None:
    """Notes the time of a token's use; at most one write a minute per token."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > API_TOKEN_SEEN_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def membership_home_visit(*, membership: Membership) -> datetime | None:
    """Note that the person opened the partnership home now; return when they last did
    (None on a first visit). Bookkeeping for "new since your last visit", not audited."""
    previous = membership.home_seen_at
    now = timezone.now()
    Membership.objects.filter(pk=membership.pk).update(home_seen_at=now)
    membership.home_seen_at = now
    return previous


# Changing these is noted in the audit trail with the old and the new value.
PARTNERSHIP_SETTINGS = (
    "name",
    "police_force_area",
    "notice_contact_phone",
    "notice_contact_email",
    "postal_address",
    "appeal_instructions",
    "warning_months",
    "exclusion_months",
    "escalate_repeat_warnings",
    "appeal_decision_days",
    "retention_months",
    "records_perceived_ethnicity",
    "member_session_hours",
    "second_approval_to_circulate",
)


@transaction.atomic
def partnership_settings_change(
    *,
    partnership: Partnership,
    values: dict[str, object],
    actor: Actor,
    other_changes: dict[str, list[object]] | None = None,
) -> dict[str, list[object]]:
    """Set the scheme's settings; one `partnership.settings_change` event lists each change as
    [old, new] (with `other_changes`, made by the caller in the same transaction), and nothing
    is recorded when nothing changed. Returns the changes."""
    unknown = set(values) - set(PARTNERSHIP_SETTINGS)
    if unknown:
        raise ValidationError(f"Not a partnership setting: {', '.join(sorted(unknown))}.")
    current = Partnership.objects.select_for_update().get(pk=partnership.pk)
    changes: dict[str, list[object]] = {
        field: [getattr(current, field), value]
        for field, value in values.items()
        if getattr(current, field) != value
    }
    for field, (_old, new) in changes.items():
        setattr(current, field, new)
    if changes:
        current.full_clean(validate_unique=True)
        current.save(update_fields=list(changes))
    for field in changes:
        setattr(partnership, field, getattr(current, field))
    changes.update(other_changes or {})
    if changes:
        audit_record(
            action="partnership.settings_change",
            actor=actor,
            partnership=partnership,
            target=partnership,
            detail=changes,
        )
        # The scheme's data protection documents are written from these settings.
        enqueue_on_commit("sharing.documents.documents_refresh_task", partnership.pk)
    return changes
