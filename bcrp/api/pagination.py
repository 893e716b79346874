"""Keyset ("cursor") paging: a page is found from the last row of the one before, never by
counting past the rows before it, so page 500 costs what page 1 costs.

The queryset's ordering (plain field paths, the last one unique; or the paths a view's
`keyset_keys(queryset)` names) is the key. The cursor is the
key of the row a page follows (or, going back, precedes), opaque to clients.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import F, Func, Q, QuerySet, Value
from django.db.models.lookups import Exact, GreaterThan, LessThan
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

CURSOR_PARAM = "cursor"
PAGE_SIZE = 50
BAD_CURSOR = "That cursor is not one this list gave out: start again from the first page."


def cursor_encode(payload: dict[str, Any]) -> str:
    """A cursor's text: its JSON, key values as ISO text where they are dates or times, in
    unpadded URL-safe base64."""
    payload = {
        **payload,
        "k": [
            value.isoformat() if hasattr(value, "isoformat") else value for value in payload["k"]
        ],
    }
    raw = json.dumps(payload, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii").rstrip("=")


def cursor_decode(raw: str) -> Any:
    """What `cursor_encode` wrote, unchecked; ValueError, UnicodeError or binascii.Error for
    text that is not a cursor."""
    return json.loads(base64.urlsafe_b64decode((raw + "=" * (-len(raw) % 4)).encode("ascii")))


def cursor_at(values: Sequence[Any], *, backwards: bool = False) -> str:
    """The cursor of the page after (or, backwards, before) the row with these key values."""
    return cursor_encode({"k": list(values), "b": backwards})


class Row(Func):
    """A row constructor, `ROW(a, b)`: compared as a whole, it walks a multi-column index."""

    function = "ROW"
    output_field = models.Field()


def field_at(model: type[models.Model], path: str) -> models.Field[Any, Any]:
    """The concrete field a sort path ("partnership__name") ends on; FieldDoesNotExist for a
    relation or anything else a cursor value could not be checked against."""
    found: Any = None
    for part in path.split("__"):
        found = model._meta.get_field(part)
        if found.is_relation:
            model = found.related_model
    if not isinstance(found, models.Field) or found.is_relation:
        raise FieldDoesNotExist(path)
    return found


class KeysetPagination(BasePagination):
    """Pages of `PAGE_SIZE` in the queryset's order, with `next` and `previous` links."""

    page_size = PAGE_SIZE

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        # A view ordering by an expression (to steer the planner) names the fields it sorts by.
        keys_of = getattr(view, "keyset_keys", None)
        ordering = keys_of(queryset) if keys_of is not None else list(queryset.query.order_by)
        keys = [key for key in ordering if isinstance(key, str)]
        if not keys or len(keys) != len(ordering):
            raise TypeError("Keyset paging needs an ordering of field names, unique last.")
        self.keys: list[str] = keys
        self.fields = [field_at(queryset.model, key.lstrip("-")) for key in keys]
        backwards, position = self._cursor_read(request)
        if backwards:
            queryset = queryset.reverse()
        if position is not None:
            queryset = queryset.filter(self._after(position, backwards=backwards))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()
        self.rows = rows
        self.has_next = bool(rows) and (more if not backwards else True)
        self.has_previous = bool(rows) and (position is not None if not backwards else more)
        return rows

    def _after(self, position: Sequence[Any], *, backwards: bool) -> Q:
        """Rows strictly past `position` in the direction of travel."""
        descending = [key.startswith("-") != backwards for key in self.keys]
        columns = [F(key.lstrip("-")) for key in self.keys]
        values = [
            Value(value, output_field=field)
            for value, field in zip(position, self.fields, strict=True)
        ]
        past = {True: LessThan, False: GreaterThan}
        if all(descending) or not any(descending):
            # One row comparison: PostgreSQL starts the index walk at the position.
            return Q(past[descending[0]](Row(*columns), Row(*values)))
        # Mixed directions: (a past x) or (a = x and b past y) or ...
        condition = Q(pk__in=[])
        for index, column in enumerate(columns):
            step = Q(past[descending[index]](column, values[index]))
            for earlier, value in zip(columns[:index], values[:index], strict=True):
                step &= Q(Exact(earlier, value))
            condition |= step
        return condition

    def _cursor_read(self, request: Request) -> tuple[bool, list[Any] | None]:
        raw = request.query_params.get(CURSOR_PARAM)
        if not raw:
            return False, None
        try:
            data = cursor_decode(raw)
            backwards = bool(data["b"])
            values = data["k"]
            if not isinstance(values, list) or len(values) != len(self.fields):
                raise ValueError
            position = [
                field.to_python(value) for field, value in zip(self.fields, values, strict=True)
            ]
        except (
            ValueError,
            KeyError,
            TypeError,
            UnicodeError,
            binascii.Error,
            DjangoValidationError,
        ) as error:
            raise ValidationError({CURSOR_PARAM: [BAD_CURSOR]}) from error
        if any(value is None for value in position):
            raise ValidationError({CURSOR_PARAM: [BAD_CURSOR]})
        return backwards, position

    def _cursor_of(self, row: Any, *, backwards: bool) -> str:
        values = []
        for key in self.keys:
            value: Any = row
            for part in key.lstrip("-").split("__"):
                value = getattr(value, part)
            values.append(value)
        return cursor_at(values, backwards=backwards)

    def _link(self, cursor: str | None) -> str | None:
        url = self.request.build_absolute_uri()
        if cursor is None:
            return str(remove_query_param(url, CURSOR_PARAM))
        return str(replace_query_param(url, CURSOR_PARAM, cursor))

    def get_paginated_response(self, data: Any) -> Response:
        next_link = (
            self._link(self._cursor_of(self.rows[-1], backwards=False)) if self.has_next else None
        )
        previous_link = (
            self._link(self._cursor_of(self.rows[0], backwards=True)) if self.has_previous else None
        )
        return Response({"next": next_link, "previous": previous_link, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    "type": ["string", "null"],
                    "format": "uri",
                    "description": "The next page's address; null on the last page.",
                },
                "previous": {
                    "type": ["string", "null"],
                    "format": "uri",
                    "description": "The previous page's address; null on the first page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": "Where a page starts: take it from a `next` or `previous` link.",
                "schema": {"type": "string"},
            }
        ]
