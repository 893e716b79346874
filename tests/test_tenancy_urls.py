"""Every page under /p/<slug>/, found from the URLconf, refuses people outside the partnership.

New pages are covered without new tests: they are discovered by walking the URL resolver. The
`world` fixture holds one of each record a page may be about; add new kinds there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from bcrp.actors import Actor
from bcrp.models import User
from bulletins.services import bulletin_post, member_group_save
from incidents.packs import pack_build, pack_request
from offenders import services as offender_services
from offenders.exports import export_build, export_request
from offenders.models import ProfileStatus
from partnerships import services
from partnerships.models import Partnership, Role
from partnerships.tenancy import PartnershipMixin
from sharing.answers import answer_give
from sharing.documents import documents_refresh
from sharing.links import link_make
from sharing.services import consent_accept, consent_request
from tests.factories import (
    BusinessFactory,
    GalleryFactory,
    PremisesFactory,
    ProfileFactory,
    image_on,
    incident_reported,
    membership_of,
    partnership_make,
    person_in,
)
from tests.fixtures import client_for

TENANT_PREFIX = "p/<slug:slug>/"
CONVERTER = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        else:
            yield route, entry


def tenant_routes() -> list[tuple[str, URLPattern]]:
    return [
        (route, pattern)
        for route, pattern in _walk(get_resolver().url_patterns)
        if route.startswith(TENANT_PREFIX)
    ]


def build_urls(route: str, slug: str, world: dict[str, list[Any]]) -> list[str]:
    """The route filled in for the partnership, once per candidate value of its other part."""
    names = [m.group("name") for m in CONVERTER.finditer(route)]
    other = [name for name in names if name != "slug"]
    if not other:
        return ["/" + CONVERTER.sub(slug, route)]
    assert len(other) == 1 and other[0] in world, f"teach this test how to fill {other} in {route}"
    return [
        "/" + CONVERTER.sub(lambda m, v=value: slug if m.group("name") == "slug" else str(v), route)
        for value in world[other[0]]
    ]


@pytest.fixture
def world(
    partnership_a: Partnership,
    partnership_b: Partnership,
    admin_a: User,
    member_a: User,
    police_a: User,
) -> dict[str, list[Any]]:
    """One record of each kind a page under /p/alpha/ can be about, by URL parameter name."""
    business = BusinessFactory(partnership=partnership_a)
    premises = PremisesFactory(business=business)
    invitation, _ = services.invitation_create(
        partnership=partnership_a,
        email="new@example.org",
        role=Role.POLICE,
        actor=Actor(user=admin_a),
    )
    profile = ProfileFactory(partnership=partnership_a)
    gallery = GalleryFactory(partnership=partnership_a)
    placement = offender_services.placement_add(
        profile=profile, gallery=gallery, actor=Actor(user=admin_a)
    )
    image = image_on(profile, admin_a)
    incident = incident_reported(membership_of(member_a, partnership_a), photos=1)
    notice = offender_services.exclusion_issue(
        profile=profile, kind="warning", reason="Theft", actor=Actor(user=admin_a)
    )
    subject_request = offender_services.subject_request_submit(
        notice=notice,
        kind="access",
        name="A Person",
        email="person@example.net",
        details="Everything you hold",
        actor=Actor(user=None),
    )
    export = export_request(profile=profile, request_reference="", actor=Actor(user=admin_a))
    export_build(export.pk)  # ready, so its download is reachable too
    pack = pack_request(incident=incident, actor=Actor(user=admin_a))
    pack_build(pack.pk)  # ready, so its downloads are reachable too
    bulletin = bulletin_post(
        partnership=partnership_a,
        title="Alert",
        body="Watch out",
        critical=True,
        actor=Actor(user=admin_a),
    )
    member_group = member_group_save(
        partnership=partnership_a,
        group=None,
        name="Pubs",
        memberships=[membership_of(member_a, partnership_a)],
        actor=Actor(user=admin_a),
    )
    # A peer sharing with Alpha: its ID-sought profile (Alpha may answer it) and its answer to
    # Alpha's ID-sought profile (Alpha may decide it).
    peer = partnership_make("charlie", "Charlie BCRP")
    peer_admin = person_in(peer, Role.ADMIN)
    consent_request(
        partnership=partnership_a, partner=peer, agreement_reference="", actor=Actor(user=admin_a)
    )
    consent_accept(partnership=peer, partner=partnership_a, actor=Actor(user=peer_admin))
    peer_sought = ProfileFactory(partnership=peer, status=ProfileStatus.ID_SOUGHT)
    answer = answer_give(
        membership=membership_of(peer_admin, peer),
        sought_id=ProfileFactory(partnership=partnership_a, status=ProfileStatus.ID_SOUGHT).pk,
        known_id=ProfileFactory(partnership=peer).pk,
        note="",
        actor=Actor(user=peer_admin, partnership=peer),
    )
    same_person = link_make(
        partnership=partnership_a,
        profile_id=profile.pk,
        other_id=ProfileFactory(partnership=partnership_a).pk,
        actor=Actor(user=admin_a),
    )
    challenge = offender_services.challenge_raise(
        profile=ProfileFactory(partnership=partnership_a),
        reason="Not the person in the photo",
        actor=Actor(user=member_a),
    )
    # Alpha's documents, the last its agreement with Charlie (police may read that one).
    agreement_document = documents_refresh(partnership_a)[-1]
    return {
        "pk": [
            business.pk,
            premises.pk,
            invitation.pk,
            membership_of(member_a, partnership_a).pk,
            profile.pk,
            gallery.pk,
            placement.pk,
            incident.pk,
            notice.pk,
            bulletin.pk,
            member_group.pk,
            peer_sought.pk,
            answer.pk,
            same_person.pk,
            subject_request.pk,
            challenge.pk,
        ],
        "token": [image.token, incident.photos.get().token, export.token, pack.token],
        "other": [partnership_b.slug],
        "document": [agreement_document.pk],
    }


def insider_url(
    route: str, partnership: Partnership, admin: User, world: dict[str, list[Any]]
) -> str:
    """A URL for the route that the partnership's administrator can reach (not 404)."""
    client = client_for(admin)
    for url in build_urls(route, partnership.slug, world):
        if client.get(url).status_code != 404:
            return url
    raise AssertionError(f"no record in `world` makes {route} reachable; add one")


