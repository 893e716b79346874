"""Every API operation under /api/v1/p/<slug>/, found from the URLconf the routers build,
refuses whoever may not use it, and says why with the right status.

An outsider's token (an administrator of another partnership, every scope) gets 404 on every
operation and record; a signed-in outsider too. A role the operation is not for gets 403 (the
table below says who each operation is for, and must name every operation, so a new one is
decided, not inherited); a token without the operation's scope 403; a revoked or expired
token 401. Junk in a path parameter is never a server error.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import User
from partnerships.models import SCOPES_OF_ROLE, ApiToken, Partnership, Role
from partnerships.services import api_token_revoke
from tests.factories import api_token_for
from tests.fixtures import api_client_for, client_for
from tests.test_bad_paths import JUNK
from tests.test_tenancy_urls import _walk
from tests.test_tenancy_urls import world as world  # the fixture, for the tests below

API_PREFIX = "api/v1/p/<slug:slug>/"
GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")
ADMIN, MEMBER, POLICE = Role.ADMIN.value, Role.MEMBER.value, Role.POLICE.value
EVERYONE = frozenset({ADMIN, MEMBER, POLICE})
ADMIN_AND_POLICE = frozenset({ADMIN, POLICE})
ADMIN_ONLY = frozenset({ADMIN})

# Who each operation is for (viewset.action): the same people as its page.
ROLE_ACCESS: dict[str, frozenset[str]] = {
    "DataviewViewSet.list": ADMIN_AND_POLICE,
    "ProfileViewSet.retrieve": EVERYONE,
    "PhotoViewSet.retrieve": EVERYONE,
    "PhotoViewSet.thumbnail": EVERYONE,
    "IncidentViewSet.list": EVERYONE,
    "IncidentViewSet.create": frozenset({ADMIN, MEMBER}),
    "IncidentViewSet.retrieve": EVERYONE,
    "IncidentViewSet.review": ADMIN_ONLY,
    "IncidentPhotoViewSet.retrieve": EVERYONE,
    "IncidentPhotoViewSet.thumbnail": EVERYONE,
    "StatisticsViewSet.retrieve": ADMIN_AND_POLICE,
    "GalleryViewSet.list": EVERYONE,
    "GalleryViewSet.retrieve": EVERYONE,
    "GalleryViewSet.placements": EVERYONE,
    "NoticeViewSet.list": ADMIN_AND_POLICE,
    "NoticeViewSet.retrieve": ADMIN_AND_POLICE,
    "NoticeViewSet.create": ADMIN_ONLY,
    "NoticeViewSet.appeal": ADMIN_ONLY,
    # Open to every role as the page is; bulletin_acknowledge refuses all but members (400).
    "BulletinViewSet.list": EVERYONE,
    "BulletinViewSet.retrieve": EVERYONE,
    "BulletinViewSet.acknowledge": EVERYONE,
    "PartnerViewSet.list": ADMIN_ONLY,
    "PartnerViewSet.retrieve": ADMIN_ONLY,
}


def api_operations() -> list[tuple[str, str, str, type]]:
    """(route, method, "View.action", viewset) for every API operation under a partnership."""
    found = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith(API_PREFIX):
            continue
        callback: Any = pattern.callback
        for method, action in callback.actions.items():
            if method == "head":
                continue
            found.append((route, method, f"{callback.cls.__name__}.{action}", callback.cls))
    return found


def fill(route: str, slug: str, value: Any = None) -> str:
    """The route as a path: the slug, and `value` in its other parameter (if it has one)."""
    path = route.replace("<slug:slug>", slug).replace("^", "").replace("$", "")
    return "/" + GROUP.sub(lambda m: str(value), path)


def record_param(route: str) -> str | None:
    match = GROUP.search(route)
    return match.group("name") if match else None


def urls_for(route: str, slug: str, world: dict[str, list[Any]]) -> list[str]:
    name = record_param(route)
    if name is None:
        return [fill(route, slug)]
    assert name in world, f"teach the `world` fixture a value for {name} in {route}"
    return [fill(route, slug, value) for value in world[name]]


def call(client: Client, method: str, url: str) -> int:
    if method == "post":
        return client.post(url, {}, content_type="application/json").status_code
    return client.get(url).status_code


OPERATIONS = api_operations()
IDS = [f"{method.upper()} {route[len(API_PREFIX) :]}" for route, method, _op, _cls in OPERATIONS]


def test_every_operation_is_in_the_role_table() -> None:
    found = {operation for _route, _method, operation, _cls in OPERATIONS}
    assert found == set(ROLE_ACCESS), (
        f"decide who may use: {sorted(found - set(ROLE_ACCESS))}; "
        f"no longer routed: {sorted(set(ROLE_ACCESS) - found)}"
    )
    assert len(found) >= 4


@pytest.fixture
def tokens(
    partnership_a: Partnership,
    partnership_b: Partnership,
    admin_a: User,
    member_a: User,
    police_a: User,
    admin_b: User,
) -> dict[str, str]:
    return {
        ADMIN: api_token_for(admin_a, partnership_a),
        MEMBER: api_token_for(member_a, partnership_a),
        POLICE: api_token_for(police_a, partnership_a),
        "outsider": api_token_for(admin_b, partnership_b),
    }


@pytest.mark.parametrize(("route", "method", "operation", "view"), OPERATIONS, ids=IDS)
def test_outsiders_get_404_on_every_operation_and_record(
    route: str,
    method: str,
    operation: str,
    view: type,
    world: dict[str, list[Any]],
    tokens: dict[str, str],
    outsider: User,
) -> None:
    strangers = [api_client_for(tokens["outsider"]), client_for(outsider)]
    for url in urls_for(route, "alpha", world):
        for client in strangers:
            assert call(client, method, url) == 404, (method, url)


@pytest.mark.parametrize(("route", "method", "operation", "view"), OPERATIONS, ids=IDS)
def test_roles_get_403_where_the_table_says_and_are_let_in_where_it_does_not(
    route: str,
    method: str,
    operation: str,
    view: type,
    world: dict[str, list[Any]],
    tokens: dict[str, str],
) -> None:
    urls = urls_for(route, "alpha", world)
    for role in (ADMIN, MEMBER, POLICE):
        client = api_client_for(tokens[role])
        statuses = [call(client, method, url) for url in urls]
        if role in ROLE_ACCESS[operation]:
            assert 403 not in statuses, (role, method, route, statuses)
            if method == "get":
                assert min(statuses) < 300, f"no record in `world` lets {role} use {route}"
        else:
            assert set(statuses) == {403}, (role, method, route, statuses)


@pytest.mark.parametrize(("route", "method", "operation", "view"), OPERATIONS, ids=IDS)
def test_a_token_without_the_operations_scope_gets_403(
    route: str,
    method: str,
    operation: str,
    view: Any,
    world: dict[str, list[Any]],
    partnership_a: Partnership,
    admin_a: User,
) -> None:
    action = operation.split(".", 1)[1]
    needed = view.scopes[action]
    others = sorted(SCOPES_OF_ROLE[ADMIN] - {needed})
    client = api_client_for(api_token_for(admin_a, partnership_a, scopes=others))
    for url in urls_for(route, "alpha", world):
        assert call(client, method, url) == 403, (method, url)


@pytest.mark.parametrize(("route", "method", "operation", "view"), OPERATIONS, ids=IDS)
def test_revoked_expired_and_missing_tokens_get_401(
    route: str,
    method: str,
    operation: str,
    view: type,
    world: dict[str, list[Any]],
    partnership_a: Partnership,
    admin_a: User,
) -> None:
    revoked = api_token_for(admin_a, partnership_a)
    api_token_revoke(token=ApiToken.objects.latest("id"), actor=Actor(user=admin_a))
    expired = api_token_for(admin_a, partnership_a)
    ApiToken.objects.filter(pk=ApiToken.objects.latest("id").pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    clients = [
        api_client_for(revoked),
        api_client_for(expired),
        api_client_for("bcrp_" + "x" * 43),
        Client(),
    ]
    url = urls_for(route, "alpha", world)[0]
    for client in clients:
        response = (
            client.post(url, {}, content_type="application/json")
            if method == "post"
            else (client.get(url))
        )
        assert response.status_code == 401, (method, url)
        assert response["Content-Type"] == "application/problem+json"
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("route", "method", "operation", "view"), OPERATIONS, ids=IDS)
def test_junk_in_a_path_parameter_is_never_a_server_error(
    route: str,
    method: str,
    operation: str,
    view: type,
    tokens: dict[str, str],
) -> None:
    client = api_client_for(tokens[ADMIN])
    client.raise_request_exception = False
    if record_param(route) is None:
        return
    for junk in JUNK:
        status = call(client, method, fill(route, "alpha", junk))
        assert status < 500, (method, route, junk, status)
