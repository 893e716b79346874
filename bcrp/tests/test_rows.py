"""RowLink gives what reverse() gives and RowDate what |date gives, at a fraction of the cost."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from bcrp.rows import RowDate, RowLink


@pytest.mark.parametrize(
    ("viewname", "values"),
    [
        ("offenders:profile", [1, 42, 10**12]),
        ("offenders:image-thumb", [secrets.token_urlsafe(24) for _ in range(5)] + ["a-b_c"]),
    ],
)
def test_row_links_match_reverse(viewname: str, values: list[object]) -> None:
    link = RowLink(viewname, "north-town")
    for value in values:
        assert link(value) == reverse(viewname, args=["north-town", value])  # type: ignore[arg-type]


def test_a_pattern_without_a_place_for_the_value_is_refused() -> None:
    with pytest.raises(NoReverseMatch):
        RowLink("sharing:dataview", "north-town")


def test_row_dates_match_the_template_filter_across_the_year() -> None:
    """Every day of a year at 23:30 and 00:30 UTC, clock changes included, and plain dates."""
    row_date = RowDate()
    template = Template('{{ value|date:"j M Y" }}')

    def date_filter(value: date | datetime, _format: str) -> str:
        # Through a template, as the page used it: the filter converts to local time there.
        return template.render(Context({"value": value}))

    start = datetime(2026, 1, 1, tzinfo=UTC)
    for day in range(366):
        for hour, minute in ((23, 30), (0, 30)):
            moment = start + timedelta(days=day, hours=hour, minutes=minute)
            assert row_date(moment) == date_filter(moment, "j M Y"), moment
    assert row_date(date(2027, 9, 3)) == date_filter(date(2027, 9, 3), "j M Y") == "3 Sep 2027"
    summer_evening = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert timezone.get_current_timezone_name() == "Europe/London"
    assert row_date(summer_evening) == "1 Jul 2026"
