"""Keyset pages for server-rendered lists: a page is found from the row the one before ended on,
never by counting past the rows before it, so the fiftieth page costs what the first costs."""

from __future__ import annotations

import binascii
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Expression, F, QuerySet, Value
from django.db.models.lookups import GreaterThan, LessThan

from bcrp.api.pagination import Row, cursor_decode, cursor_encode, field_at

# PostgreSQL's bigint: a larger id in a cursor is refused before it reaches the database.
ID_MAX = 2**63 - 1


class BadCursor(ValueError):
    """A cursor this list never gave out (edited, cut short, or from another sort order)."""


@dataclass(frozen=True)
class SortKey:
    """One column of a sort order: a field path, its direction, and optionally the expression
    the query sorts by instead of the plain column (to steer the planner)."""

    path: str
    descending: bool = False
    column: Expression | None = None


@dataclass
class KeysetPage:
    rows: list[Any] = field(default_factory=list)
    next_cursor: str | None = None
    previous_cursor: str | None = None


def _columns(keys: list[SortKey]) -> list[Any]:
    return [key.column if key.column is not None else F(key.path) for key in keys]


def _value_of(row: Any, path: str) -> Any:
    if isinstance(row, tuple):
        # A named values_list() row holds each path under its own name.
        return getattr(row, path)
    value = row
    for part in path.split("__"):
        value = getattr(value, part)
    return value


def cursor_make(order: str, values: list[Any], *, backwards: bool = False) -> str:
    """The cursor of the page after (backwards: before) the row with these key values."""
    return cursor_encode({"o": order, "k": values, "b": backwards})


def _position_check(value: Any, model_field: models.Field[Any, Any]) -> Any:
    # Each value is checked here so that nothing a person can type reaches PostgreSQL as a
    # value it refuses (a NUL byte, a number past bigint, a time with no zone).
    if isinstance(model_field, models.DateTimeField):
        if not isinstance(value, str):
            raise BadCursor("time")
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise BadCursor("time without zone")
        return moment
    if isinstance(model_field, models.IntegerField):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= ID_MAX:
            raise BadCursor("id")
        return value
    if not isinstance(value, str) or "\x00" in value or len(value) > 1000:
        raise BadCursor("text")
    return model_field.to_python(value)


def cursor_read(
    raw: str, *, order: str, fields: list[models.Field[Any, Any]]
) -> tuple[bool, list[Any]]:
    """The direction and key values of a cursor `cursor_make` gave out for this sort order."""
    try:
        data = cursor_decode(raw)
        if not isinstance(data, dict) or data.get("o") != order:
            raise BadCursor(raw)
        values = data["k"]
        if not isinstance(values, list) or len(values) != len(fields):
            raise BadCursor(raw)
        position = [
            _position_check(value, model_field)
            for value, model_field in zip(values, fields, strict=True)
        ]
        return bool(data["b"]), position
    except BadCursor:
        raise
    except (
        ValueError,
        KeyError,
        TypeError,
        UnicodeError,
        binascii.Error,
        ValidationError,
        RecursionError,
    ) as e:
        raise BadCursor(raw) from e


def keyset_page(
    queryset: QuerySet[Any], *, order: str, keys: list[SortKey], cursor: str = "", size: int
) -> KeysetPage:
    """One page of `queryset` sorted by `keys` (all one direction, the last unique), from a
    cursor one of its pages gave out for sort order `order`, or the first page. Raises BadCursor
    for anything else."""
    if len({key.descending for key in keys}) != 1:
        raise TypeError("Keyset pages need every sort key in one direction.")
    fields = [field_at(queryset.model, key.path) for key in keys]
    columns = _columns(keys)
    backwards = False
    if cursor:
        backwards, position = cursor_read(cursor, order=order, fields=fields)
        values = [
            Value(value, output_field=model_field)
            for value, model_field in zip(position, fields, strict=True)
        ]
        past = LessThan if keys[0].descending != backwards else GreaterThan
        queryset = queryset.filter(past(Row(*columns), Row(*values)))
    descending = keys[0].descending != backwards
    ordering = [column.desc() if descending else column.asc() for column in columns]
    rows = list(queryset.order_by(*ordering)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    page = KeysetPage(rows=rows)
    if rows:
        if more or backwards:
            page.next_cursor = cursor_make(order, [_value_of(rows[-1], k.path) for k in keys])
        if (more and backwards) or (cursor and not backwards):
            page.previous_cursor = cursor_make(
                order, [_value_of(rows[0], k.path) for k in keys], backwards=True
            )
    return page


def keyset_cursor_at(
    queryset: QuerySet[Any], *, order: str, keys: list[SortKey], offset: int
) -> str | None:
    """The cursor of the page that starts `offset` rows in (for an old page-number address),
    or None when there are not that many rows."""
    ordering = [
        column.desc() if key.descending else column.asc()
        for key, column in zip(keys, _columns(keys), strict=True)
    ]
    names = [f"keyset_{index}" for index in range(len(keys))]
    found = (
        queryset.order_by(*ordering)
        .annotate(**{name: F(key.path) for name, key in zip(names, keys, strict=True)})
        .values_list(*names)[offset - 1 : offset]
    )
    values = list(found)
    if not values:
        return None
    return cursor_make(order, list(values[0]))
