"""The statistics page and its CSV: the numbers equal counts made here from the incidents made here.

Times are UK local; a summer incident just after midnight BST is the day, hour and month it was
on the shop's clock, not in UTC. Rejected reports and other partnerships' incidents never count.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bcrp.models import User
from incidents.forms import stats_default_range
from incidents.models import Category, Incident, IncidentStatus
from incidents.selectors import TOP_PREMISES, WEEKDAYS, incident_stats
from partnerships.models import Partnership, Premises, Role
from tests.factories import PASSWORD, BusinessFactory, PremisesFactory, partnership_make, person_in
from tests.fixtures import client_for

LONDON = ZoneInfo("Europe/London")
RANGE = {"from": "2024-01-01", "to": "2024-12-31"}
PAGE = "/p/alpha/stats/"
CSV_URL = "/p/alpha/stats.csv"


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)  # type: ignore[misc]


def incident(
    partnership: Partnership,
    occurred_at: datetime,
    category: str = Category.THEFT,
    premises: Premises | None = None,
    lost: str = "0",
    recovered: str = "0",
    status: str = IncidentStatus.ACCEPTED,
) -> Incident:
    return Incident.objects.create(
        partnership=partnership,
        premises=premises,
        occurred_at=occurred_at,
        category=category,
        description="Statistics test incident.",
        value_lost=Decimal(lost),
        value_recovered=Decimal(recovered),
        status=status,
    )


def premises_in(partnership: Partnership, name: str) -> Premises:
    return PremisesFactory(business=BusinessFactory(partnership=partnership), name=name)


def premises_label(premises: Premises) -> str:
    return f"{premises.business.name}, {premises.name} ({premises.postcode})"


@pytest.fixture
def incidents(partnership_a: Partnership, partnership_b: Partnership) -> list[Incident]:
    """A year of incidents in Alpha, with the awkward ones: BST midnight, rejected, Bravo's."""
    high_street = premises_in(partnership_a, "High Street")
    station = premises_in(partnership_a, "Station Road")
    bravo_shop = premises_in(partnership_b, "Bravo Mall")
    return [
        # 00:30 BST on Thursday 1 August is 23:30 UTC on Wednesday 31 July.
        incident(partnership_a, london(2024, 8, 1, 0, 30), Category.VIOLENCE, high_street, "5.25"),
        # 23:30 BST on Monday 15 July is 22:30 UTC.
        incident(
            partnership_a, london(2024, 7, 15, 23, 30), Category.THEFT, high_street, "10.50", "2.00"
        ),
        incident(
            partnership_a, london(2024, 7, 20, 14, 5), Category.THEFT, station, "99.99", "99.99"
        ),
        incident(partnership_a, london(2024, 1, 1, 0, 0), Category.ABUSE, station),
        incident(
            partnership_a, london(2024, 1, 10, 9, 15), Category.THEFT, None, "1200.00", "0.50"
        ),
        incident(
            partnership_a,
            london(2024, 12, 31, 23, 59),
            Category.ASB,
            station,
            "3.00",
            status=IncidentStatus.SUBMITTED,
        ),
        # Not counted: rejected, outside the range (both ends), another partnership's.
        incident(
            partnership_a,
            london(2024, 7, 16, 12, 0),
            Category.FRAUD,
            station,
            "500",
            status=IncidentStatus.REJECTED,
        ),
        incident(partnership_a, london(2023, 12, 31, 23, 59), Category.THEFT, station, "7"),
        incident(partnership_a, london(2025, 1, 1, 0, 0), Category.THEFT, station, "7"),
        incident(partnership_b, london(2024, 7, 15, 23, 30), Category.DAMAGE, bravo_shop, "300"),
    ]


