"""Incident statistics for administrators and police: aggregates only, as charts and as CSV.

Counts every incident of the partnership except rejected ones; hours, weekdays and months are
UK local time (Europe/London), whatever time zone happens to be active for the request.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, DateField, DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay, TruncMonth
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from bcrp.forms import IsoDateField
from bcrp.tenancy import ADMIN_AND_POLICE, PartnershipMixin
from incidents.models import Category, Incident, IncidentStatus
from partnerships.models import Partnership

# UK schemes: a shop's "busy hour" is the hour on the shop's clock, in summer and in winter.
STATS_TIME_ZONE = ZoneInfo("Europe/London")
TOP_PREMISES = 15
MAX_RANGE_DAYS = 10 * 366
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OTHER_PREMISES = "Other premises"
NO_PREMISES = "No premises given"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StatsRow:
    """One bar (or point) of a chart: how many incidents, and what they cost."""

    key: str
    label: str
    incidents: int
    value_lost: Decimal
    value_recovered: Decimal


@dataclass(frozen=True)
class IncidentStats:
    date_from: date
    date_to: date
    total: StatsRow
    by_category: list[StatsRow]
    by_premises: list[StatsRow]
    by_hour: list[StatsRow]
    by_weekday: list[StatsRow]
    by_month: list[StatsRow]

    def dimensions(self) -> list[tuple[str, list[StatsRow]]]:
        return [
            ("total", [self.total]),
            ("category", self.by_category),
            ("premises", self.by_premises),
            ("hour", self.by_hour),
            ("weekday", self.by_weekday),
            ("month", self.by_month),
        ]


class StatsRangeForm(forms.Form):
    """The `from` and `to` dates of the query string (both inclusive)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword, so the fields cannot be declared as class attributes.
        self.fields["from"] = IsoDateField(label="From")
        self.fields["to"] = IsoDateField(label="To")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("from"), cleaned.get("to")
        if date_to and date_to == date.max:
            raise ValidationError("Choose an earlier end date.")
        if date_from and date_to:
            if date_from > date_to:
                raise ValidationError("The start date must be on or before the end date.")
            if (date_to - date_from).days > MAX_RANGE_DAYS:
                raise ValidationError("Choose a range of ten years or less.")
        return cleaned


def stats_default_range(today: date) -> tuple[date, date]:
    """The last 12 months: this month so far and the 11 whole months before it."""
    month_index = today.year * 12 + today.month - 1 - 11
    return date(month_index // 12, month_index % 12 + 1, 1), today


def stats_range_parse(query: QueryDict) -> tuple[StatsRangeForm, date, date]:
    """The form bound to the query string (defaults filled in) and the range to report on.

    An invalid range falls back to the default one; the form carries the errors to show.
    """
    default_from, default_to = stats_default_range(timezone.localdate(timezone=STATS_TIME_ZONE))
    form = StatsRangeForm(
        {
            "from": query.get("from") or default_from.isoformat(),
            "to": query.get("to") or default_to.isoformat(),
        }
    )
    if form.is_valid():
        return form, form.cleaned_data["from"], form.cleaned_data["to"]
    return form, default_from, default_to


def _incidents_counted(
    partnership: Partnership, date_from: date, date_to: date
) -> QuerySet[Incident]:
    start = datetime.combine(date_from, time.min, tzinfo=STATS_TIME_ZONE)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=STATS_TIME_ZONE)
    return (
        Incident.objects.filter(
            partnership=partnership, occurred_at__gte=start, occurred_at__lt=end
        )
        .exclude(status=IncidentStatus.REJECTED)
        .order_by()
    )


def _money(field: str) -> Coalesce:
    return Coalesce(
        Sum(field), Value(ZERO), output_field=DecimalField(max_digits=14, decimal_places=2)
    )


MEASURES = {
    "incidents": Count("id"),
    "value_lost": _money("value_lost"),
    "value_recovered": _money("value_recovered"),
}


def _grouped(queryset: QuerySet[Incident], *keys: str) -> list[dict[str, Any]]:
    """One SQL GROUP BY: the measures for each distinct value of `keys`."""
    return list(queryset.values(*keys).annotate(**MEASURES).order_by())


def _row(key: str, label: str, group: dict[str, Any] | None) -> StatsRow:
    if group is None:
        return StatsRow(key, label, 0, ZERO, ZERO)
    return StatsRow(key, label, group["incidents"], group["value_lost"], group["value_recovered"])


def _premises_label(group: dict[str, Any]) -> str:
    business, name = group["premises__business__name"], group["premises__name"]
    return f"{business}, {name} ({group['premises__postcode']})"


def _premises_rows(groups: list[dict[str, Any]]) -> list[StatsRow]:
    """The busiest premises one by one, the rest as one "Other" bar, then "No premises given"."""
    unknown = next((g for g in groups if g["premises"] is None), None)
    named = sorted(
        (g for g in groups if g["premises"] is not None),
        key=lambda g: (-g["incidents"], g["premises__business__name"], g["premises__name"]),
    )
    rows = [_row(str(g["premises"]), _premises_label(g), g) for g in named[:TOP_PREMISES]]
    rest = named[TOP_PREMISES:]
    if rest:
        rows.append(
            StatsRow(
                "other",
                f"{OTHER_PREMISES} ({len(rest)})",
                sum(g["incidents"] for g in rest),
                sum((g["value_lost"] for g in rest), ZERO),
                sum((g["value_recovered"] for g in rest), ZERO),
            )
        )
    if unknown is not None:
        rows.append(_row("none", NO_PREMISES, unknown))
    return rows