def test_routes_are_discovered() -> None:
    routes = [route for route, _ in tenant_routes()]
    assert TENANT_PREFIX in routes
    assert len(routes) >= 10


@pytest.mark.parametrize("route", [route for route, _ in tenant_routes()])
def test_every_tenant_view_uses_the_partnership_mixin(route: str) -> None:
    pattern = dict(tenant_routes())[route]
    view_class = getattr(pattern.callback, "view_class", None)
    assert view_class is not None and issubclass(view_class, PartnershipMixin), route


@pytest.mark.parametrize("route", [route for route, _ in tenant_routes()])
def test_outsiders_get_404(
    route: str,
    world: dict[str, list[Any]],
    partnership_a: Partnership,
    admin_a: User,
    admin_b: User,
    outsider: User,
) -> None:
    url = insider_url(route, partnership_a, admin_a, world)
    for stranger in (outsider, admin_b):
        client = client_for(stranger)
        assert client.get(url).status_code == 404, (stranger.email, url)
        assert client.post(url, {"email": "x@example.org"}).status_code == 404, (stranger, url)


@pytest.mark.parametrize("route", [route for route, _ in tenant_routes() if route.count("<") > 1])
def test_another_partnerships_records_are_404_under_your_own_slug(
    route: str, world: dict[str, list[Any]], partnership_b: Partnership, admin_b: User
) -> None:
    client = client_for(admin_b)
    for url in build_urls(route, partnership_b.slug, world):
        assert client.get(url).status_code in {404, 405}, url


@pytest.mark.parametrize("route", [route for route, _ in tenant_routes()])
def test_roles_without_access_get_403(
    route: str,
    world: dict[str, list[Any]],
    partnership_a: Partnership,
    admin_a: User,
    member_a: User,
    police_a: User,
) -> None:
    url = insider_url(route, partnership_a, admin_a, world)
    allowed = dict(tenant_routes())[route].callback.view_class.allowed_roles  # type: ignore[attr-defined]
    for user, role in ((member_a, Role.MEMBER), (police_a, Role.POLICE)):
        status = client_for(user).get(url).status_code
        if role in allowed:
            assert status != 403, (role, url)
        else:
            assert status == 403, (role, url, status)


@pytest.mark.parametrize("route", [route for route, _ in tenant_routes()])
def test_anonymous_is_sent_to_login(
    route: str, world: dict[str, list[Any]], partnership_a: Partnership, admin_a: User
) -> None:
    url = insider_url(route, partnership_a, admin_a, world)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_unknown_partnership_is_404_like_any_other(outsider: User, db: None) -> None:
    assert client_for(outsider).get("/p/no-such-partnership/").status_code == 404


def test_ended_membership_loses_access(
    partnership_a: Partnership, admin_a: User, police_a: User
) -> None:
    client = client_for(police_a)
    assert client.get("/p/alpha/").status_code == 200
    services.membership_end(
        membership=membership_of(police_a, partnership_a), actor=Actor(user=admin_a)
    )
    assert client.get("/p/alpha/").status_code == 404