def expected(created: list[Incident], partnership: Partnership) -> dict[str, dict[str, Any]]:
    """Counts and sums by dimension, from the Python objects this test created."""
    counted = [
        i
        for i in created
        if i.partnership_id == partnership.pk
        and i.status != IncidentStatus.REJECTED
        and date(2024, 1, 1) <= i.occurred_at.astimezone(LONDON).date() <= date(2024, 12, 31)
    ]
    keys = {
        "category": lambda i: i.get_category_display(),
        "premises": lambda i: premises_label(i.premises) if i.premises else "No premises given",
        "hour": lambda i: f"{i.occurred_at.astimezone(LONDON).hour:02d}:00",
        "weekday": lambda i: WEEKDAYS[i.occurred_at.astimezone(LONDON).isoweekday() - 1],
        "month": lambda i: i.occurred_at.astimezone(LONDON).strftime("%Y-%m"),
    }
    result: dict[str, dict[str, Any]] = {}
    for dimension, key in keys.items():
        count: Counter[str] = Counter()
        lost: dict[str, Decimal] = defaultdict(Decimal)
        recovered: dict[str, Decimal] = defaultdict(Decimal)
        for i in counted:
            count[key(i)] += 1
            lost[key(i)] += i.value_lost
            recovered[key(i)] += i.value_recovered
        result[dimension] = {k: (count[k], lost[k], recovered[k]) for k in count}
    result["total"] = {
        "all": (
            len(counted),
            sum((i.value_lost for i in counted), Decimal(0)),
            sum((i.value_recovered for i in counted), Decimal(0)),
        )
    }
    return result


