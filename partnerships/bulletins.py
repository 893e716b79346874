"""Bulletins: alerts administrators post to their partnership, the acknowledgements critical ones
need, and the weekly members' digest of newly circulated profiles. Selectors first, then services.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from bcrp.audit import audit_record
from offenders.models import Exclusion, NoticeKind, NoticeStatus, OffenderProfile, ProfileStatus
from offenders.selectors import circulated_q
from partnerships.models import (
    Bulletin,
    BulletinAcknowledgement,
    BulletinDigest,
    Membership,
    Partnership,
    Role,
)

if TYPE_CHECKING:
    from bcrp.models import User

DIGEST_PERIOD = timedelta(days=7)


# Selectors


def bulletins_for(membership: Membership) -> QuerySet[Bulletin]:
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


def bulletins_awaiting_acknowledgement(membership: Membership) -> QuerySet[Bulletin]:
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


def bulletin_acknowledgements(bulletin: Bulletin) -> QuerySet[BulletinAcknowledgement]:
    return BulletinAcknowledgement.objects.select_related("user").filter(bulletin=bulletin)


def bulletin_unacknowledged_members(bulletin: Bulletin) -> QuerySet[Membership]:
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


def digest_recipients(partnership: Partnership) -> QuerySet[Membership]:
    return Membership.objects.select_related("user").filter(
        partnership=partnership, role=Role.MEMBER, ended_at=None, user__is_active=True
    )


def _digest_profiles(partnership: Partnership) -> QuerySet[OffenderProfile]:
    # Names only: nothing else a member may not see at the till is even loaded.
    return (
        OffenderProfile.objects.filter(circulated_q(partnership))
        .only("pk", "first_name", "last_name")
        .order_by("last_name", "first_name", "pk")
    )


def digest_id_sought(partnership: Partnership, *, since: datetime) -> QuerySet[OffenderProfile]:
    """Circulated profiles added as ID sought since `since`."""
    return _digest_profiles(partnership).filter(
        status=ProfileStatus.ID_SOUGHT, created_at__gte=since
    )


def digest_excluded(partnership: Partnership, *, since: datetime) -> QuerySet[OffenderProfile]:
    """Circulated profiles served an exclusion notice (still in force) since `since`."""
    return _digest_profiles(partnership).filter(
        Exists(
            Exclusion.objects.filter(
                profile=OuterRef("pk"),
                kind=NoticeKind.EXCLUSION,
                status=NoticeStatus.ACTIVE,
                created_at__gte=since,
            )
        )
    )


# Services


@transaction.atomic
def bulletin_post(
    *,
    partnership: Partnership,
    title: str,
    body: str,
    critical: bool,
    actor: User,
    ip: str | None = None,
) -> Bulletin:
    bulletin = Bulletin(
        partnership=partnership,
        title=title.strip(),
        body=body.strip(),
        critical=critical,
        created_by=actor,
    )
    bulletin.full_clean()
    bulletin.save()
    audit_record(
        action="bulletin.post",
        actor=actor,
        partnership=partnership,
        target=bulletin,
        ip=ip,
        detail={"critical": critical},
    )
    return bulletin


@transaction.atomic
def bulletin_acknowledge(
    *, bulletin: Bulletin, membership: Membership, ip: str | None = None
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
            actor=membership.user,
            partnership=bulletin.partnership,
            target=bulletin,
            ip=ip,
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
    id_sought = list(digest_id_sought(partnership, since=since))
    excluded = list(digest_excluded(partnership, since=since))
    if not id_sought and not excluded:
        return 0
    emails = [m.user.email for m in digest_recipients(partnership)]
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
