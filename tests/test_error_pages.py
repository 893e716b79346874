"""Error pages render for a member who has a critical bulletin to read.

A 403, 404 or 400 raised inside a tenant view is rendered by Django's error handler, without the
page's `partnership` in its context; the critical-bulletin banner once needed it, so the member
got a server error instead of the refusal.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from bcrp.actors import Actor
from bcrp.models import User
from bulletins.models import Bulletin
from bulletins.services import bulletin_post
from partnerships.models import Partnership, Role
from tests.factories import ProfileFactory, membership_of, partnership_make, person_in
from tests.fixtures import client_for
from tests.test_browser_sharing import log_in

BANNER = 'id="critical-bulletins"'


@pytest.fixture
def alert(partnership_a: Partnership, admin_a: User) -> Bulletin:
    return bulletin_post(
        partnership=partnership_a,
        title="Knife seen near the station",
        body="Call 999.",
        critical=True,
        actor=Actor(user=admin_a),
    )


@pytest.mark.parametrize(
    "url", ["/p/alpha/profiles/987654/", "/p/alpha/incidents/987654/", "/p/alpha/bulletins/987654/"]
)
def test_not_found_inside_a_page_is_404_with_the_banner(
    url: str, alert: Bulletin, member_a: User
) -> None:
    response = client_for(member_a).get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Not found" in html
    assert BANNER in html and f'href="/p/alpha/bulletins/{alert.pk}/"' in html


def test_refused_inside_a_page_is_403_with_the_banner(
    alert: Bulletin, partnership_a: Partnership, member_a: User
) -> None:
    profile = ProfileFactory(partnership=partnership_a)
    response = client_for(member_a).post(f"/p/alpha/profiles/{profile.pk}/photos/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Not allowed" in html and f'href="/p/alpha/bulletins/{alert.pk}/"' in html


def test_bad_request_inside_a_page_is_400_with_the_banner(alert: Bulletin, member_a: User) -> None:
    too_many_fields = {f"field{n}": "x" for n in range(600)}
    response = client_for(member_a).post("/p/alpha/incidents/new/", too_many_fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert "could not be used" in html and f'href="/p/alpha/bulletins/{alert.pk}/"' in html


def test_the_server_error_page_renders_for_a_member_inside_a_partnership(
    alert: Bulletin, partnership_a: Partnership, member_a: User
) -> None:
    request = RequestFactory().get("/p/alpha/profiles/")
    request.user = member_a
    request.membership = membership_of(member_a, partnership_a)  # type: ignore[attr-defined]
    response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_member_following_a_stale_link_sees_not_found_and_can_reach_the_bulletin(
    live_server: Any, page: Any
) -> None:
    kilo = partnership_make("kilo", "Kilo BCRP")
    admin = person_in(kilo, Role.ADMIN, email="admin.kilo@example.org")
    member = person_in(kilo, Role.MEMBER, email="member.kilo@example.org")
    bulletin_post(
        partnership=kilo,
        title="Knife seen",
        body="Call 999.",
        critical=True,
        actor=Actor(user=admin),
    )
    log_in(page, live_server.url, member)

    response = page.goto(f"{live_server.url}/p/kilo/profiles/987654/")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
    page.locator("#critical-bulletins").get_by_role("link", name="Knife seen").click()
    page.wait_for_url(f"{live_server.url}/p/kilo/bulletins/*/")
    assert page.get_by_role("heading", name="Knife seen").is_visible()
