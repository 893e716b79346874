"""Queries compiled once per process rather than on every request.

Django builds and compiles a queryset's SQL each time it runs. For the small lookups every page
makes (the membership behind each /p/ page, the person's partnerships in the menu, a filter's
choices) that cost several times what the database spends answering them. A PreparedQuery has
its selector build the queryset once, with a stand-in for each parameter, keeps the SQL, and on
each call sends that SQL with the real values in the stand-ins' places. What the query selects
is still decided by the selector alone; only the compiling is not repeated.

A selector may use its parameters only as values the query compares with: a stand-in model has
its primary key and nothing else (reading another field raises), and the SQL is compiled twice,
with different stand-ins, and must come out the same but for those values.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

M = TypeVar("M", bound=Model)

# Values no real parameter has: ids below any sequence's, text no slug or name holds.
_STAND_IN_IDS = itertools.count(-(2**62), -1)


class NotPreparable(TypeError):
    """The selector's SQL depends on more than its parameters' values."""


def _stand_in(kind: type, serial: int) -> Any:
    if issubclass(kind, Model):
        # Deferred fields but the key: reading any other one asks the database for a row that
        # does not exist, so a selector that branches on a field fails here, not silently.
        return kind.from_db(None, [kind._meta.pk.attname], [serial])
    if kind is int:
        return serial
    if kind is str:
        return f"\x1fstand-in {serial}\x1f"
    if kind is datetime:
        return datetime(2001, 1, 1, tzinfo=UTC) + timedelta(seconds=-serial % 10**9)
    if kind is date:
        return date(1, 1, 1) + timedelta(days=-serial % 700_000)
    raise NotPreparable(f"no stand-in for parameters of type {kind.__name__}")


def _as_parameter(value: Any) -> Any:
    return value.pk if isinstance(value, Model) else value


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # Where each parameter's value goes: (position in params, parameter name).
    slots: tuple[tuple[int, str], ...]
    db: str
    converters: dict[int, tuple[list[Any], Any]]
    # For model rows: the model, its columns in the row, and select_related's populators.
    model: type[Model] | None
    model_columns: tuple[int, int]
    init_list: tuple[str, ...]
    populators: tuple[Any, ...]


class PreparedQuery(Generic[M]):
    """`build(**parameters)` compiled once; `objects(**values)` or `rows(**values)` per call."""

    def __init__(self, build: Callable[..., QuerySet[Any]], **parameters: type) -> None:
        self.build = build
        self.parameters = parameters
        self._compiled: _Compiled | None = None

    def objects(self, **values: Any) -> list[M]:
        """The queryset's model instances (with what select_related joins), as the ORM would."""
        compiled = self.compiled()
        if compiled.model is None:
            raise NotPreparable(f"{self.build.__name__} selects values, not model rows")
        start, end = compiled.model_columns
        found = []
        for row in self._execute(compiled, values):
            instance = compiled.model.from_db(compiled.db, compiled.init_list, row[start:end])
            for populator in compiled.populators:
                populator.populate(row, instance)
            found.append(instance)
        return found  # type: ignore[return-value]

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        """The rows of a values_list() queryset."""
        compiled = self.compiled()
        if compiled.model is not None:
            raise NotPreparable(f"{self.build.__name__} selects model rows, not values")
        return self._execute(compiled, values)

    def compiled(self) -> _Compiled:
        if self._compiled is None:
            first, second = self._compile(), self._compile()
            if first.sql != second.sql or len(first.params) != len(second.params):
                raise NotPreparable(f"{self.build.__name__}'s SQL depends on its parameters")
            slots = {position for position, _name in first.slots}
            for position, (a, b) in enumerate(zip(first.params, second.params, strict=True)):
                if (a != b) != (position in slots):
                    raise NotPreparable(
                        f"{self.build.__name__} puts a value worked out from a parameter into "
                        f"its SQL (parameter {position})"
                    )
            self._compiled = first
        return self._compiled

    def _compile(self) -> _Compiled:
        stand_ins = {
            name: _stand_in(kind, next(_STAND_IN_IDS)) for name, kind in self.parameters.items()
        }
        try:
            queryset = self.build(**stand_ins)
        except ObjectDoesNotExist as error:
            raise NotPreparable(
                f"{self.build.__name__} reads a field of a parameter, not only its key"
            ) from error
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots = []
        for name, stand_in in stand_ins.items():
            value = _as_parameter(stand_in)
            where = [position for position, param in enumerate(params) if param == value]
            if not where or str(value) in sql:
                raise NotPreparable(
                    f"{self.build.__name__} does not pass {name} to its SQL as a parameter"
                )
            slots += [(position, name) for position in where]
        columns = [column for column, _sql, _alias in compiler.select]
        klass_info = compiler.klass_info
        model_query = queryset._iterable_class is ModelIterable
        if model_query and (
            compiler.annotation_col_map or getattr(queryset, "_known_related_objects", None)
        ):
            raise NotPreparable(f"{self.build.__name__}: annotations are not supported")
        if model_query and klass_info is not None:
            select_fields = klass_info["select_fields"]
            start, end = select_fields[0], select_fields[-1] + 1
            init_list = tuple(
                column.target.attname for column, _sql, _alias in compiler.select[start:end]
            )
            # Django 5.2's signature (the stubs already describe 6.0's).
            populators = tuple(
                get_related_populators(  # type: ignore[call-arg]
                    klass_info, compiler.select, queryset.db
                )
            )
            model: type[Model] | None = klass_info["model"]
        else:
            start, end, init_list, populators, model = 0, 0, (), (), None
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=tuple(sorted(slots)),
            db=queryset.db,
            converters=compiler.get_converters(columns),
            model=model,
            model_columns=(start, end),
            init_list=init_list,
            populators=populators,
        )

    def _execute(self, compiled: _Compiled, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        if values.keys() != self.parameters.keys():
            raise TypeError(f"{self.build.__name__} takes {sorted(self.parameters)}")
        params = list(compiled.params)
        for position, name in compiled.slots:
            value = _as_parameter(values[name])
            if value is None:
                # The ORM would have written IS NULL where the SQL compares with a value.
                raise TypeError(f"{self.build.__name__}: {name} has no value")
            params[position] = value
        connection = connections[compiled.db]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        if not compiled.converters:
            return rows
        converted = []
        for row in rows:
            values_ = list(row)
            for position, (functions, expression) in compiled.converters.items():
                value = values_[position]
                for function in functions:
                    value = function(value, expression, connection)
                values_[position] = value
            converted.append(tuple(values_))
        return converted
