"""Whatever lands in a URL's path, no page answers with a server error.

Every route in the URLconf (the Django admin aside) is requested with junk in each of its path
parameters in turn (NUL bytes, bytes that are not UTF-8, numbers too big for the database, very
long text...), the others filled with plausible values, by every kind of person, with GET and with
a POST whose fields carry NUL bytes too. The member has a critical bulletin to read, so the banner
is on every error page they get.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver

from bcrp.actors import Actor
from bcrp.models import User
from bulletins.services import bulletin_post
from partnerships.models import Partnership
from sharing.models import SharingConsent
from tests.fixtures import client_for
from tests.test_tenancy_urls import CONVERTER, _walk, build_urls, tenant_routes
from tests.test_tenancy_urls import world as world  # the fixture, for the test below

# Already percent-encoded, as they would arrive on the wire.
JUNK = [
    "%00",
    "abc%00def",
    "%ff%fe",
    "%ED%A0%80",  # an encoded lone surrogate
    "%2F",
    "..",
    "x" * 1500,
    "99999999999999999999999",
    "-1",
    "%E2%98%83%20'%22%3C%3E",
]
# The slug converter lets only these kinds through to a view; the rest are tried elsewhere.
SLUG_JUNK = ["%00", "x" * 1500, "99999999999999999999999", "-1"]
PLAUSIBLE = {
    "slug": "alpha",
    "pk": "1",
    "token": "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde",
    "other": "bravo",
    "uidb64": "MQ",
    "document": "1",
}
POST_BODY = {
    name: "bad\x00value"
    for name in (
        "email", "role", "title", "body", "reason", "reference", "agreement_reference",
        "request_reference", "code", "name", "q", "first_name", "last_name", "gallery",
        "expires_on", "kind", "description", "category", "premises", "business",
    )
}  # fmt: skip


def routes() -> list[str]:
    return [
        route
        for route, _pattern in _walk(get_resolver().url_patterns)
        # The API's routes have their own walk (tests/test_api_tenancy.py).
        if CONVERTER.search(route) and not route.startswith(("admin/", "api/"))
    ]


def methods(route: str) -> list[str]:
    """The methods the route's view answers (the others are a 405 before any view code)."""
    view_class = dict(_walk(get_resolver().url_patterns))[route].callback.view_class  # type: ignore[attr-defined]
    return [
        m for m in ("get", "post") if m in view_class.http_method_names and hasattr(view_class, m)
    ]


def urls_with_junk(route: str) -> list[str]:
    """The route once per (parameter, junk value), the other parameters plausible."""
    names = [m.group("name") for m in CONVERTER.finditer(route)]
    for name in names:
        assert name in PLAUSIBLE, f"teach this test a plausible value for {name} in {route}"
    urls = []
    for junk_name in names:
        for junk in SLUG_JUNK if junk_name == "slug" else JUNK:
            urls.append(
                "/"
                + CONVERTER.sub(
                    lambda m, j=junk_name, v=junk: (
                        v if m.group("name") == j else PLAUSIBLE[m.group("name")]
                    ),
                    route,
                )
            )
    return urls


@pytest.fixture
def people(
    partnership_a: Partnership,
    admin_a: User,
    member_a: User,
    police_a: User,
    outsider: User,
) -> list[Client]:
    bulletin_post(
        partnership=partnership_a,
        title="Alert",
        body="Watch out",
        critical=True,
        actor=Actor(user=admin_a),
    )
    clients = [Client()] + [client_for(user) for user in (admin_a, member_a, police_a, outsider)]
    for client in clients:
        # A server error is a response with status 500, not an exception in the test.
        client.raise_request_exception = False
    return clients


def test_every_parameterised_route_is_tried() -> None:
    tried = routes()
    for expected in (
        "p/<slug:slug>/photos/<token:token>/",
        "p/<slug:slug>/incident-photos/<token:token>/thumb/",
        "p/<slug:slug>/exports/<token:token>/download/",
        "invite/<token:token>/",
        "p/<slug:slug>/profiles/<int:pk>/",
    ):
        assert expected in tried
    assert len(tried) >= 40


@pytest.mark.parametrize("route", routes())
def test_junk_in_a_path_parameter_is_never_a_server_error(route: str, people: list[Client]) -> None:
    answered = methods(route)
    assert answered, route
    for url in urls_with_junk(route):
        for client in people:
            if "get" in answered:
                status = client.get(url).status_code
                assert status < 500, f"GET {url} -> {status}"
            if "post" in answered:
                status = client.post(url, POST_BODY).status_code
                assert status < 500, f"POST {url} -> {status}"


@pytest.mark.parametrize(
    "path",
    [
        "photos/%00/",
        "photos/%00/thumb/",
        "photos/abc%00/primary/",
        "incident-photos/%00/",
        "incident-photos/%00/thumb/",
        "incident-photos/%00/new-profile/",
        "exports/%00/",
        "exports/%00/download/",
    ],
)
def test_nul_byte_in_a_token_is_404(path: str, admin_a: User, member_a: User) -> None:
    for user in (admin_a, member_a):
        client: Any = client_for(user)
        # No route takes such a token, whatever the method.
        assert client.get(f"/p/alpha/{path}").status_code == 404
        assert client.post(f"/p/alpha/{path}").status_code == 404


def test_nul_bytes_in_form_fields_of_real_records_are_never_a_server_error(
    request: pytest.FixtureRequest, admin_a: User, member_a: User
) -> None:
    """Every tenant page, on a record that exists, sent form fields carrying NUL bytes."""
    world = request.getfixturevalue("world")
    for user in (member_a, admin_a):
        client = client_for(user)
        client.raise_request_exception = False
        for route, _pattern in tenant_routes():
            for url in build_urls(route, "alpha", world):
                status = client.post(url, POST_BODY).status_code
                assert status < 500, f"POST {url} as {user.email} -> {status}"


def test_agreement_reference_with_a_nul_byte_is_refused_readably(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User
) -> None:
    response = client_for(admin_a).post(
        "/p/alpha/partners/bravo/request/", {"agreement_reference": "ISA\x00-1"}
    )
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()
    assert not SharingConsent.objects.exists()
    response = client_for(admin_a).post(
        "/p/alpha/partners/bravo/request/", {"agreement_reference": "ISA-1"}
    )
    assert response.status_code == 302
    assert SharingConsent.objects.get().agreement_reference == "ISA-1"
