"""Every address outside /p/<slug>/ is either listed here as open to anyone, with why, or sends a
visitor who is not signed in to the sign-in page. A notice's public page is open and shows
nothing of the partnership beyond that notice."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver

from bcrp.actors import Actor
from bcrp.models import User
from bulletins.services import bulletin_post
from offenders import services as offender_services
from partnerships.models import Partnership
from tests.factories import BusinessFactory, PremisesFactory, ProfileFactory
from tests.test_tenancy_urls import CONVERTER, TENANT_PREFIX, _walk

# The platform operator's Django admin answers with its own sign-in page; the API's tenant
# routes refuse with 401/403 and are walked in tests/test_api_tenancy.py.
OWN_WALKS = ("admin/", "api/v1/p/")

# Open to anyone, and why.
PUBLIC = {
    "healthz": "the load balancer's health check",
    "login": "signs in",
    "two-factor": "the second step of signing in",
    "logout": "signing out needs no sign-in",
    "password-reset": "asks for a reset link",
    "password-reset-sent": "says the link was sent",
    "password-reset-confirm": "sets a new password from an e-mailed link",
    "password-reset-done": "says the password was set",
    "invitation-accept": "an invited person has no account yet",
    "api-schema": "the API's description, with no data",
    "api-docs": "the API's documentation, with no data",
    "api-redoc": "the API's documentation, with no data",
    "app-manifest": "the installable app's manifest",
    "app-service-worker": "the installable app's service worker",
    "app-offline": "the page shown without signal",
    "public-notice": "a notice's page, for the person it names",
    "public-notice-appeal": "the appeal sent from a notice's page",
    "public-notice-access": "the subject access request sent from a notice's page",
    "public-privacy-notice": "a scheme's privacy notice, for anyone it may concern",
    "public-privacy-notice-pdf": "the same privacy notice as a PDF",
    "public-privacy-notice-short": "the short privacy notice printed on the back of a notice",
    "public-privacy-notice-short-pdf": "the same short notice as a PDF",
}


def outside_routes() -> list[tuple[str, Any]]:
    return [
        (route, pattern)
        for route, pattern in _walk(get_resolver().url_patterns)
        if not route.startswith(TENANT_PREFIX) and not route.startswith(OWN_WALKS)
    ]


@pytest.fixture
def shown_notice(partnership_a: Partnership, partnership_b: Partnership, admin_a: User) -> Any:
    """A notice on one premises, among other records of the partnership that must not show."""
    admin = Actor(user=admin_a)
    business = BusinessFactory(partnership=partnership_a, name="Unlisted Holdings")
    covered = PremisesFactory(business=business, name="Corner Shop", postcode="ZZ1 1ZZ")
    PremisesFactory(business=business, name="Other Branch", postcode="YY9 9YY")
    profile = ProfileFactory(partnership=partnership_a, first_name="Ophelia", last_name="Nobody")
    ProfileFactory(partnership=partnership_a, first_name="Bystander", last_name="Person")
    bulletin_post(
        partnership=partnership_a,
        title="Shoplifter alert",
        body="Watch out",
        critical=False,
        actor=admin,
    )
    return offender_services.exclusion_issue(
        profile=profile, kind="exclusion", reason="Theft", premises=[covered], actor=admin
    )


def test_the_routes_outside_partnerships_are_found() -> None:
    names = {pattern.name for _route, pattern in outside_routes()}
    assert {"login", "public-notice", "dashboard", "api-tokens"} <= names


def test_public_routes_are_all_real() -> None:
    names = {pattern.name for _route, pattern in outside_routes()}
    assert set(PUBLIC) - names == set(), "these are gone: take them out of PUBLIC"


@pytest.mark.parametrize("route", [route for route, _ in outside_routes()])
def test_each_route_outside_partnerships_is_listed_public_or_needs_sign_in(
    route: str, shown_notice: Any
) -> None:
    pattern = dict(outside_routes())[route]
    values = {"token": shown_notice.public_token, "pk": 1}

    def filled(match: Any) -> str:
        return str(values.get(match.group("name"), secrets.token_urlsafe(8)))

    url = "/" + CONVERTER.sub(filled, route)
    octets = ".".join(str(secrets.randbelow(254) + 1) for _ in range(3))
    response = Client(REMOTE_ADDR=f"10.{octets}").get(url)
    if pattern.name in PUBLIC:
        assert response.status_code != 500, url
        return
    assert response.status_code == 302, (url, response.status_code)
    assert response["Location"].startswith("/login/"), (url, response["Location"])


def test_the_public_notice_shows_no_partnership_data_beyond_the_notice(
    shown_notice: Any, admin_a: User, partnership_b: Partnership
) -> None:
    response = Client(REMOTE_ADDR="192.0.2.77").get(f"/n/{shown_notice.public_token}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Corner Shop, ZZ1 1ZZ" in text and "Alpha BCRP" in text
    for hidden in (
        "Other Branch",
        "YY9 9YY",
        "Unlisted Holdings",
        "Ophelia",
        "Nobody",
        "Bystander",
        "Shoplifter alert",
        admin_a.email,
        admin_a.full_name,
        partnership_b.name,
        shown_notice.profile.reference,
        "/p/",
        "Sign out",
    ):
        assert hidden not in text, hidden
