"""Whatever lands in a query string, no page answers with a server error.

Every GET page under /p/<slug>/ that takes no record id (lists, the Dataview, statistics, the
gallery...) is requested with random query strings: the names the pages read, with values that
are empty, huge, of the wrong type, out of range, or carry NUL bytes and odd Unicode.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bcrp.models import User
from partnerships.models import Partnership
from tests.factories import ProfileFactory
from tests.fixtures import client_for
from tests.test_tenancy_urls import CONVERTER, tenant_routes

NAMES = [
    "q", "page", "sort", "status", "gender", "build", "perceived_ethnicity", "age_from",
    "age_to", "offence", "warning", "gallery", "owner", "added_from", "added_to", "from",
    "to", "date_from", "date_to", "category", "premises", "business", "format", "period",
    "cursor",
]  # fmt: skip
VALUES = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["", "0", "-1", "9999999999", "2026-13-45", "abc", "1e9", "null", "[]"]),
    st.just("x" * 5000),
    st.text(alphabet="\x00\ud7ff\ufffd%&=;'\"<>", max_size=10),
)
QUERIES = st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=6)


def list_pages() -> list[str]:
    """Tenant routes with no parameter but the partnership's slug."""
    return [
        "/" + CONVERTER.sub("alpha", route)
        for route, _ in tenant_routes()
        if [m.group("name") for m in CONVERTER.finditer(route)] == ["slug"]
    ]


def encode(query: list[tuple[str, str]]) -> str:
    # Lone surrogates cannot be UTF-8 encoded by a browser either; send what one would.
    return urlencode([(k, v.encode("utf-8", "replace")) for k, v in query])


@pytest.fixture
def people(partnership_a: Partnership, admin_a: User, police_a: User, member_a: User) -> Any:
    for _ in range(3):
        ProfileFactory(partnership=partnership_a)
    return [client_for(admin_a), client_for(police_a), client_for(member_a)]


def test_there_are_list_pages_to_try() -> None:
    pages = list_pages()
    assert "/p/alpha/dataview/" in pages and "/p/alpha/profiles/" in pages
    assert len(pages) >= 10


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=QUERIES)
@example(query=[("age_from", "2026")])  # once a server error: a birth date before year 1
def test_random_query_strings_never_cause_a_server_error(
    people: list[Client], query: list[tuple[str, str]]
) -> None:
    qs = encode(query)
    for client in people:
        for url in list_pages():
            status = client.get(f"{url}?{qs}").status_code
            assert status < 500, f"{url}?{qs} -> {status}"