class TableReader(HTMLParser):
    """The rows of every <table id=...> on a page, as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.table: list[list[str]] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.table = self.tables.setdefault(dict(attrs).get("id") or "", [])
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in {"td", "th"} and self.table is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self.table is not None and self.cell is not None:
            self.table[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def money(text: str) -> Decimal:
    return Decimal(text.removeprefix("£").replace(",", ""))


def page_tables(html: str) -> dict[str, dict[str, tuple[int, Decimal, Decimal]]]:
    reader = TableReader()
    reader.feed(html)
    return {
        table_id.removeprefix("table-"): {
            label: (int(count), money(lost), money(recovered))
            for label, count, lost, recovered in rows[1:]
        }
        for table_id, rows in reader.tables.items()
        if table_id.startswith("table-")
    }


def nonzero(rows: dict[str, tuple[int, Decimal, Decimal]]) -> dict[str, Any]:
    return {k: v for k, v in rows.items() if v[0]}


def test_page_numbers_equal_the_incidents(
    incidents: list[Incident], partnership_a: Partnership, admin_a: User
) -> None:
    response = client_for(admin_a).get(PAGE, RANGE)
    assert response.status_code == 200
    want = expected(incidents, partnership_a)
    tables = page_tables(response.content.decode())

    assert nonzero(tables["category"]) == want["category"]
    assert nonzero(tables["premises"]) == want["premises"]
    assert nonzero(tables["hour"]) == want["hour"]
    assert nonzero(tables["weekday"]) == want["weekday"]
    month_labels = {
        datetime.strptime(key, "%Y-%m").strftime("%b %Y"): value
        for key, value in want["month"].items()
    }
    assert nonzero(tables["month"]) == month_labels

    # Every bucket is present, zeros included, in order.
    assert list(tables["hour"]) == [f"{h:02d}:00" for h in range(24)]
    assert list(tables["weekday"]) == list(WEEKDAYS)
    assert list(tables["category"]) == [str(label) for label in Category.labels]
    assert len(tables["month"]) == 12

    # The BST incident is 00:00 on a Thursday in August, not 23:00 on a Wednesday in July.
    assert tables["hour"]["00:00"][0] == 2  # with 1 January 00:00 GMT
    assert tables["hour"]["23:00"][0] == 2  # 15 July 23:30 BST and 31 December 23:59 GMT
    assert tables["month"]["Aug 2024"] == (1, Decimal("5.25"), Decimal("0"))

    count, lost, recovered = want["total"]["all"]
    html = response.content.decode()
    assert f'<strong id="total-incidents">{count}</strong>' in html
    assert f'<strong id="total-lost">£{lost:,.2f}</strong>' in html
    assert f'<strong id="total-recovered">£{recovered:,.2f}</strong>' in html
    assert "rejected reports are not counted" in html


def test_page_embeds_chart_data_and_no_inline_code(
    incidents: list[Incident], police_a: User
) -> None:
    response = client_for(police_a).get(PAGE, RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<script id="stats-data" type="application/json">' in html
    assert "/static/vendor/chartjs/chart.umd.min.js" in html
    assert "/static/js/stats.js" in html
    assert "<script>" not in html
    assert "cdn" not in html.lower()
    data = response.context["chart_data"]
    assert set(data) == {"category", "premises", "hour", "weekday", "month"}
    assert len(data["hour"]["incidents"]) == 24
    assert data["month"]["labels"][7] == "Aug 2024"


def test_csv_rows_equal_the_incidents(
    incidents: list[Incident], partnership_a: Partnership, police_a: User
) -> None:
    response = client_for(police_a).get(CSV_URL, RANGE)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="alpha-incident-statistics.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["dimension", "key", "incidents", "value_lost", "value_recovered"]
    got: dict[str, dict[str, tuple[int, Decimal, Decimal]]] = defaultdict(dict)
    for dimension, key, count, lost, recovered in rows[1:]:
        got[dimension][key] = (int(count), Decimal(lost), Decimal(recovered))

    want = expected(incidents, partnership_a)
    assert got["total"] == {"2024-01-01 to 2024-12-31": want["total"]["all"]}
    for dimension in ("category", "premises", "hour", "weekday", "month"):
        assert nonzero(got[dimension]) == want[dimension], dimension
    assert len(got["hour"]) == 24
    assert len(got["weekday"]) == 7
    assert len(got["month"]) == 12


def test_time_zone_of_the_request_does_not_move_the_hours(
    incidents: list[Incident], partnership_a: Partnership
) -> None:
    in_london = incident_stats(
        partnership=partnership_a, date_from=date(2024, 1, 1), date_to=date(2024, 12, 31)
    )
    with timezone.override(ZoneInfo("America/New_York")):
        elsewhere = incident_stats(
            partnership=partnership_a, date_from=date(2024, 1, 1), date_to=date(2024, 12, 31)
        )
    assert elsewhere == in_london


def test_premises_beyond_the_top_fifteen_are_one_other_bar(partnership_a: Partnership) -> None:
    shops = [premises_in(partnership_a, f"Unit {n:02d}") for n in range(TOP_PREMISES + 3)]
    for n, shop in enumerate(shops):
        for _ in range(n + 1):
            incident(partnership_a, london(2024, 5, 1, 12), premises=shop, lost="1")
    stats = incident_stats(
        partnership=partnership_a, date_from=date(2024, 1, 1), date_to=date(2024, 12, 31)
    )
    labels = [row.label for row in stats.by_premises]
    assert labels[:TOP_PREMISES] == [premises_label(s) for s in reversed(shops[3:])]
    other = stats.by_premises[TOP_PREMISES]
    assert (other.label, other.incidents, other.value_lost) == ("Other premises (3)", 6, 6)
    assert len(stats.by_premises) == TOP_PREMISES + 1


def test_default_range_is_the_last_twelve_months(partnership_a: Partnership, admin_a: User) -> None:
    today = timezone.localdate(timezone=LONDON)
    date_from, date_to = stats_default_range(today)
    assert date_to == today and date_from.day == 1
    assert (today - date_from).days < 366
    incident(partnership_a, timezone.now() - timedelta(minutes=5), lost="4")
    incident(partnership_a, timezone.now() - timedelta(days=400), lost="8")

    response = client_for(admin_a).get(PAGE)
    assert response.status_code == 200
    assert response.context["stats"].total.incidents == 1
    assert len(response.context["stats"].by_month) == 12
    csv_href = f'href="/p/alpha/stats.csv?from={date_from.isoformat()}&amp;to={today.isoformat()}"'
    assert csv_href in response.content.decode()


def test_stats_default_range_crosses_the_year() -> None:
    assert stats_default_range(date(2025, 3, 14)) == (date(2024, 4, 1), date(2025, 3, 14))
    assert stats_default_range(date(2025, 12, 31)) == (date(2025, 1, 1), date(2025, 12, 31))


def test_bad_range_is_explained_on_the_page_and_refused_as_csv(admin_a: User) -> None:
    client = client_for(admin_a)
    response = client.get(PAGE, {"from": "2024-12-01", "to": "2024-01-01"})
    assert response.status_code == 200
    assert "The start date must be on or before the end date." in response.content.decode()
    assert client.get(CSV_URL, {"from": "2024-12-01", "to": "2024-01-01"}).status_code == 400
    assert client.get(CSV_URL, {"from": "yesterday"}).status_code == 400


def test_csv_cells_cannot_be_spreadsheet_formulas(
    partnership_a: Partnership, admin_a: User
) -> None:
    business = BusinessFactory(partnership=partnership_a, name="@SUM(A1:A9)")
    shop = PremisesFactory(business=business, name="Unit 1")
    incident(partnership_a, london(2024, 3, 1, 10), premises=shop)
    response = client_for(admin_a).get(CSV_URL, RANGE)
    premises_keys = [
        key
        for dimension, key, *_ in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
        if dimension == "premises"
    ]
    assert premises_keys == ["'@SUM(A1:A9), Unit 1 (W1 2AB)"]


def test_who_may_see_the_statistics(
    partnership_a: Partnership,
    admin_a: User,
    police_a: User,
    member_a: User,
    admin_b: User,
    outsider: User,
) -> None:
    for url in (PAGE, CSV_URL):
        assert client_for(admin_a).get(url).status_code == 200, url
        assert client_for(police_a).get(url).status_code == 200, url
        assert client_for(member_a).get(url).status_code == 403, url
        assert client_for(admin_b).get(url).status_code == 404, url
        assert client_for(outsider).get(url).status_code == 404, url


def test_nav_link_for_admin_and_police_only(admin_a: User, police_a: User, member_a: User) -> None:
    link = 'href="/p/alpha/stats/"'
    assert link in client_for(admin_a).get("/p/alpha/").content.decode()
    assert link in client_for(police_a).get("/p/alpha/").content.decode()
    assert link not in client_for(member_a).get("/p/alpha/").content.decode()


def test_query_count_does_not_grow_with_incidents(
    partnership_a: Partnership, admin_a: User
) -> None:
    client = client_for(admin_a)
    client.get(PAGE, RANGE)

    def made(count: int, start: int) -> None:
        for n in range(start, start + count):
            shop = premises_in(partnership_a, f"Shop unit {n}")
            incident(partnership_a, london(2024, 1 + n % 12, 1 + n % 28, n % 24), premises=shop)

    made(3, 0)
    with CaptureQueriesContext(connection) as few:
        assert client.get(PAGE, RANGE).status_code == 200
    made(27, 3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(PAGE, RANGE)
    assert response.context["stats"].total.incidents == 30
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 375])
def test_charts_are_drawn_in_chromium(live_server: Any, page: Any, width: int) -> None:
    partnership = partnership_make("hotel", "Hotel BCRP")
    police = person_in(partnership, Role.POLICE, email="police.hotel@example.org")
    shops = [premises_in(partnership, f"Unit {n}") for n in range(18)]
    now = timezone.now()
    for n in range(60):
        incident(
            partnership,
            now - timedelta(days=n * 5, hours=n * 7),
            category=Category.values[n % 5],
            premises=shops[n % len(shops)] if n % 9 else None,
            lost=f"{(n * 37) % 250}.50",
            recovered=f"{(n * 11) % 40}",
        )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if "/static/" in r.url and r.status >= 400
            else None
        ),
    )
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", police.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/p/hotel/stats/")

    charts = ["month", "category", "premises", "hour", "weekday"]
    for name in charts:
        page.wait_for_function(f"() => Chart.getChart('chart-{name}') !== undefined")
        box = page.locator(f"#chart-{name}").bounding_box()
        assert box["width"] > 200 and box["height"] > 150, (name, box)
        assert box["x"] + box["width"] <= width, (name, box)
    assert page.evaluate("Chart.getChart('chart-premises').data.labels.length") == 17
    assert page.evaluate("document.querySelectorAll('details[open]').length") == 0
    assert errors == []
    Path("var/screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"var/screenshots/stats-{width}.png", full_page=True)
