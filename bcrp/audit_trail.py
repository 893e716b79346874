"""Reading one partnership's audit trail: filtered, newest first, in keyset pages (a page is
found from the last row of the one before, so page 200 costs what page 1 costs)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import F, QuerySet, Value
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone

from bcrp.api.pagination import Row, cursor_at
from bcrp.audit_phrases import annotate_names, audit_sentence
from bcrp.models import AuditEvent

AUDIT_PAGE_SIZE = 50
EXPORT_CHUNK = 2000


class BadCursor(ValueError):
    """A cursor this list never gave out."""


@dataclass(frozen=True)
class AuditFilters:
    actor_id: int | None = None
    action: str = ""
    object_type: str = ""
    # The records' ids as text (the trail keeps ids as text); a query of them, or a list.
    object_ids: QuerySet[Any, Any] | list[str] | None = None
    since: date | None = None
    until: date | None = None


@dataclass
class AuditLine:
    event: AuditEvent
    sentence: str


@dataclass
class AuditPage:
    lines: list[AuditLine] = field(default_factory=list)
    older: str | None = None
    newer: str | None = None


def audit_events_of_partnership(
    *, partnership_id: int, filters: AuditFilters
) -> QuerySet[AuditEvent]:
    """This partnership's own events, never a peer's about the same record: each partnership is
    the controller of its own trail."""
    events = AuditEvent.objects.filter(partnership_id=partnership_id)
    if filters.actor_id is not None:
        events = events.filter(actor_id=filters.actor_id)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_ids is not None:
        events = events.filter(object_id__in=filters.object_ids)
    zone = timezone.get_current_timezone()
    if filters.since is not None:
        events = events.filter(created_at__gte=datetime.combine(filters.since, time(), zone))
    if filters.until is not None:
        end = datetime.combine(filters.until + timedelta(days=1), time(), zone)
        events = events.filter(created_at__lt=end)
    return events


def _cursor_read(raw: str) -> tuple[bool, datetime, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode((raw + "=" * (-len(raw) % 4)).encode("ascii")))
        created = datetime.fromisoformat(data["k"][0])
        pk = int(data["k"][1])
        backwards = bool(data["b"])
    except (ValueError, KeyError, TypeError, IndexError, UnicodeError, binascii.Error) as error:
        raise BadCursor(raw) from error
    if created.tzinfo is None or len(data["k"]) != 2:
        raise BadCursor(raw)
    return backwards, created, pk


def _named(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    return annotate_names(events.select_related("actor"))


def _line(event: AuditEvent) -> AuditLine:
    actor = event.actor
    sentence = audit_sentence(
        event,
        object_name=getattr(event, "object_name", "") or "",
        partner_name=getattr(event, "partner_name", "") or "",
        actor_name=str(actor) if actor is not None else "",
    )
    return AuditLine(event=event, sentence=sentence)


def audit_page(
    events: QuerySet[AuditEvent], *, cursor: str = "", size: int = AUDIT_PAGE_SIZE
) -> AuditPage:
    """One page of `events` newest first, from a cursor one of its pages gave out (or the first
    page). Raises BadCursor for anything else."""
    key = Row(F("created_at"), F("id"))
    backwards = False
    if cursor:
        backwards, created, pk = _cursor_read(cursor)
        position = Row(Value(created), Value(pk))
        events = events.filter(GreaterThan(key, position) if backwards else LessThan(key, position))
    order = ("created_at", "id") if backwards else ("-created_at", "-id")
    rows = list(_named(events).order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    page = AuditPage(lines=[_line(event) for event in rows])
    if rows:
        if more or backwards:
            page.older = cursor_at([rows[-1].created_at, rows[-1].pk])
        if (more and backwards) or (cursor and not backwards):
            page.newer = cursor_at([rows[0].created_at, rows[0].pk], backwards=True)
    return page


def audit_lines_all(events: QuerySet[AuditEvent]) -> Iterator[AuditLine]:
    """Every event newest first, read in keyset chunks so that a million never sit in memory."""
    page = audit_page(events, size=EXPORT_CHUNK)
    while True:
        yield from page.lines
        if page.older is None:
            return
        page = audit_page(events, cursor=page.older, size=EXPORT_CHUNK)
