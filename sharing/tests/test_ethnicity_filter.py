"""The perceived-ethnicity filter (special-category data) narrows the Dataview only on the record.

django-filter applies the fields that validated and drops the rest, so `perceived_ethnicity=IC3`
beside a mistyped age once narrowed the list without an audit event. Now a filter form with any
error lists nothing and answers 400 with the errors; every request the filter narrows writes one
audit event with the code and the partnership.
"""

from __future__ import annotations

from typing import Any

import pytest

from bcrp.models import AuditEvent, User
from offenders.models import OffenderProfile
from partnerships.models import Partnership, Role
from tests.factories import ProfileFactory, partnership_make, person_in
from tests.fixtures import client_for
from tests.test_browser_sharing import log_in, row_names

ACTION = "dataview.filter_perceived_ethnicity"


@pytest.fixture
def recorded(partnership_a: Partnership) -> dict[str, OffenderProfile]:
    Partnership.objects.filter(pk=partnership_a.pk).update(records_perceived_ethnicity=True)
    return {
        code: ProfileFactory(partnership=partnership_a, perceived_ethnicity=code)
        for code in ("IC1", "IC3")
    }


@pytest.mark.parametrize("htmx", [False, True])
def test_an_invalid_sibling_field_lists_nothing_and_writes_no_event(
    htmx: bool, recorded: dict[str, OffenderProfile], admin_a: User
) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client_for(admin_a).get(
        "/p/alpha/dataview/?perceived_ethnicity=IC3&age_from=abc", headers=headers
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Age from: Enter a whole number." in html
    for profile in recorded.values():
        assert profile.reference not in html
    assert not AuditEvent.objects.filter(action=ACTION).exists()


def test_each_request_the_filter_narrows_is_audited_once(
    recorded: dict[str, OffenderProfile],
    partnership_a: Partnership,
    admin_a: User,
    police_a: User,
) -> None:
    for user in (admin_a, police_a):
        html = client_for(user).get("/p/alpha/dataview/?perceived_ethnicity=IC3").content.decode()
        assert recorded["IC3"].reference in html and recorded["IC1"].reference not in html
    client_for(admin_a).get(
        "/p/alpha/dataview/?perceived_ethnicity=IC3&page=1", headers={"HX-Request": "true"}
    )
    client_for(admin_a).get("/p/alpha/dataview/?build=medium")  # no ethnicity: no event
    events = AuditEvent.objects.filter(action=ACTION).order_by("id")
    assert [(e.actor_id, e.partnership_id, e.detail) for e in events] == [
        (admin_a.pk, partnership_a.pk, {"code": "IC3"}),
        (police_a.pk, partnership_a.pk, {"code": "IC3"}),
        (admin_a.pk, partnership_a.pk, {"code": "IC3"}),
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_a_bad_address_shows_the_error_and_choosing_a_code_is_audited(
    live_server: Any, page: Any
) -> None:
    lima = partnership_make("lima", "Lima BCRP")
    Partnership.objects.filter(pk=lima.pk).update(records_perceived_ethnicity=True)
    admin = person_in(lima, Role.ADMIN, email="admin.lima@example.org")
    ProfileFactory(partnership=lima, first_name="Ada", last_name="Ashby", perceived_ethnicity="IC1")
    ProfileFactory(partnership=lima, first_name="Ben", last_name="Boyd", perceived_ethnicity="IC3")
    log_in(page, live_server.url, admin)

    response = page.goto(f"{live_server.url}/p/lima/dataview/?perceived_ethnicity=IC3&age_from=x")
    assert response is not None and response.status == 400
    assert "Age from" in page.get_by_test_id("filter-errors").inner_text()
    assert row_names(page) == []
    assert not AuditEvent.objects.filter(action=ACTION).exists()

    page.goto(f"{live_server.url}/p/lima/dataview/")
    assert row_names(page) == ["Ada Ashby", "Ben Boyd"]
    page.select_option("select[name=perceived_ethnicity]", "IC3")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=result-count]').textContent.trim() === '1'"
    )
    assert row_names(page) == ["Ben Boyd"]
    event = AuditEvent.objects.get(action=ACTION)
    assert event.actor_id == admin.pk and event.partnership_id == lima.pk
    assert event.detail == {"code": "IC3"}
