"""The Dataview's keyset pages: every visible row exactly once in every sort order (ties
included), nothing the viewer may not see even when sharing ends between two pages, a damaged
cursor answered with 400, and the same queries for a deep page as for the first."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.keyset import cursor_make
from bcrp.models import User
from offenders.models import OffenderProfile
from partnerships.models import Partnership
from sharing import services
from sharing.filtersets import SORT_COLUMNS
from sharing.views import DataviewView
from tests.factories import ProfileFactory, image_on
from tests.fixtures import client_for

PAGE_SIZE = 3
DATAVIEW = "/p/alpha/dataview/"


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DataviewView, "page_size", PAGE_SIZE)


@pytest.fixture
def shared(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> dict[str, Any]:
    """Alpha and Bravo share; their profiles tie on the time added, the surname and (across
    the two) the reference; Bravo keeps one profile to itself."""
    services.consent_request(
        partnership=partnership_a,
        partner=partnership_b,
        agreement_reference="ISA-1",
        actor=Actor(user=admin_a),
    )
    services.consent_accept(
        partnership=partnership_b, partner=partnership_a, actor=Actor(user=admin_b)
    )
    moment = timezone.now() - timedelta(days=3)
    own, peers = [], []
    for n in range(5):
        fields = {"created_at": moment + timedelta(hours=n // 3), "last_name": "Smith"}
        own.append(ProfileFactory(partnership=partnership_a, reference=f"R-{n:05d}", **fields))
        peers.append(ProfileFactory(partnership=partnership_b, reference=f"R-{n:05d}", **fields))
    own.append(ProfileFactory(partnership=partnership_a, last_name="Adams", created_at=moment))
    image_on(own[0], admin_a)
    hidden = ProfileFactory(
        partnership=partnership_b, last_name="Smith", created_at=moment, local_only=True
    )
    return {"own": own, "peers": peers, "hidden": hidden}


def _cursor_raw(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _walk(client: Client, query: str) -> list[list[int]]:
    """Every page from the first by its Next links, then back by Previous; the two agree."""
    pages: list[list[int]] = []
    url = f"{DATAVIEW}?{query}"
    while True:
        response = client.get(url)
        assert response.status_code == 200, response.content
        page = response.context["page"]
        pages.append([row.id for row in page.rows])
        if page.next_cursor is None:
            break
        url = f"{DATAVIEW}?{query}&cursor={page.next_cursor}"
    back = [pages[-1]]
    while page.previous_cursor is not None:
        response = client.get(f"{DATAVIEW}?{query}&cursor={page.previous_cursor}")
        page = response.context["page"]
        back.append([row.id for row in page.rows])
    assert back[::-1] == pages
    return pages


@pytest.mark.parametrize("query", [f"sort={name}" for name in SORT_COLUMNS] + ["q=smith"])
def test_cursor_pages_list_every_visible_row_once_in_every_order(
    query: str, small_pages: None, shared: dict[str, Any], admin_a: User
) -> None:
    pages = _walk(client_for(admin_a), query)
    listed = [pk for page in pages for pk in page]
    expected = {p.pk for p in shared["own"] + shared["peers"]}
    if query == "q=smith":
        expected -= {shared["own"][-1].pk}  # Adams
    assert len(listed) == len(set(listed)) == len(expected)
    assert set(listed) == expected
    assert all(len(page) == PAGE_SIZE for page in pages[:-1])
    html = client_for(admin_a).get(f"{DATAVIEW}?{query}").content.decode()
    assert f'data-testid="result-count">{len(expected)}<' in html


def test_the_order_across_pages_is_the_sort_asked_for(
    small_pages: None, shared: dict[str, Any], admin_a: User
) -> None:
    rows = OffenderProfile.objects.filter(
        pk__in=[p.pk for p in shared["own"] + shared["peers"]]
    ).order_by("-created_at", "-id")
    assert [pk for page in _walk(client_for(admin_a), "") for pk in page] == [p.pk for p in rows]
    by_name = [pk for page in _walk(client_for(admin_a), "sort=name") for pk in page]
    assert by_name[0] == shared["own"][-1].pk  # Adams before the Smiths
    smiths = by_name[1:]
    assert smiths == sorted(smiths)  # ties on the surname follow the id


def test_rows_of_a_peer_vanish_from_the_next_page_when_sharing_ends(
    small_pages: None,
    shared: dict[str, Any],
    partnership_a: Partnership,
    partnership_b: Partnership,
    admin_a: User,
) -> None:
    client = client_for(admin_a)
    before = client.get(DATAVIEW)
    first = before.context["page"]
    owner_choice = f'<option value="{partnership_b.pk}">'
    assert owner_choice in before.content.decode()
    services.consent_revoke(
        partnership=partnership_a, partner=partnership_b, actor=Actor(user=admin_a)
    )
    # The owner filter's query is compiled once per process; its answer is read every time.
    assert owner_choice not in client.get(DATAVIEW).content.decode()
    url = f"{DATAVIEW}?cursor={first.next_cursor}"
    listed: list[Any] = []
    while url:
        page = client.get(url).context["page"]
        listed += page.rows
        url = f"{DATAVIEW}?cursor={page.next_cursor}" if page.next_cursor else ""
    assert listed and {row.partnership_name for row in listed} == {partnership_a.name}
    shown = {row.id for row in first.rows} | {row.id for row in listed}
    own = {p.pk for p in shared["own"]}
    assert own <= shown and shared["hidden"].pk not in shown


def test_the_row_kept_to_its_partnership_is_on_no_page(
    small_pages: None, shared: dict[str, Any], police_a: User
) -> None:
    for query in ("", "sort=name", "sort=partnership"):
        listed = {pk for page in _walk(client_for(police_a), query) for pk in page}
        assert shared["hidden"].pk not in listed
        assert {p.pk for p in shared["peers"]} <= listed


GARBAGE = [
    "abc",
    "!!!",
    "e30",  # {}
    _cursor_raw([1, 2]),
    _cursor_raw({"o": "", "k": [1], "b": False}),
    _cursor_raw({"o": "", "k": ["yesterday", 1], "b": False}),
    _cursor_raw({"o": "", "k": ["2026-01-01T00:00:00", 1], "b": False}),
    _cursor_raw({"o": "", "k": ["+99999-01-01T00:00:00+00:00", 1], "b": False}),
    _cursor_raw({"o": "", "k": ["2026-01-01T00:00:00+00:00", 10**30], "b": False}),
    _cursor_raw({"o": "", "k": ["2026-01-01T00:00:00+00:00", "1"], "b": False}),
    _cursor_raw({"o": "", "k": ["2026-01-01T00:00:00+00:00", 1]}),
    _cursor_raw({"o": "name", "k": ["Smith", 1], "b": False}),
]
GARBAGE_BY_NAME = [
    _cursor_raw({"o": "name", "k": ["Sm\x00ith", 1], "b": False}),
    _cursor_raw({"o": "name", "k": [["Smith"], 1], "b": False}),
    _cursor_raw({"o": "name", "k": ["x" * 5000, 1], "b": False}),
    cursor_make("", [timezone.now(), 1]),
]


@pytest.mark.parametrize("htmx", [False, True])
def test_a_damaged_cursor_is_a_400_that_says_how_to_go_on(
    htmx: bool, shared: dict[str, Any], admin_a: User
) -> None:
    client = client_for(admin_a)
    headers = {"HX-Request": "true"} if htmx else {}
    cases = [("", raw) for raw in GARBAGE] + [("sort=name&", raw) for raw in GARBAGE_BY_NAME]
    for query, raw in cases:
        response = client.get(f"{DATAVIEW}?{query}cursor={raw}", headers=headers)
        assert response.status_code == 400, raw
        html = response.content.decode()
        assert 'data-testid="bad-cursor"' in html and "Start again from the first page" in html
        assert shared["own"][0].reference not in html


def test_an_old_page_number_goes_to_its_cursor_page(
    small_pages: None, shared: dict[str, Any], admin_a: User
) -> None:
    client = client_for(admin_a)
    pages = _walk(client, "sort=name")
    response = client.get(f"{DATAVIEW}?sort=name&page=2")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{DATAVIEW}?sort=name&cursor=")
    page = client.get(response["Location"]).context["page"]
    assert [row.id for row in page.rows] == pages[1]
    # Past the end, to the first page with the same filters; not a number, the first page.
    assert client.get(f"{DATAVIEW}?sort=name&page=99")["Location"] == f"{DATAVIEW}?sort=name"
    for raw in ("abc", "0", "-3", "1", "9" * 40):
        response = client.get(f"{DATAVIEW}?sort=name&page={raw}")
        assert response.status_code == 200
        assert [row.id for row in response.context["page"].rows] == pages[0]


def test_a_deep_page_costs_the_queries_of_the_first(
    small_pages: None, shared: dict[str, Any], admin_a: User
) -> None:
    client = client_for(admin_a)
    client.get(DATAVIEW)  # the first view of a page may warm per-session state
    counts = []
    url = DATAVIEW
    while url:
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).context["page"]
        counts.append(len(captured))
        url = f"{DATAVIEW}?cursor={page.next_cursor}" if page.next_cursor else ""
    assert len(counts) >= 3 and len(set(counts)) == 1


def test_past_the_cap_the_count_says_more_than(
    monkeypatch: pytest.MonkeyPatch, shared: dict[str, Any], admin_a: User
) -> None:
    monkeypatch.setattr("sharing.views.COUNT_CAP", 4)
    html = client_for(admin_a).get(DATAVIEW).content.decode()
    assert 'data-testid="result-count">More than 4<' in html
    html = client_for(admin_a).get(f"{DATAVIEW}?q=adams").content.decode()
    assert 'data-testid="result-count">1<' in html
