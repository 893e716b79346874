"""The offenders' part of the partnership home: today's sightings, placements and notices about to
end, appeals and requests from people on notices, the recycle bin, subject access exports to
collect; new ID-sought profiles for police."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from offenders.models import Exclusion, Sighting, SubjectRequest, SubjectRequestKind
from offenders.retention import RECYCLE_DAYS
from offenders.selectors import (
    challenges_open,
    exports_ready_undownloaded,
    notices_appealed_undecided,
    notices_ending,
    placements_awaiting_approval,
    placements_ending,
    profiles_id_sought_since,
    profiles_in_recycle_bin,
    sightings_today,
    subject_requests_open,
)
from partnerships.models import Membership, Role
from partnerships.todo import (
    TodoItem,
    TodoSection,
    days_left_text,
    todo_section,
    todo_source,
    waiting_text,
)


def _notice_text(notice: Exclusion) -> str:
    return f"{notice.get_kind_display()} for {notice.profile}"


def _appeal_text(notice: Exclusion) -> str:
    # The kind in lower case, never the profile's reference and name.
    return f"Appeal against the {notice.get_kind_display().lower()} for {notice.profile}"


@todo_source(order=40, roles=[Role.ADMIN])
def placements_ending_soon(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Gallery placements ending in the next 14 days",
        rows=placements_ending(partnership=membership.partnership),
        item=lambda placement: TodoItem(
            f"{placement.profile} in {placement.gallery.name}",
            reverse("offenders:profile", args=[slug, placement.profile_id]),
            days_left_text(placement.expires_on),
        ),
    )


@todo_source(order=41, roles=[Role.ADMIN])
def notices_ending_soon(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Notices ending in the next 14 days",
        rows=notices_ending(partnership=membership.partnership),
        item=lambda notice: TodoItem(
            _notice_text(notice),
            reverse("offenders:notice", args=[slug, notice.pk]),
            days_left_text(notice.ends_on),
        ),
    )


@todo_source(order=15, roles=[Role.ADMIN])
def appeals_to_decide(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Appeals waiting for a decision",
        rows=notices_appealed_undecided(partnership=membership.partnership),
        item=lambda notice: TodoItem(
            _appeal_text(notice),
            reverse("offenders:notice", args=[slug, notice.pk]),
            waiting_text(notice.appeal_lodged_on) if notice.appeal_lodged_on else "",
        ),
    )


def _due_text(day: date, today: date | None = None) -> str:
    days = (day - (today or timezone.localdate())).days
    if days < 0:
        return f"overdue since {day:%-d %B}"
    if days == 0:
        return "due today"
    return f"due in {days} day{'' if days == 1 else 's'} ({day:%-d %B})"


def _subject_request_text(subject_request: SubjectRequest) -> str:
    notice = subject_request.notice
    if subject_request.kind == SubjectRequestKind.APPEAL:
        return _appeal_text(notice)
    return f"Subject access request from the person on {notice.profile}"


@todo_source(order=12, roles=[Role.ADMIN])
def subject_requests_to_answer(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Requests from people on notices",
        rows=subject_requests_open(partnership=membership.partnership),
        item=lambda subject_request: TodoItem(
            _subject_request_text(subject_request),
            reverse("offenders:subject-request", args=[slug, subject_request.pk]),
            _due_text(subject_request.due_on),
        ),
    )


def _purge_day(archived_at: datetime) -> date:
    return timezone.localdate(archived_at + timedelta(days=RECYCLE_DAYS))


@todo_source(order=50, roles=[Role.ADMIN])
def recycle_bin(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Profiles in the recycle bin",
        rows=profiles_in_recycle_bin(partnership=membership.partnership),
        item=lambda profile: TodoItem(
            f"{profile}: restore it to keep it",
            reverse("offenders:profile", args=[slug, profile.pk]),
            f"deleted for good on {_purge_day(profile.archived_at):%-d %B %Y}",
        ),
    )


@todo_source(order=60, roles=[Role.ADMIN])
def exports_ready(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Subject access exports ready to download",
        rows=exports_ready_undownloaded(partnership=membership.partnership),
        item=lambda export: TodoItem(
            f"Everything held on {export.profile.reference}",
            reverse("offenders:export", args=[slug, export.token]),
            waiting_text(export.completed_at or export.created_at),
        ),
    )


@todo_source(order=20, roles=[Role.POLICE])
def id_sought_new(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="New ID-sought profiles since your last visit",
        rows=profiles_id_sought_since(membership=membership, since=since),
        item=lambda profile: TodoItem(
            f"{profile}"
            + (
                f" ({profile.partnership.name})"
                if profile.partnership_id != membership.partnership_id
                else ""
            ),
            reverse("offenders:profile", args=[slug, profile.pk]),
            f"added {timezone.localtime(profile.created_at):%-d %B %H:%M}",
        ),
    )


def _sighting_text(sighting: Sighting) -> str:
    where = f" at {sighting.premises}" if sighting.premises is not None else ""
    mark = "Possible breach: " if sighting.possible_breach else ""
    return f"{mark}{sighting.profile} seen{where}"


@todo_source(order=5, roles=[Role.ADMIN, Role.POLICE])
def sightings_seen_today(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Sightings today",
        rows=sightings_today(membership=membership),
        item=lambda sighting: TodoItem(
            _sighting_text(sighting),
            reverse("offenders:profile", args=[slug, sighting.profile_id]),
            f"{timezone.localtime(sighting.seen_at):%H:%M}"
            + (f" by {sighting.reported_by}" if sighting.reported_by is not None else ""),
        ),
    )


@todo_source(order=12, roles=[Role.ADMIN])
def challenges_to_decide(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Profiles challenged as inaccurate (out of circulation until decided)",
        rows=challenges_open(partnership=membership.partnership),
        item=lambda challenge: TodoItem(
            f"{challenge.profile}",
            reverse("offenders:profile", args=[slug, challenge.profile_id]),
            waiting_text(challenge.raised_at),
        ),
    )


@todo_source(order=14, roles=[Role.ADMIN])
def placements_to_approve(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Placements waiting for your approval before members see them",
        rows=placements_awaiting_approval(membership=membership),
        item=lambda placement: TodoItem(
            f"{placement.profile} in {placement.gallery.name}",
            reverse("offenders:profile", args=[slug, placement.profile_id]),
            waiting_text(placement.added_at),
        ),
    )
