"""A sign-in ends at its limits: so long after signing in, and so long without a request.

Members (and anyone who is a member anywhere) have their limits, administrators, police liaison
officers and platform operators theirs. Real time passes: the limits are set to seconds.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from bcrp.models import AuditEvent, User
from bcrp.session_limits import SIGNED_IN_AT
from partnerships import services
from partnerships.models import Partnership, Role
from tests.factories import PASSWORD, BusinessFactory, UserFactory, person_in
from tests.fixtures import client_for

LONG = timedelta(hours=1)


def limits(settings: Any, *, member: tuple[float, float], admin: tuple[float, float]) -> None:
    """(max age, idle) in seconds for members and for administrators, police and operators."""
    settings.MEMBER_SESSION_MAX_AGE = timedelta(seconds=member[0])
    settings.MEMBER_SESSION_IDLE = timedelta(seconds=member[1])
    settings.ADMIN_SESSION_MAX_AGE = timedelta(seconds=admin[0])
    settings.ADMIN_SESSION_IDLE = timedelta(seconds=admin[1])


def assert_signed_in(client: Client) -> None:
    assert client.get("/").status_code == 200


def assert_ended(client: Client, user: User, reason: str, says: str) -> None:
    response = client.get("/p/alpha/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/p/alpha/"
    assert says in client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.filter(
        action="auth.session_ended", actor=user, detail__reason=reason
    ).exists()
    assert AuditEvent.objects.filter(action="auth.logout", actor=user).exists()
    assert client.get("/").status_code == 302, "still signed out"


@pytest.fixture
def operator(db: None) -> User:
    return UserFactory(email="operator@example.org", is_staff=True)


@pytest.fixture
def admin_and_member(partnership_a: Partnership, partnership_b: Partnership) -> User:
    """Administrator of Alpha who is also a member (a till) of Bravo."""
    user = person_in(partnership_a, Role.ADMIN, email="both@example.org")
    services.membership_add(
        partnership=partnership_b,
        user=user,
        role=Role.MEMBER,
        business=BusinessFactory(partnership=partnership_b),
        actor=None,
    )
    return user


@pytest.mark.parametrize("short", ["member", "admin"])
def test_a_sign_in_left_alone_ends_after_its_idle_limit(
    short: str, settings: Any, member_a: User, admin_a: User
) -> None:
    idle = (LONG.total_seconds(), 2)
    lasting = (LONG.total_seconds(), LONG.total_seconds())
    limits(
        settings,
        member=idle if short == "member" else lasting,
        admin=idle if short == "admin" else lasting,
    )
    ends, stays = (member_a, admin_a) if short == "member" else (admin_a, member_a)
    ending, staying = client_for(ends), client_for(stays)
    assert_signed_in(ending)
    time.sleep(2.3)
    assert_ended(ending, ends, "idle", "You were signed out after 2 seconds without activity.")
    assert_signed_in(staying)


@pytest.mark.parametrize("short", ["member", "admin"])
def test_a_sign_in_ends_at_its_age_limit_however_busy(
    short: str, settings: Any, member_a: User, admin_a: User
) -> None:
    brief = (3, LONG.total_seconds())
    lasting = (LONG.total_seconds(), LONG.total_seconds())
    limits(
        settings,
        member=brief if short == "member" else lasting,
        admin=brief if short == "admin" else lasting,
    )
    ends, stays = (member_a, admin_a) if short == "member" else (admin_a, member_a)
    signed_in_at = time.monotonic()
    ending, staying = client_for(ends), client_for(stays)
    while time.monotonic() - signed_in_at < 2.5:
        assert_signed_in(ending)
        time.sleep(0.5)
    time.sleep(max(0.0, 3.3 - (time.monotonic() - signed_in_at)))
    assert_ended(ending, ends, "max_age", "a sign-in lasts at most 3 seconds")
    assert_signed_in(staying)


def test_activity_keeps_a_sign_in_going(settings: Any, member_a: User) -> None:
    limits(settings, member=(LONG.total_seconds(), 2), admin=(LONG.total_seconds(), 2))
    client = client_for(member_a)
    started = time.monotonic()
    while time.monotonic() - started < 4:  # twice the idle limit, never idle for long
        assert client.get("/p/alpha/").status_code == 200
        time.sleep(0.6)
    time.sleep(2.3)
    assert_ended(client, member_a, "idle", "after 2 seconds without activity")


@pytest.mark.parametrize(
    ("who", "expected"),
    [("admin_and_member", "member"), ("operator", "admin"), ("outsider", "member")],
)
def test_whose_limits_apply(
    who: str, expected: str, settings: Any, request: pytest.FixtureRequest
) -> None:
    """A member anywhere may be at a till, and so may someone with no role; operators are not."""
    user: User = request.getfixturevalue(who)
    short, lasting = (LONG.total_seconds(), 2), (LONG.total_seconds(), LONG.total_seconds())
    limits(
        settings,
        member=short if expected == "member" else lasting,
        admin=short if expected == "admin" else lasting,
    )
    client = client_for(user)
    assert_signed_in(client)
    time.sleep(2.3)
    assert client.get("/").status_code == 302


def test_an_htmx_request_after_the_end_sends_the_whole_page_to_sign_in(
    settings: Any, member_a: User
) -> None:
    limits(settings, member=(LONG.total_seconds(), 2), admin=(LONG.total_seconds(), 2))
    client = client_for(member_a)
    assert client.get("/p/alpha/incidents/").status_code == 200
    time.sleep(2.3)
    response = client.get(
        "/p/alpha/incidents/?page=2",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/p/alpha/gallery/?q=a"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/?next=" + quote("/p/alpha/gallery/?q=a", safe="")


def test_a_sign_in_from_before_the_limits_ends(member_a: User) -> None:
    client = client_for(member_a)
    session = client.session
    del session[SIGNED_IN_AT]
    session.save()
    assert_ended(client, member_a, "no_limits", "Please sign in again.")


def test_signing_in_again_starts_afresh(settings: Any, member_a: User) -> None:
    limits(settings, member=(LONG.total_seconds(), 2), admin=(LONG.total_seconds(), 2))
    client = client_for(member_a)
    time.sleep(2.3)
    assert client.get("/").status_code == 302
    response = client.post("/login/", {"username": member_a.email, "password": PASSWORD})
    assert response.status_code == 302
    assert_signed_in(client)


def test_the_session_cookie_goes_with_the_browser(member_a: User) -> None:
    """Nothing is kept for a shared till once the browser is closed."""
    client = Client()
    response = client.post("/login/", {"username": member_a.email, "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert_signed_in(client)
