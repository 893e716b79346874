"""A query-count baseline for every list page under /p/<slug>/, NetBox-style.

Each list page is opened by every role that may open it, once with a few records of each kind
and once with several times as many. The count must not grow with the rows (an N+1 fails) and
must not exceed the figure kept in tests/query_counts.json. After a change that lowers a count,
or adds a list page, rewrite the file with `QUERY_BASELINE_UPDATE=1` and review its diff.
The API's list operations are held to tests/query_counts_api.json the same way, with 5 and 50.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bcrp.actors import Actor
from bcrp.models import User
from bulletins.services import bulletin_post
from offenders import services as offender_services
from partnerships.models import ApiToken, Membership, Partnership, Role, token_hash
from sharing import services as sharing_services
from sharing.candidates import candidate_pairs_refresh
from tests.factories import (
    BusinessFactory,
    GalleryFactory,
    PremisesFactory,
    ProfileFactory,
    api_token_for,
    image_on,
    incident_reported,
    partnership_make,
    person_in,
)
from tests.fixtures import api_client_for, client_for
from tests.test_tenancy_urls import CONVERTER, TENANT_PREFIX, tenant_routes

BASELINE_FILE = Path(__file__).with_name("query_counts.json")
UPDATE = os.environ.get("QUERY_BASELINE_UPDATE") == "1"

# Every page under /p/<slug>/ with no other URL parameter is a list (kept in the baseline) or a
# form for a new record (whose cost does not grow with the rows): a new page must be placed.
LIST_ROUTES = (
    "",
    "people/",
    "businesses/",
    "premises/",
    "profiles/",
    "gallery/",
    "galleries/",
    "dataview/",
    "partners/",
    "incidents/",
    "incidents/export.csv",
    "bulletins/",
    "bulletins/groups/",
    "stats/",
    "stats.csv",
    "settings/",
    "audit/",
    "audit.csv",
    "intelligence/travelling/",
    "intelligence/candidates/",
    "stats/fairness/",
    "stats/fairness.csv",
    "documents/",
    "documents/settings/",
)
NEW_RECORD_FORMS = (
    "people/invite/",
    "businesses/add/",
    "premises/add/",
    "profiles/new/",
    "galleries/add/",
    "incidents/new/",
    "bulletins/post/",
    "bulletins/groups/add/",
)
ROLES = (Role.ADMIN, Role.POLICE, Role.MEMBER)
FEW, MANY = 2, 6


def _parameterless_tenant_routes() -> set[str]:
    return {
        route.removeprefix(TENANT_PREFIX)
        for route, _pattern in tenant_routes()
        if [m.group("name") for m in CONVERTER.finditer(route)] == ["slug"]
    }


def test_every_page_without_a_record_in_its_address_is_placed() -> None:
    found = _parameterless_tenant_routes()
    placed = set(LIST_ROUTES) | set(NEW_RECORD_FORMS)
    assert found - placed == set(), "add these pages to LIST_ROUTES or NEW_RECORD_FORMS"
    assert placed - found == set(), "these pages are gone: take them out of the lists"


def _records_add(
    home: Partnership, partner: Partnership, admin: User, partner_admin: User, count: int
) -> None:
    """`count` more of every kind of record a list page shows, own and shared."""
    gallery = GalleryFactory(partnership=home, members_may_see=True)
    # The network's member reports them, so that member's own incident lists have rows too.
    reporter = Membership.objects.filter(partnership=home, role=Role.MEMBER).earliest("pk")
    for n in range(count):
        profile = ProfileFactory(partnership=home)
        image_on(profile, admin, seed=n + 1)
        offender_services.placement_add(profile=profile, gallery=gallery, actor=Actor(user=admin))
        notice = offender_services.exclusion_issue(
            profile=profile, kind="warning", reason="Theft", actor=Actor(user=admin)
        )
        offender_services.subject_request_submit(
            notice=notice,
            kind="access",
            name="A Person",
            email="person@example.net",
            details="Everything you hold",
            actor=Actor(user=None),
        )
        shared = ProfileFactory(partnership=partner)
        image_on(shared, partner_admin, seed=n + 50)
        business = BusinessFactory(partnership=home)
        PremisesFactory(business=business)
        person_in(home, Role.MEMBER)
        incident_reported(reporter, photos=1)
        offender_services.sighting_record(
            membership=reporter,
            profile=profile,
            premises=None,
            note="",
            actor=Actor(user=reporter.user, partnership=home),
        )
        bulletin_post(
            partnership=home,
            title=f"Alert {n}",
            body="Watch out",
            critical=False,
            actor=Actor(user=admin),
        )
        # The same person in the partner's records, for the candidates queue.
        twin = ProfileFactory(
            partnership=partner, first_name=profile.first_name, last_name=profile.last_name
        )
        image_on(twin, partner_admin, seed=n + 1)
        candidate_pairs_refresh([profile.pk])
        other = partnership_make(f"peer-{count}-{n}", f"Peer {count} {n}")
        sharing_services.consent_request(
            partnership=home,
            partner=other,
            agreement_reference=f"ISA-{count}-{n}",
            actor=Actor(user=admin),
        )


def _counts(home: Partnership, people: dict[str, User]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for role, person in people.items():
        client = client_for(person)
        for route in LIST_ROUTES:
            url = f"/p/{home.slug}/{route}"
            client.get(url)  # the first view of a page may warm per-session state
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            if response.status_code == 200:
                counts.setdefault(route, {})[role] = len(captured)
            else:
                assert response.status_code == 403, (url, role, response.status_code)
    return counts


@pytest.fixture
def network(db: None) -> tuple[Partnership, dict[str, User], Partnership, User]:
    home = partnership_make("quebec", "Quebec BCRP")
    partner = partnership_make("romeo", "Romeo BCRP")
    people = {role: person_in(home, role) for role in ROLES}
    partner_admin = person_in(partner, Role.ADMIN)
    sharing_services.consent_request(
        partnership=home,
        partner=partner,
        agreement_reference="ISA-1",
        actor=Actor(user=people[Role.ADMIN]),
    )
    sharing_services.consent_accept(
        partnership=partner, partner=home, actor=Actor(user=partner_admin)
    )
    return home, people, partner, partner_admin


def test_list_pages_cost_the_same_for_few_and_many_rows_and_no_more_than_the_baseline(
    network: tuple[Partnership, dict[str, User], Partnership, User],
) -> None:
    home, people, partner, partner_admin = network
    admin = people[Role.ADMIN]
    _records_add(home, partner, admin, partner_admin, FEW)
    few = _counts(home, people)
    _records_add(home, partner, admin, partner_admin, MANY - FEW)
    many = _counts(home, people)

    baseline_check(few, many, BASELINE_FILE)


def baseline_check(
    few: dict[str, dict[str, int]], many: dict[str, dict[str, int]], baseline_file: Path
) -> None:
    """Counts must not grow with the rows, and must equal the kept baseline."""
    grows = {
        (route, role): (few.get(route, {}).get(role), count)
        for route, by_role in many.items()
        for role, count in by_role.items()
        if count != few.get(route, {}).get(role)
    }
    assert grows == {}, f"queries grow with the rows (few, many): {grows}"

    if UPDATE:
        baseline_file.write_text(json.dumps(many, indent=2, sort_keys=True) + "\n")
    baseline: dict[str, dict[str, Any]] = json.loads(baseline_file.read_text())
    assert set(many) == set(baseline), "the baseline is missing pages or has stale ones"
    over = {
        (route, role): (count, baseline[route].get(role))
        for route, by_role in many.items()
        for role, count in by_role.items()
        if baseline[route].get(role) is None or count > baseline[route][role]
    }
    assert over == {}, f"more queries than the baseline (now, baseline): {over}"
    under = {
        (route, role): (count, baseline[route][role])
        for route, by_role in many.items()
        for role, count in by_role.items()
        if count < baseline[route][role]
    }
    assert under == {}, f"fewer queries than the baseline: lower it in {baseline_file.name}"


# The API: every list operation (a GET with no record in its address, and the lists of one
# record's rows named here), by every role's token, with 5 and with 50 records of each kind.
API_BASELINE_FILE = Path(__file__).with_name("query_counts_api.json")
API_FEW, API_MANY = 5, 50


def _fullest_gallery(home: Partnership) -> int:
    from django.db.models import Count

    from offenders.models import Gallery

    galleries = Gallery.objects.filter(partnership=home).annotate(rows=Count("placements"))
    return galleries.order_by("-rows").values_list("pk", flat=True)[0]


# The record each list of one record's rows is read from: the one with the most rows.
API_RECORD_LISTS: dict[str, Callable[[Partnership], Any]] = {
    "GalleryViewSet.placements": _fullest_gallery,
}


def _api_list_urls(home: Partnership) -> dict[str, str]:
    """Each list operation's URL for `home`, by its route."""
    from tests.test_api_tenancy import API_PREFIX, api_operations, fill, record_param

    urls = {}
    for route, method, operation, _view in api_operations():
        if method != "get":
            continue
        if record_param(route) is None:
            urls[route.removeprefix(API_PREFIX).strip("^$")] = fill(route, home.slug)
        elif operation in API_RECORD_LISTS:
            record = API_RECORD_LISTS[operation](home)
            urls[route.removeprefix(API_PREFIX).strip("^$")] = fill(route, home.slug, record)
    return urls


def _api_counts(home: Partnership, tokens: dict[str, str]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for role, token in tokens.items():
        client = api_client_for(token)
        for route, url in _api_list_urls(home).items():
            # A token's use is noted at most once a minute: forget the last note, so that this
            # first request always writes it and the measured one, just after, never does
            # (on a slow machine the minute could otherwise run out between the two).
            ApiToken.objects.filter(secret_hash=token_hash(token)).update(last_used_at=None)
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            if response.status_code == 200:
                counts.setdefault(route, {})[role] = len(captured)
            else:
                assert response.status_code == 403, (url, role, response.status_code)
    return counts


def test_api_lists_cost_the_same_for_5_and_50_rows_and_no_more_than_the_baseline(
    network: tuple[Partnership, dict[str, User], Partnership, User],
) -> None:
    home, people, partner, partner_admin = network
    admin = people[Role.ADMIN]
    tokens = {role: api_token_for(person, home) for role, person in people.items()}
    _records_add(home, partner, admin, partner_admin, API_FEW)
    few = _api_counts(home, tokens)
    _records_add(home, partner, admin, partner_admin, API_MANY - API_FEW)
    many = _api_counts(home, tokens)
    assert len(many) >= 1
    baseline_check(few, many, API_BASELINE_FILE)
