"""Writes for bulletins: posting, a member's acknowledgement, and the weekly members' digest of
newly circulated profiles; each one audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.audit import audit_record
from bulletins.models import Bulletin, BulletinAcknowledgement, BulletinDigest
from bulletins.selectors import memberships_for_digest
from offenders.models import OffenderProfile
from offenders.selectors import (
    profiles_circulated_excluded_since,
    profiles_circulated_id_sought_since,
)
from partnerships.models import Membership, Partnership, Role

DIGEST_PERIOD = timedelta(days=7)


@transaction.atomic
def bulletin_post(
    *,
    partnership: Partnership,
    title: str,
    body: str,
    critical: bool,
    actor: Actor,
) -> Bulletin:
    bulletin = Bulletin(
        partnership=partnership,
        title=title.strip(),
        body=body.strip(),
        critical=critical,
        created_by=actor.user,
    )
    bulletin.full_clean()
    bulletin.save()
    audit_record(
        action="bulletin.post",
        actor=actor,
        partnership=partnership,
        target=bulletin,
        detail={"critical": critical},
    )
    return bulletin


@transaction.atomic
def bulletin_acknowledge(
    *, bulletin: Bulletin, membership: Membership, actor: Actor
) -> BulletinAcknowledgement:
    """Record that a member has read a critical bulletin. Acknowledging twice changes nothing."""
    if membership.partnership_id != bulletin.partnership_id or membership.ended_at is not None:
        raise ValidationError("This bulletin is not for you.")
    if membership.role != Role.MEMBER:
        raise ValidationError("Only members acknowledge bulletins.")
    if not bulletin.critical:
        raise ValidationError("Only critical bulletins need acknowledging.")
    acknowledgement, created = BulletinAcknowledgement.objects.get_or_create(
        bulletin=bulletin, user_id=membership.user_id
    )
    if created:
        audit_record(
            action="bulletin.acknowledge",
            actor=actor,
            partnership=bulletin.partnership,
            target=bulletin,
        )
    return acknowledgement


def week_starting(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def _digest_message(
    partnership: Partnership, id_sought: list[OffenderProfile], excluded: list[OffenderProfile]
) -> str:
    lines = [f"New this week in {partnership.name}.", ""]
    for heading, profiles in (
        ("ID sought: do you recognise them?", id_sought),
        ("Newly excluded", excluded),
    ):
        if profiles:
            lines += [heading, *(f"- {profile.display_name}" for profile in profiles), ""]
    gallery = f"{settings.SITE_URL.rstrip('/')}/p/{partnership.slug}/gallery/"
    lines += ["Photos and details are in the gallery (sign in first):", gallery, ""]
    return "\n".join(lines)


def digest_send(*, partnership: Partnership, now: datetime | None = None) -> int:
    """E-mail this week's digest to the partnership's members; returns how many went out.

    Nothing new, nobody to tell, or already sent this week: nothing is sent. The week's row is
    claimed and the messages sent in one transaction, so a failed send is retried next run and a
    second run in the same week (or a concurrent one) sends nothing.
    """
    now = now or timezone.now()
    week = week_starting(timezone.localdate(now))
    if BulletinDigest.objects.filter(partnership=partnership, week_starting=week).exists():
        return 0
    since = now - DIGEST_PERIOD
    id_sought = list(profiles_circulated_id_sought_since(partnership=partnership, since=since))
    excluded = list(profiles_circulated_excluded_since(partnership=partnership, since=since))
    if not id_sought and not excluded:
        return 0
    emails = [m.user.email for m in memberships_for_digest(partnership=partnership)]
    if not emails:
        return 0
    body = _digest_message(partnership, id_sought, excluded)
    subject = f"{partnership.name}: this week's ID-sought and excluded people"
    try:
        with transaction.atomic():
            digest = BulletinDigest.objects.create(
                partnership=partnership,
                week_starting=week,
                recipients=len(emails),
                profiles=len({p.pk for p in id_sought + excluded}),
                sent_at=now,
            )
            audit_record(
                action="bulletin.digest_send",
                partnership=partnership,
                target=digest,
                detail={"week_starting": week.isoformat(), "recipients": len(emails)},
            )
            # One message per person: members never see each other's addresses.
            messages = [EmailMessage(subject, body, None, [email]) for email in emails]
            get_connection().send_messages(messages)
    except IntegrityError:
        return 0
    return len(emails)


def digest_send_all(*, now: datetime | None = None) -> int:
    """The weekly digest for every partnership; returns how many messages went out."""
    now = now or timezone.now()
    return sum(
        digest_send(partnership=partnership, now=now)
        for partnership in Partnership.objects.order_by("pk")
    )