def _months(date_from: date, date_to: date) -> list[date]:
    first, last = date_from.year * 12 + date_from.month - 1, date_to.year * 12 + date_to.month - 1
    return [date(index // 12, index % 12 + 1, 1) for index in range(first, last + 1)]


def incident_stats(*, partnership: Partnership, date_from: date, date_to: date) -> IncidentStats:
    """Every aggregate of the statistics page, in six queries whatever the number of incidents."""
    counted = _incidents_counted(partnership, date_from, date_to)
    tz = STATS_TIME_ZONE

    total = counted.aggregate(**MEASURES)
    by_category = {g["category"]: g for g in _grouped(counted, "category")}
    by_hour = {
        g["hour"]: g
        for g in _grouped(counted.annotate(hour=ExtractHour("occurred_at", tzinfo=tz)), "hour")
    }
    by_weekday = {
        g["weekday"]: g
        for g in _grouped(
            counted.annotate(weekday=ExtractIsoWeekDay("occurred_at", tzinfo=tz)), "weekday"
        )
    }
    by_month = {
        g["month"]: g
        for g in _grouped(
            counted.annotate(month=TruncMonth("occurred_at", output_field=DateField(), tzinfo=tz)),
            "month",
        )
    }
    premises = _grouped(
        counted, "premises", "premises__name", "premises__postcode", "premises__business__name"
    )

    return IncidentStats(
        date_from=date_from,
        date_to=date_to,
        total=_row("all", f"{date_from.isoformat()} to {date_to.isoformat()}", total),
        by_category=[
            _row(value, str(label), by_category.get(value)) for value, label in Category.choices
        ],
        by_premises=_premises_rows(premises),
        by_hour=[_row(f"{hour:02d}:00", f"{hour:02d}:00", by_hour.get(hour)) for hour in range(24)],
        by_weekday=[
            _row(name, name, by_weekday.get(number)) for number, name in enumerate(WEEKDAYS, 1)
        ],
        by_month=[
            _row(month.strftime("%Y-%m"), month.strftime("%b %Y"), by_month.get(month))
            for month in _months(date_from, date_to)
        ],
    )


def _chart_series(rows: list[StatsRow]) -> dict[str, list[Any]]:
    return {
        "labels": [row.label for row in rows],
        "incidents": [row.incidents for row in rows],
        "value_lost": [str(row.value_lost) for row in rows],
        "value_recovered": [str(row.value_recovered) for row in rows],
    }


def stats_chart_data(stats: IncidentStats) -> dict[str, dict[str, list[Any]]]:
    """What static/js/stats.js draws, embedded in the page with `json_script`."""
    return {name: _chart_series(rows) for name, rows in stats.dimensions() if name != "total"}


# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def stats_csv_write(stats: IncidentStats, out: Any) -> None:
    """One long table: a row per bar of every chart, plus the total over the range."""
    writer = csv.writer(out)
    writer.writerow(["dimension", "key", "incidents", "value_lost", "value_recovered"])
    for dimension, rows in stats.dimensions():
        for row in rows:
            key = row.key if dimension in {"hour", "month"} else row.label
            writer.writerow(
                [dimension, _csv_safe(key), row.incidents, row.value_lost, row.value_recovered]
            )


# Each chart of the page: its name in the embedded data, its heading, its table's first column.
CHARTS = (
    ("month", "Losses by month", "Month"),
    ("category", "Incidents by category", "Category"),
    ("premises", "Incidents by premises", "Premises"),
    ("hour", "Incidents by hour of day", "Hour starting"),
    ("weekday", "Incidents by day of week", "Day"),
)


class StatsView(PartnershipMixin, TemplateView):
    allowed_roles = ADMIN_AND_POLICE
    template_name = "incidents/stats.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form, date_from, date_to = stats_range_parse(self.request.GET)
        stats = incident_stats(partnership=self.partnership, date_from=date_from, date_to=date_to)
        range_query = QueryDict(mutable=True)
        range_query.update({"from": date_from.isoformat(), "to": date_to.isoformat()})
        rows = dict(stats.dimensions())
        context.update(
            form=form,
            stats=stats,
            charts=[
                {"name": name, "title": title, "key_header": header, "rows": rows[name]}
                for name, title, header in CHARTS
            ],
            chart_data=stats_chart_data(stats),
            range_query=range_query.urlencode(),
        )
        return context


class StatsCsvView(PartnershipMixin, View):
    allowed_roles = ADMIN_AND_POLICE

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        form, date_from, date_to = stats_range_parse(request.GET)
        if not form.is_valid():
            return HttpResponse(
                " ".join(str(e) for errors in form.errors.values() for e in errors),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        stats = incident_stats(partnership=self.partnership, date_from=date_from, date_to=date_to)
        filename = f"{self.partnership.slug}-incident-statistics.csv"
        response = HttpResponse(
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
        # The byte-order mark makes Excel read UTF-8 (accents and curly apostrophes in names).
        response.write("\ufeff")
        stats_csv_write(stats, response)
        return response
