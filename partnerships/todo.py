"""The partnership home's to-do list. The work lives in apps above this one, so each app names
its own sections in a `todo` module (found at start-up, as Django's admin finds `admin.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from django.db.models import QuerySet
from django.utils import timezone

from partnerships.models import Membership

TODO_ITEMS_SHOWN = 10


@dataclass(frozen=True)
class TodoItem:
    text: str
    url: str
    when: str = ""


@dataclass(frozen=True)
class TodoSection:
    title: str
    total: int
    items: list[TodoItem]
    more_url: str = ""

    @property
    def hidden(self) -> int:
        return self.total - len(self.items)


class TodoSource(Protocol):
    def __call__(self, *, membership: Membership, since: datetime) -> TodoSection | None: ...


@dataclass(frozen=True)
class _Registered:
    order: int
    roles: frozenset[str]
    source: TodoSource


_sources: list[_Registered] = []


def todo_source(*, order: int, roles: Iterable[str]) -> Callable[[TodoSource], TodoSource]:
    """Registers a section for the given roles; sections are shown by `order`, most urgent
    first. A source returns None when there is nothing to do."""

    def register(source: TodoSource) -> TodoSource:
        if not any(known.source is source for known in _sources):
            _sources.append(_Registered(order, frozenset(roles), source))
            _sources.sort(key=lambda known: known.order)
        return source

    return register


def todo_section(
    *,
    title: str,
    rows: QuerySet[Any],
    item: Callable[[Any], TodoItem],
    more_url: str = "",
) -> TodoSection | None:
    """A section of the first rows of a selector annotated with `total` (one query); None when
    there are none."""
    shown = list(rows[:TODO_ITEMS_SHOWN])
    if not shown:
        return None
    return TodoSection(
        title=title, total=shown[0].total, items=[item(row) for row in shown], more_url=more_url
    )


def todo_sections(*, membership: Membership, since: datetime) -> list[TodoSection]:
    """The sections with something in them for this person; `since` is when they last looked
    (what police see is what is new since then)."""
    sections = []
    for known in _sources:
        if membership.role in known.roles:
            section = known.source(membership=membership, since=since)
            if section is not None and section.total:
                sections.append(section)
    return sections


def waiting_text(since: date | datetime, today: date | None = None) -> str:
    """How long something has waited, in whole days of UK local time."""
    day = timezone.localdate(since) if isinstance(since, datetime) else since
    days = ((today or timezone.localdate()) - day).days
    if days < 1:
        return "waiting since today"
    return f"waiting {days} day{'' if days == 1 else 's'}"


def days_left_text(day: date, today: date | None = None) -> str:
    days = (day - (today or timezone.localdate())).days
    if days < 0:
        return f"ended {day:%-d %B}"
    if days == 0:
        return "ends today"
    return f"ends in {days} day{'' if days == 1 else 's'} ({day:%-d %B})"
