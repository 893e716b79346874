"""The fairness report: its counts on a known set of records, the suppression of small counts in
the table, the chart data and the CSV (a hidden count never comes back by subtraction), the
perceived ethnicity breakdown only where recorded and then audited, who may open it, and a cost
in queries that does not grow with the records."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bcrp.models import AuditEvent, User
from incidents.fairness import (
    FEWER,
    WITHHELD,
    Breakdown,
    FairnessReport,
    column_suppress,
    fairness_report,
    fairness_window,
)
from incidents.models import Category, Incident, IncidentOffender, IncidentStatus
from offenders.models import (
    Exclusion,
    Gallery,
    GalleryPlacement,
    NoticeKind,
    OffenderProfile,
)
from partnerships.models import Partnership
from tests.factories import GalleryFactory, ProfileFactory
from tests.fixtures import client_for

LONDON = ZoneInfo("Europe/London")
TODAY = date(2025, 5, 15)
PAGE = "/p/alpha/stats/fairness/"
CSV_URL = "/p/alpha/stats/fairness.csv"


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 14, tzinfo=LONDON)


def in_incident(profile: OffenderProfile, day: date, status: str = IncidentStatus.ACCEPTED) -> None:
    incident = Incident.objects.create(
        partnership=profile.partnership,
        occurred_at=at(day),
        category=Category.THEFT,
        description="Fairness test incident.",
        status=status,
    )
    IncidentOffender.objects.create(incident=incident, profile=profile, role="identified")


def circulate(profile: OffenderProfile, gallery: Gallery, day: date) -> None:
    GalleryPlacement.objects.create(
        gallery=gallery, profile=profile, expires_on=day + timedelta(days=365), added_at=at(day)
    )


def notice(profile: OffenderProfile, kind: str, day: date) -> None:
    Exclusion.objects.create(
        profile=profile, kind=kind, starts_on=day, ends_on=day + timedelta(days=90), reason="Theft"
    )


def by_name(report: FairnessReport, name: str) -> Breakdown:
    return next(b for b in report.all_breakdowns() if b.name == name)


def texts(breakdown: Breakdown, measure: str) -> dict[str, str]:
    return {row.key: row.cells[measure].text for row in breakdown.rows}


@pytest.fixture
def visible_gallery(partnership_a: Partnership) -> Gallery:
    return GalleryFactory(partnership=partnership_a, members_may_see=True)


def test_window_is_this_quarter_and_the_seven_before() -> None:
    assert fairness_window(TODAY) == (date(2023, 7, 1), TODAY)
    assert fairness_window(date(2025, 1, 1)) == (date(2023, 4, 1), date(2025, 1, 1))


def test_counts_on_a_known_set(
    partnership_a: Partnership, partnership_b: Partnership, visible_gallery: Gallery
) -> None:
    men = [
        ProfileFactory(partnership=partnership_a, gender="male", date_of_birth=date(1995, 1, 1))
        for _ in range(6)
    ]
    women = [
        ProfileFactory(partnership=partnership_a, gender="female", age_min=16, age_max=20)
        for _ in range(5)
    ]
    for man in men:
        in_incident(man, date(2024, 3, 10))
        in_incident(man, date(2024, 3, 11))
        circulate(man, visible_gallery, date(2024, 4, 10))
        notice(man, NoticeKind.WARNING, date(2024, 4, 10))
        notice(man, NoticeKind.EXCLUSION, date(2024, 6, 1))
    for woman in women:
        in_incident(woman, date(2024, 3, 10))
        circulate(woman, visible_gallery, date(2024, 4, 10))
        notice(woman, NoticeKind.EXCLUSION, date(2024, 6, 1))

    # None of these count: a rejected report, a gallery members do not see, a second visible
    # gallery (a profile is circulated once), a notice before the window, another partnership.
    in_incident(men[0], date(2024, 3, 12), status=IncidentStatus.REJECTED)
    hidden = GalleryFactory(partnership=partnership_a, members_may_see=False)
    circulate(women[0], hidden, date(2024, 1, 5))
    circulate(men[0], GalleryFactory(partnership=partnership_a), date(2024, 5, 1))
    notice(men[0], NoticeKind.EXCLUSION, date(2023, 1, 1))
    stranger = ProfileFactory(partnership=partnership_b, gender="female")
    in_incident(stranger, date(2024, 3, 10))
    circulate(stranger, GalleryFactory(partnership=partnership_b), date(2024, 4, 10))
    notice(stranger, NoticeKind.EXCLUSION, date(2024, 6, 1))

    report = fairness_report(partnership=partnership_a, today=TODAY)

    gender = by_name(report, "gender")
    assert texts(gender, "incidents") == {"male": "12", "female": "5", "other": "0", "unknown": "0"}
    assert texts(gender, "circulated") == {"male": "6", "female": "5", "other": "0", "unknown": "0"}
    assert texts(gender, "notices") == {"male": "12", "female": "5", "other": "0", "unknown": "0"}
    assert texts(gender, "exclusions") == {"male": "6", "female": "5", "other": "0", "unknown": "0"}
    assert {m: c.text for m, c in gender.totals.items()} == {
        "incidents": "17",
        "circulated": "11",
        "notices": "17",
        "exclusions": "11",
    }
    shares = {row.key: row.shares for row in gender.rows}
    assert shares["male"]["incidents"] == 70.6
    assert shares["female"]["circulated"] == 45.5
    assert shares["other"]["notices"] == 0.0

    # The women's age is the middle of their apparent range (18); the men's from their date of
    # birth on the day (29 in 2024).
    age = by_name(report, "age")
    assert texts(age, "incidents") == {
        "under_18": "0",
        "18_24": "5",
        "25_34": "12",
        "35_44": "0",
        "45_54": "0",
        "55_plus": "0",
        "unknown": "0",
    }

    quarters = by_name(report, "quarter")
    labels = [row.label for row in quarters.rows]
    assert (labels[0], labels[-1], len(labels)) == ("2023 Q3", "2025 Q2", 8)
    assert texts(quarters, "incidents")["2024-01-01"] == "17"
    assert texts(quarters, "circulated")["2024-04-01"] == "11"
    assert texts(quarters, "notices")["2024-04-01"] == "17"
    assert texts(quarters, "exclusions")["2024-04-01"] == "11"
    assert {text for key, text in texts(quarters, "circulated").items() if key != "2024-04-01"} == {
        "0"
    }


def test_age_is_taken_on_the_day_of_the_event(
    partnership_a: Partnership, visible_gallery: Gallery
) -> None:
    # Seventeen when circulated, eighteen by the day of the report: a child when it mattered.
    for _ in range(5):
        profile = ProfileFactory(
            partnership=partnership_a, date_of_birth=date(2006, 6, 1), age_min=None, age_max=None
        )
        circulate(profile, visible_gallery, date(2024, 5, 31))
    for _ in range(5):
        unknown_age = ProfileFactory(partnership=partnership_a, age_min=None, age_max=None)
        circulate(unknown_age, visible_gallery, date(2024, 5, 31))

    age = by_name(fairness_report(partnership=partnership_a, today=TODAY), "age")

    assert texts(age, "circulated")["under_18"] == "5"
    assert texts(age, "circulated")["18_24"] == "0"
    assert texts(age, "circulated")["unknown"] == "5"


def test_a_lone_small_count_takes_the_smallest_other_count_with_it() -> None:
    assert column_suppress([7, 2, 0, 9], 18) == ["withheld", "fewer", "shown", "shown"]
    assert column_suppress([7, 6, 0], 13) == ["shown", "shown", "shown"]
    # A total under 5 is itself hidden, so the cells need no partner.
    assert column_suppress([3, 1, 0], 4) == ["fewer", "fewer", "shown"]


def test_no_hidden_count_can_be_worked_out_from_the_total() -> None:
    # 1 and 5 are the only pair that sums to 6 with one cell under 5 and one of 5 or more:
    # a second count is withheld too.
    assert column_suppress([1, 5, 8], 14) == ["fewer", "withheld", "withheld"]
    # With nothing more to withhold, the column cannot be protected: the caller hides the measure.
    assert column_suppress([1, 5, 0], 6) is None
    # All hidden cells at 4 (or all at 1) are pinned by their sum.
    assert column_suppress([4, 4, 0], 8) is None
    assert column_suppress([4, 3, 0], 7) == ["fewer", "fewer", "shown"]


def test_a_measure_that_cannot_be_protected_is_withheld_in_every_breakdown(
    partnership_a: Partnership, visible_gallery: Gallery
) -> None:
    # Exclusions: four men and four women (each pinned at 4 by the total of 8).
    for gender in ("male", "female"):
        for _ in range(4):
            profile = ProfileFactory(partnership=partnership_a, gender=gender)
            notice(profile, NoticeKind.EXCLUSION, date(2024, 6, 1))

    report = fairness_report(partnership=partnership_a, today=TODAY)

    for breakdown in report.all_breakdowns():
        assert set(texts(breakdown, "exclusions").values()) == {WITHHELD}, breakdown.name
        assert breakdown.totals["exclusions"].text == WITHHELD
        assert {row.shares["exclusions"] for row in breakdown.rows} == {None}


class Tables(HTMLParser):
    """Each table's cells by id: row key -> measure -> text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, dict[str, str]]] = {}
        self.table = self.row = self.measure = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self.table = attributes.get("id") or ""
            self.tables[self.table] = {}
        elif tag == "tr" and attributes.get("data-key"):
            self.row = attributes["data-key"] or ""
            self.tables[self.table][self.row] = {}
        elif tag == "td" and attributes.get("data-measure"):
            self.measure = attributes["data-measure"] or ""
            self.tables[self.table][self.row][self.measure] = ""
        elif tag == "small":
            self.measure = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.measure = ""

    def handle_data(self, data: str) -> None:
        if self.measure:
            cell = self.tables[self.table][self.row]
            cell[self.measure] = (cell[self.measure] + data).strip()


