"""Writes for bulletins: posting, editing, withdrawing, a member's acknowledgement, reminders to
those who have not acknowledged, member groups, and the weekly members' digest of newly
circulated profiles; each one audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.audit import audit_record
from bcrp.queue import enqueue_on_commit
from bulletins.models import (
    Bulletin,
    BulletinAcknowledgement,
    BulletinDigest,
    BulletinReminder,
    MemberGroup,
)
from bulletins.selectors import (
    bulletin_reaches,
    memberships_for_digest,
    memberships_groupable,
    memberships_unacknowledged,
)
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
    groups: Iterable[MemberGroup] = (),
) -> Bulletin:
    """Post a bulletin to every member, or to the members of `groups` only."""
    groups = list(groups)
    _check_groups(partnership, groups)
    bulletin = Bulletin(
        partnership=partnership,
        title=title.strip(),
        body=body.strip(),
        critical=critical,
        created_by=actor.user,
    )
    bulletin.full_clean()
    bulletin.save()
    bulletin.groups.set(groups)
    audit_record(
        action="bulletin.post",
        actor=actor,
        partnership=partnership,
        target=bulletin,
        detail={"critical": critical, "groups": sorted(group.name for group in groups)},
    )
    return bulletin


def _check_groups(partnership: Partnership, groups: list[MemberGroup]) -> None:
    if any(group.partnership_id != partnership.pk for group in groups):
        raise ValidationError({"groups": "Choose groups of this partnership."})


@transaction.atomic
def bulletin_update(
    *,
    bulletin: Bulletin,
    title: str,
    body: str,
    critical: bool,
    groups: Iterable[MemberGroup],
    actor: Actor,
) -> Bulletin:
    """Change a bulletin's wording, whether it is critical, or who it is sent to; the audit
    record keeps the old and the new of each change (none, when sent back unchanged)."""
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.withdrawn_at is not None:
        raise ValidationError("This bulletin has been withdrawn; post a new one instead.")
    groups = list(groups)
    _check_groups(bulletin.partnership, groups)
    title, body = title.strip(), body.strip()
    old: dict[str, object] = {
        "title": bulletin.title,
        "body": bulletin.body,
        "critical": bulletin.critical,
        "groups": sorted(group.name for group in bulletin.groups.all()),
    }
    new: dict[str, object] = {
        "title": title,
        "body": body,
        "critical": critical,
        "groups": sorted(group.name for group in groups),
    }
    changes = {name: [old[name], new[name]] for name in old if old[name] != new[name]}
    bulletin.title, bulletin.body, bulletin.critical = title, body, critical
    bulletin.full_clean()
    bulletin.save(update_fields=["title", "body", "critical"])
    bulletin.groups.set(groups)
    audit_record(
        action="bulletin.change",
        actor=actor,
        partnership=bulletin.partnership,
        target=bulletin,
        detail={"changes": changes},
    )
    return bulletin


@transaction.atomic
def bulletin_withdraw(*, bulletin: Bulletin, actor: Actor) -> Bulletin:
    """Take a bulletin down: members and police no longer see it; it is kept for the record.
    Withdrawing twice changes nothing."""
    updated = Bulletin.objects.filter(pk=bulletin.pk, withdrawn_at=None).update(
        withdrawn_at=timezone.now(), withdrawn_by=actor.user
    )
    bulletin.refresh_from_db()
    if updated:
        audit_record(
            action="bulletin.withdraw",
            actor=actor,
            partnership=bulletin.partnership,
            target=bulletin,
        )
    return bulletin


@transaction.atomic
def bulletin_remind(*, bulletin: Bulletin, actor: Actor) -> BulletinReminder:
    """Ask the worker to e-mail the members who have not acknowledged a critical bulletin.
    Once a day at most: the day's row is the claim, so a second request (or a double click)
    is refused rather than sending twice."""
    if not bulletin.critical:
        raise ValidationError("Only critical bulletins are acknowledged, so only they remind.")
    if bulletin.withdrawn_at is not None:
        raise ValidationError("This bulletin has been withdrawn.")
    if not memberships_unacknowledged(bulletin=bulletin).exists():
        raise ValidationError("Every member it is sent to has confirmed reading it.")
    try:
        with transaction.atomic():
            reminder = BulletinReminder.objects.create(
                bulletin=bulletin, day=timezone.localdate(), requested_by=actor.user
            )
    except IntegrityError:
        raise ValidationError(
            "The members were already reminded today; you can remind them again tomorrow."
        ) from None
    enqueue_on_commit("bulletins.tasks.bulletin_remind_send", reminder.pk)
    return reminder


def _reminder_message(bulletin: Bulletin) -> str:
    link = f"{settings.SITE_URL.rstrip('/')}/p/{bulletin.partnership.slug}/bulletins/{bulletin.pk}/"
    return (
        f"{bulletin.partnership.name} posted a critical bulletin that you have not yet "
        f"confirmed reading:\n\n{bulletin.title}\n\n"
        f"Please read it and confirm (sign in first):\n{link}\n"
    )


def reminder_send(*, reminder_id: int) -> int:
    """Send a requested reminder unless it was sent already; returns how many went out.

    The row is locked, the messages sent and the row marked in one transaction: a failed send
    is retried whole, and a second run (or a concurrent one) finds it sent and sends nothing.
    """
    with transaction.atomic():
        reminder = (
            BulletinReminder.objects.select_for_update(of=("self",))
            .select_related("bulletin__partnership", "requested_by")
            .filter(pk=reminder_id, sent_at=None)
            .first()
        )
        if reminder is None:
            return 0
        bulletin = reminder.bulletin
        emails = (
            []
            if bulletin.withdrawn_at is not None
            else [
                m.user.email
                for m in memberships_unacknowledged(bulletin=bulletin).filter(user__is_active=True)
            ]
        )
        reminder.sent_at = timezone.now()
        reminder.recipients = len(emails)
        reminder.save(update_fields=["sent_at", "recipients"])
        audit_record(
            action="bulletin.remind",
            actor=Actor(user=reminder.requested_by, partnership=bulletin.partnership),
            partnership=bulletin.partnership,
            target=bulletin,
            detail={"recipients": len(emails), "day": reminder.day.isoformat()},
        )
        subject = f"Please confirm you have read: {bulletin.title}"
        body = _reminder_message(bulletin)
        # One message per person: members never see each other's addresses.
        get_connection().send_messages([EmailMessage(subject, body, None, [e]) for e in emails])
    return len(emails)


@transaction.atomic
def member_group_save(
    *,
    partnership: Partnership,
    group: MemberGroup | None,
    name: str,
    memberships: Iterable[Membership],
    actor: Actor,
) -> MemberGroup:
    """Create a member group (group None) or change its name and members; audited with the
    names before and after."""
    chosen = list(memberships)
    allowed = set(memberships_groupable(partnership=partnership).values_list("pk", flat=True))
    if any(membership.pk not in allowed for membership in chosen):
        raise ValidationError({"memberships": "Choose current members of this partnership."})
    creating = group is None
    if group is None:
        group = MemberGroup(partnership=partnership)
        old_name, old_members = "", []
    else:
        # Read afresh: a form bound to `group` has already written the new name onto it.
        group = MemberGroup.objects.select_for_update().get(pk=group.pk)
        old_name = group.name
        old_members = sorted(str(m.user) for m in group.memberships.select_related("user"))
    group.name = name.strip()
    group.full_clean()
    group.save()
    group.memberships.set(chosen)
    new_members = sorted(str(m.user) for m in chosen)
    changes = {
        key: [old, new]
        for key, old, new in (
            ("name", old_name, group.name),
            ("members", old_members, new_members),
        )
        if old != new
    }
    audit_record(
        action="member_group.create" if creating else "member_group.change",
        actor=actor,
        partnership=partnership,
        target=group,
        detail={"changes": changes},
    )
    return group


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
    if not bulletin_reaches(bulletin=bulletin, membership=membership):
        raise ValidationError("This bulletin is not for you.")
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
