"""The fairness report: a partnership's circulated profiles, notices and exclusions by gender, age
band and (where recorded) perceived ethnicity, set against the offenders in its incidents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Count,
    DateField,
    Expression,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate, TruncQuarter

from incidents.models import IncidentOffender, IncidentStatus
from incidents.selectors import STATS_TIME_ZONE
from offenders.models import (
    EthnicityCode,
    Exclusion,
    GalleryPlacement,
    Gender,
    NoticeKind,
    OffenderProfile,
)
from partnerships.models import Partnership

# Quarters, not months: a partnership circulates tens of people a year, so a month split by
# gender or age band would be almost all cells under 5 (suppressed); eight quarters still show a
# trend over two years.
QUARTERS = 8
SUPPRESS_BELOW = 5
FEWER = f"fewer than {SUPPRESS_BELOW}"
WITHHELD = "withheld"

MEASURES = (
    ("incidents", "Offenders in incidents"),
    ("circulated", "Circulated to members"),
    ("notices", "Warnings and exclusions"),
    ("exclusions", "Exclusions"),
)
MEASURE_NAMES = tuple(name for name, _label in MEASURES)

AGE_BANDS = (
    ("under_18", "Under 18"),
    ("18_24", "18 to 24"),
    ("25_34", "25 to 34"),
    ("35_44", "35 to 44"),
    ("45_54", "45 to 54"),
    ("55_plus", "55 and over"),
    ("unknown", "Not known"),
)
# The lowest age of each band after the first, in order.
AGE_BAND_STARTS = ((18, "18_24"), (25, "25_34"), (35, "35_44"), (45, "45_54"), (55, "55_plus"))

GENDERS = tuple((value, str(label)) for value, label in Gender.choices)
NOT_RECORDED = "not_recorded"
ETHNICITIES = (
    *((value, str(label)) for value, label in EthnicityCode.choices),
    (NOT_RECORDED, "Not recorded"),
)


class YearsBetween(Func):
    """Whole years from the second date to the first (PostgreSQL's age())."""

    template = "CAST(date_part('year', age(%(expressions)s)) AS integer)"
    output_field = IntegerField()


def _age_at(event_date: Expression | str) -> Coalesce:
    """Age on the day of the event from the date of birth, else the apparent age range's
    midpoint (either end alone when only one is recorded)."""
    return Coalesce(
        YearsBetween(event_date, F("profile__date_of_birth")),
        (F("profile__age_min") + F("profile__age_max")) / Value(2),
        F("profile__age_min"),
        F("profile__age_max"),
        output_field=IntegerField(),
    )


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    if age < 18:
        return "under_18"
    band = "18_24"
    for start, name in AGE_BAND_STARTS:
        if age >= start:
            band = name
    return band


def fairness_window(today: date) -> tuple[date, date]:
    """The current quarter so far and the seven whole quarters before it."""
    index = today.year * 4 + (today.month - 1) // 3 - (QUARTERS - 1)
    return date(index // 4, index % 4 * 3 + 1, 1), today


def _quarters(date_from: date) -> list[date]:
    index = date_from.year * 4 + (date_from.month - 1) // 3
    return [date((index + n) // 4, (index + n) % 4 * 3 + 1, 1) for n in range(QUARTERS)]


def quarter_label(start: date) -> str:
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Cell:
    """One published count. `text` is all a page, chart or CSV may show of it."""

    count: int
    state: str = "shown"  # shown | fewer (under 5) | withheld (protects another cell)

    @property
    def shown(self) -> bool:
        return self.state == "shown"

    @property
    def text(self) -> str:
        if self.state == "fewer":
            return FEWER
        if self.state == "withheld":
            return WITHHELD
        return str(self.count)

    @property
    def value(self) -> int | None:
        """The count for a chart, or None (a gap) when it is not shown."""
        return self.count if self.shown else None


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: dict[str, Cell]
    shares: dict[str, float | None]

    @property
    def columns(self) -> list[tuple[str, Cell, float | None]]:
        """Measure, cell and share, in the order of MEASURES (for the templates)."""
        return [(name, self.cells[name], self.shares[name]) for name in MEASURE_NAMES]


@dataclass(frozen=True)
class Breakdown:
    """One way of splitting each measure's total: by a profile attribute, or by quarter."""

    name: str
    title: str
    key_header: str
    rows: list[Row]
    totals: dict[str, Cell]

    @property
    def total_columns(self) -> list[tuple[str, Cell]]:
        return [(name, self.totals[name]) for name in MEASURE_NAMES]


@dataclass(frozen=True)
class FairnessReport:
    date_from: date
    date_to: date
    breakdowns: list[Breakdown]
    over_time: Breakdown
    with_ethnicity: bool

    def all_breakdowns(self) -> list[Breakdown]:
        return [*self.breakdowns, self.over_time]


def _recoverable(primary: list[int], secondary: list[int]) -> bool:
    """Whether someone who knows the column's total, every cell shown, that each "fewer than 5"
    is 1 to 4 and each withheld cell 5 or more, could tell what a hidden cell holds."""
    if not secondary:
        # Their sum is known: it is a lone cell's value, and pins several when all are 1 or 4.
        return len(primary) == 1 or sum(primary) in (
            len(primary),
            (SUPPRESS_BELOW - 1) * len(primary),
        )
    # The sum of the primaries can move within 1..4 each while the withheld cells, 5 or more,
    # take up the difference, except when all are at their floor (1 and 5).
    return all(count == 1 for count in primary) and all(
        count == SUPPRESS_BELOW for count in secondary
    )


def column_suppress(counts: list[int], total: int) -> list[str] | None:
    """The state of each cell of one column whose total is published, or None when no choice of
    cells to withhold protects the small ones (the caller then withholds the measure whole).

    Primary: each count from 1 to 4 shows as "fewer than 5". Zero is shown: it identifies no one,
    and hiding it would make a real count be withheld in nearly every column ("other" gender).
    Secondary: the total minus the cells shown gives the sum of the hidden ones, which is a lone
    hidden cell's exact value; so the smallest counts of 5 or more are withheld too, one by one,
    until `_recoverable` says no hidden cell can be worked out.
    """
    states = ["fewer" if 0 < count < SUPPRESS_BELOW else "shown" for count in counts]
    primary = [count for count in counts if 0 < count < SUPPRESS_BELOW]
    if not primary or total < SUPPRESS_BELOW:
        return states
    large = sorted(
        (i for i, count in enumerate(counts) if count >= SUPPRESS_BELOW),
        key=lambda i: (counts[i], i),
    )
    chosen: list[int] = []
    while _recoverable(primary, [counts[i] for i in chosen]):
        if len(chosen) == len(large):
            return None
        chosen.append(large[len(chosen)])
    for i in chosen:
        states[i] = "withheld"
    return states


@dataclass(frozen=True)
class _Counts:
    """The raw counts of one breakdown: measure -> row key -> count."""

    name: str
    title: str
    key_header: str
    keys: tuple[tuple[str, str], ...]
    by_measure: dict[str, dict[str, int]]


def report_suppress(partitions: list[_Counts], totals: dict[str, int]) -> list[Breakdown]:
    """Every breakdown with its cells suppressed (see `column_suppress`), and each share (the
    percentage of the measure's total) given only where both its count and the total are shown.

    Every breakdown of a measure splits the same total, so a measure that one breakdown cannot
    protect is withheld whole, in every breakdown: its total would otherwise come from another.
    """
    states: dict[tuple[str, str], list[str]] = {}
    withheld_whole: set[str] = set()
    for partition in partitions:
        for measure in MEASURE_NAMES:
            counts = [partition.by_measure[measure].get(key, 0) for key, _label in partition.keys]
            column = column_suppress(counts, totals[measure])
            if column is None:
                withheld_whole.add(measure)
            else:
                states[partition.name, measure] = column
    total_cells = {
        measure: _total_cell(measure, totals, withheld_whole) for measure in MEASURE_NAMES
    }
    breakdowns = []
    for partition in partitions:
        rows = []
        for index, (key, label) in enumerate(partition.keys):
            cells = {
                measure: Cell(
                    partition.by_measure[measure].get(key, 0),
                    "withheld"
                    if measure in withheld_whole
                    else states[partition.name, measure][index],
                )
                for measure in MEASURE_NAMES
            }
            shares = {
                measure: _share(cells[measure], total_cells[measure]) for measure in MEASURE_NAMES
            }
            rows.append(Row(key, label, cells, shares))
        breakdowns.append(
            Breakdown(partition.name, partition.title, partition.key_header, rows, total_cells)
        )
    return breakdowns


def _total_cell(measure: str, totals: dict[str, int], withheld_whole: set[str]) -> Cell:
    count = totals[measure]
    if measure in withheld_whole:
        return Cell(count, "withheld")
    return Cell(count, "fewer" if 0 < count < SUPPRESS_BELOW else "shown")


def _share(cell: Cell, total: Cell) -> float | None:
    if not (cell.shown and total.shown) or total.count == 0:
        return None
    return round(100 * cell.count / total.count, 1)


def _group(queryset: QuerySet[Any], quarter: Expression, age: Expression) -> QuerySet[Any]:
    """One GROUP BY over quarter, gender, ethnicity and age in years: at most a few thousand
    rows whatever the number of records."""
    return (
        queryset.annotate(quarter=quarter, age=age)
        .values("quarter", "profile__gender", "profile__perceived_ethnicity", "age")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _raw_counts(partnership: Partnership, date_from: date, date_to: date) -> dict[str, list[Any]]:
    """Three queries: incidents' offenders, first circulations, notices (with their kind)."""
    tz = STATS_TIME_ZONE
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)

    links = IncidentOffender.objects.filter(
        incident__partnership=partnership,
        profile__partnership=partnership,
        incident__occurred_at__gte=start,
        incident__occurred_at__lt=end,
    ).exclude(incident__status=IncidentStatus.REJECTED)
    incidents = _group(
        links,
        TruncQuarter("incident__occurred_at", output_field=DateField(), tzinfo=tz),
        _age_at(TruncDate("incident__occurred_at", tzinfo=tz)),
    )

    first_circulated = (
        GalleryPlacement.objects.filter(
            profile=OuterRef("pk"),
            gallery__partnership=partnership,
            gallery__members_may_see=True,
        )
        .order_by("added_at")
        .values("added_at")[:1]
    )
    profiles = (
        OffenderProfile.objects.filter(partnership=partnership)
        .annotate(circulated_at=Subquery(first_circulated))
        .filter(circulated_at__gte=start, circulated_at__lt=end)
    )
    circulated = (
        profiles.annotate(
            quarter=TruncQuarter("circulated_at", output_field=DateField(), tzinfo=tz),
            age=Coalesce(
                YearsBetween(TruncDate("circulated_at", tzinfo=tz), F("date_of_birth")),
                (F("age_min") + F("age_max")) / Value(2),
                F("age_min"),
                F("age_max"),
                output_field=IntegerField(),
            ),
        )
        .values("quarter", "gender", "perceived_ethnicity", "age")
        .annotate(n=Count("pk"))
        .order_by()
    )

    notices = (
        Exclusion.objects.filter(
            profile__partnership=partnership, starts_on__gte=date_from, starts_on__lte=date_to
        )
        .annotate(
            quarter=TruncQuarter("starts_on", output_field=DateField()), age=_age_at("starts_on")
        )
        .values("quarter", "kind", "profile__gender", "profile__perceived_ethnicity", "age")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "incidents": [
            (
                g["quarter"],
                g["profile__gender"],
                g["profile__perceived_ethnicity"],
                g["age"],
                g["n"],
            )
            for g in incidents
        ],
        "circulated": [
            (g["quarter"], g["gender"], g["perceived_ethnicity"], g["age"], g["n"])
            for g in circulated
        ],
        "notices": [
            (
                g["quarter"],
                g["profile__gender"],
                g["profile__perceived_ethnicity"],
                g["age"],
                g["n"],
            )
            for g in notices
        ],
        "exclusions": [
            (
                g["quarter"],
                g["profile__gender"],
                g["profile__perceived_ethnicity"],
                g["age"],
                g["n"],
            )
            for g in notices
            if g["kind"] == NoticeKind.EXCLUSION
        ],
    }


def _gender_key(gender: str) -> str:
    return gender or Gender.UNKNOWN


def _ethnicity_key(code: str) -> str:
    return code or NOT_RECORDED


def _tally(
    raw: dict[str, list[Any]], key_of: Any, name: str, title: str, header: str, keys: Iterable[Any]
) -> _Counts:
    by_measure: dict[str, dict[str, int]] = {}
    for measure in MEASURE_NAMES:
        counts: dict[str, int] = defaultdict(int)
        for quarter, gender, ethnicity, age, n in raw[measure]:
            counts[key_of(quarter, gender, ethnicity, age)] += n
        by_measure[measure] = dict(counts)
    return _Counts(name, title, header, tuple(keys), by_measure)


def fairness_report(*, partnership: Partnership, today: date) -> FairnessReport:
    """The report over the last eight quarters, in three queries whatever the number of records.

    Counted, for the partnership's own records only: each offender linked to an incident that
    happened in the period (submitted or accepted), once per incident; each profile in the quarter
    it was first placed in a gallery members see (as the placements stand today); each warning or
    exclusion notice by the day it started. Age is on the day of that event.
    """
    date_from, date_to = fairness_window(today)
    raw = _raw_counts(partnership, date_from, date_to)
    with_ethnicity = partnership.records_perceived_ethnicity
    totals = {measure: sum(row[-1] for row in raw[measure]) for measure in MEASURE_NAMES}
    partitions = [
        _tally(
            raw,
            lambda q, gender, e, a: _gender_key(gender),
            "gender",
            "By gender",
            "Gender",
            GENDERS,
        ),
        _tally(
            raw, lambda q, g, e, age: age_band(age), "age", "By age band", "Age band", AGE_BANDS
        ),
    ]
    if with_ethnicity:
        partitions.append(
            _tally(
                raw,
                lambda q, g, ethnicity, a: _ethnicity_key(ethnicity),
                "ethnicity",
                "By perceived ethnicity",
                "Perceived ethnicity",
                ETHNICITIES,
            )
        )
    quarters = _quarters(date_from)
    partitions.append(
        _tally(
            raw,
            lambda quarter, g, e, a: quarter.isoformat(),
            "quarter",
            "Over time, by quarter",
            "Quarter",
            ((quarter.isoformat(), quarter_label(quarter)) for quarter in quarters),
        )
    )
    breakdowns = report_suppress(partitions, totals)
    return FairnessReport(
        date_from=date_from,
        date_to=date_to,
        breakdowns=breakdowns[:-1],
        over_time=breakdowns[-1],
        with_ethnicity=with_ethnicity,
    )
