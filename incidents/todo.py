"""The incidents' part of the partnership home: reports to review, new reports for the police,
evidence packs ready to download."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from incidents.models import EvidencePack, Incident
from incidents.selectors import (
    incidents_awaiting_review,
    incidents_reported_since,
    packs_ready_undownloaded,
)
from incidents.travelling import excluded_incidents_elsewhere
from partnerships.models import Membership, Role
from partnerships.todo import (
    TodoItem,
    TodoSection,
    todo_section,
    todo_source,
    waiting_text,
)


def _incident_text(incident: Incident) -> str:
    where = f" at {incident.premises.name}" if incident.premises else ""
    day = timezone.localtime(incident.occurred_at)
    return f"{incident.get_category_display()}{where}, {day:%-d %B %Y}"


def _pack_subject(pack: EvidencePack) -> str:
    if pack.profile is not None:
        return pack.profile.reference
    assert pack.incident is not None
    return _incident_text(pack.incident)


@todo_source(order=10, roles=[Role.ADMIN])
def incidents_to_review(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Incidents waiting for review",
        rows=incidents_awaiting_review(partnership=membership.partnership),
        item=lambda incident: TodoItem(
            _incident_text(incident),
            reverse("incidents:detail", args=[slug, incident.pk]),
            waiting_text(incident.created_at),
        ),
        more_url=f"{reverse('incidents:list', args=[slug])}?status=submitted",
    )


@todo_source(order=10, roles=[Role.POLICE])
def incidents_new(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="New incidents since your last visit",
        rows=incidents_reported_since(membership=membership, since=since),
        item=lambda incident: TodoItem(
            _incident_text(incident),
            reverse("incidents:detail", args=[slug, incident.pk]),
            f"reported {timezone.localtime(incident.created_at):%-d %B %H:%M}",
        ),
        more_url=reverse("incidents:list", args=[slug]),
    )


@todo_source(order=80, roles=[Role.ADMIN])
def packs_ready(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Evidence packs ready to download",
        rows=packs_ready_undownloaded(partnership=membership.partnership),
        item=lambda pack: TodoItem(
            f"Evidence pack of {_pack_subject(pack)}",
            reverse("incidents:pack", args=[slug, pack.token]),
            waiting_text(pack.completed_at or pack.created_at),
        ),
    )


@todo_source(order=15, roles=[Role.ADMIN])
def excluded_seen_elsewhere(*, membership: Membership, since: datetime) -> TodoSection | None:
    slug = membership.partnership.slug
    return todo_section(
        title="Excluded people with a new incident in a peer's area",
        rows=excluded_incidents_elsewhere(membership=membership),
        item=lambda row: TodoItem(
            f"{row.ours_reference} (excluded here): new incident in "
            f"{row.incident.partnership.name}'s area",
            reverse("offenders:profile", args=[slug, row.ours_pk]),
            f"{timezone.localtime(row.incident.occurred_at):%-d %B}",
        ),
        more_url=reverse("intelligence:travelling", args=[slug]),
    )