def page_tables(html: str) -> dict[str, dict[str, dict[str, str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def chart_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="fairness-data" type="application/json">(.*?)</script>', html)
    assert found
    return dict(json.loads(found.group(1)))


@pytest.fixture
def few_women(partnership_a: Partnership, visible_gallery: Gallery) -> None:
    """Eight men and two women in incidents and circulated, this quarter."""
    today = timezone.localdate(timezone=LONDON)
    for gender, count in (("male", 8), ("female", 2)):
        for _ in range(count):
            profile = ProfileFactory(partnership=partnership_a, gender=gender)
            in_incident(profile, today)
            circulate(profile, visible_gallery, today)


def test_small_counts_are_hidden_in_the_table_the_chart_and_the_csv(
    admin_a: User, few_women: None
) -> None:
    client = client_for(admin_a)
    html = client.get(PAGE).content.decode()

    gender = page_tables(html)["table-gender"]
    assert gender["female"]["incidents"] == FEWER
    # 10 - 8 would give the women's 2: the men's count is withheld with it.
    assert gender["male"]["incidents"] == WITHHELD
    assert gender["total"]["incidents"] == "10"
    assert "80.0%" not in html and "20.0%" not in html

    data = chart_data(html)
    labels = data["gender"]["labels"]
    incidents = data["gender"]["series"][0]
    assert incidents["label"] == "Offenders in incidents"
    assert incidents["values"][labels.index("Female")] is None
    assert incidents["values"][labels.index("Male")] is None
    assert incidents["values"][labels.index("Other")] == 0.0

    response = client.get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="alpha-fairness-report.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    female = next(r for r in rows if r["breakdown"] == "gender" and r["group"] == "Female")
    male = next(r for r in rows if r["breakdown"] == "gender" and r["group"] == "Male")
    assert (female["incidents"], female["incidents_share_percent"]) == (FEWER, "")
    assert (male["incidents"], male["incidents_share_percent"]) == (WITHHELD, "")
    assert "2" not in {row["incidents"] for row in rows}


def test_every_column_with_a_hidden_count_hides_two(admin_a: User, few_women: None) -> None:
    """Whatever the data, a column whose total is shown never hides exactly one cell."""
    tables = page_tables(client_for(admin_a).get(PAGE).content.decode())
    checked = 0
    for name, rows in tables.items():
        total = rows.pop("total")
        for measure, shown_total in total.items():
            cells = [row[measure] for row in rows.values()]
            hidden = [cell for cell in cells if not cell.isdigit()]
            if hidden and shown_total.isdigit():
                checked += 1
                assert len(hidden) >= 2, (name, measure, cells)
    assert checked >= 2


def test_the_ethnicity_breakdown_is_absent_when_not_recorded(
    admin_a: User, partnership_a: Partnership, few_women: None
) -> None:
    assert partnership_a.records_perceived_ethnicity is False
    client = client_for(admin_a)
    html = client.get(PAGE).content.decode()
    assert "table-gender" in html
    assert "ethnicity" not in html.lower()
    assert "ethnicity" not in chart_data(html)
    csv_text = client.get(CSV_URL).content.decode("utf-8-sig")
    assert "ethnicity" not in csv_text.lower() and "IC" not in csv_text
    assert not AuditEvent.objects.filter(action="fairness.ethnicity_view").exists()


def test_the_ethnicity_breakdown_is_shown_where_recorded_and_each_view_audited(
    admin_a: User, partnership_a: Partnership, visible_gallery: Gallery
) -> None:
    Partnership.objects.filter(pk=partnership_a.pk).update(records_perceived_ethnicity=True)
    today = timezone.localdate(timezone=LONDON)
    for code in ("IC1", "IC3"):
        for _ in range(6):
            profile = ProfileFactory(partnership=partnership_a, perceived_ethnicity=code)
            circulate(profile, visible_gallery, today)
    client = client_for(admin_a)

    html = client.get(PAGE).content.decode()
    ethnicity = page_tables(html)["table-ethnicity"]
    assert ethnicity["IC1"]["circulated"] == "6"
    assert ethnicity["IC3"]["circulated"] == "6"
    assert ethnicity["not_recorded"]["circulated"] == "0"
    assert "IC3 — Black" in html
    client.get(CSV_URL)

    events = AuditEvent.objects.filter(action="fairness.ethnicity_view").order_by("pk")
    assert [(e.actor_id, e.partnership_id, e.detail) for e in events] == [
        (admin_a.pk, partnership_a.pk, {"format": "page"}),
        (admin_a.pk, partnership_a.pk, {"format": "CSV"}),
    ]
    trail = client.get("/p/alpha/audit/?action=fairness.ethnicity_view").content.decode()
    assert "viewed the fairness report by perceived ethnicity (page)" in trail


@pytest.mark.parametrize("url", [PAGE, CSV_URL])
def test_only_administrators_open_it(
    url: str,
    admin_a: User,
    member_a: User,
    police_a: User,
    admin_b: User,
    outsider: User,
) -> None:
    assert client_for(admin_a).get(url).status_code == 200
    assert client_for(member_a).get(url).status_code == 403
    assert client_for(police_a).get(url).status_code == 403
    assert client_for(admin_b).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404


def _queries(user: User, url: str) -> int:
    client = client_for(user)
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _records_add(partnership: Partnership, gallery: Gallery, count: int) -> None:
    today = timezone.localdate(timezone=LONDON)
    for n in range(count):
        profile = ProfileFactory(
            partnership=partnership,
            gender=("male", "female", "other")[n % 3],
            perceived_ethnicity=("IC1", "IC3", "IC4", "")[n % 4],
            date_of_birth=date(1960 + n % 50, 1, 1),
        )
        in_incident(profile, today - timedelta(days=n * 9))
        circulate(profile, gallery, today - timedelta(days=n * 7))
        notice(profile, (NoticeKind.WARNING, NoticeKind.EXCLUSION)[n % 2], today)


def test_five_and_fifty_profiles_cost_the_same_queries(
    admin_a: User, partnership_a: Partnership, visible_gallery: Gallery
) -> None:
    Partnership.objects.filter(pk=partnership_a.pk).update(records_perceived_ethnicity=True)
    _records_add(partnership_a, visible_gallery, 5)
    few = (_queries(admin_a, PAGE), _queries(admin_a, CSV_URL))
    _records_add(partnership_a, visible_gallery, 45)
    many = (_queries(admin_a, PAGE), _queries(admin_a, CSV_URL))
    assert few == many
