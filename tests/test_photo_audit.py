"""Every photo a person sees is on the record, once per page, not once per thumbnail.

A page that shows thumbnails (the Dataview, the profile list, the members' gallery, a profile's
photo strip, an incident) writes one audit event listing what it showed; the browser's requests
for the thumbnails themselves write nothing more. A full-size photo, offender's or incident's,
writes its own event.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from offenders import services as offender_services
from offenders.models import OffenderProfile
from partnerships.models import Partnership, Role
from sharing import services as sharing_services
from tests.factories import (
    GalleryFactory,
    ProfileFactory,
    image_on,
    incident_reported,
    membership_of,
    partnership_make,
    person_in,
)
from tests.fixtures import client_for
from tests.test_browser_sharing import log_in

THUMB = re.compile(r'src="(/p/[^"]+/thumb/)"')


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def open_with_thumbnails(client: Any, url: str, **headers: str) -> str:
    """A page and every thumbnail on it, as a browser would fetch them."""
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    html = response.content.decode()
    thumbs = THUMB.findall(html)
    assert thumbs, f"no thumbnails on {url}"
    for thumb in thumbs:
        assert client.get(thumb).status_code == 200
    return html


@pytest.fixture
def photographed(partnership_a: Partnership, admin_a: User) -> list[OffenderProfile]:
    gallery = GalleryFactory(partnership=partnership_a)
    profiles = [ProfileFactory(partnership=partnership_a) for _ in range(3)]
    for seed, profile in enumerate(profiles):
        image_on(profile, admin_a, seed=seed)
        offender_services.placement_add(profile=profile, gallery=gallery, actor=Actor(user=admin_a))
    return profiles


@pytest.mark.parametrize(
    ("url", "action"),
    [("/p/alpha/dataview/", "dataview.view"), ("/p/alpha/profiles/", "profile_list.view")],
)
def test_a_list_page_writes_one_event_listing_the_profiles_shown(
    url: str,
    action: str,
    photographed: list[OffenderProfile],
    partnership_a: Partnership,
    admin_a: User,
    police_a: User,
) -> None:
    for user in (admin_a, police_a):
        open_with_thumbnails(client_for(user), url)
    recorded = events(action)
    assert [(e.actor_id, e.partnership_id) for e in recorded] == [
        (admin_a.pk, partnership_a.pk),
        (police_a.pk, partnership_a.pk),
    ]
    for event in recorded:
        assert sorted(event.detail["profile_ids"]) == sorted(p.pk for p in photographed)
    assert not events("image.view")  # thumbnails add nothing of their own


def test_the_htmx_dataview_update_is_a_page_view_too(
    photographed: list[OffenderProfile], admin_a: User
) -> None:
    open_with_thumbnails(client_for(admin_a), "/p/alpha/dataview/?sort=name", HX_Request="true")
    assert len(events("dataview.view")) == 1


def test_an_empty_list_writes_nothing(partnership_a: Partnership, admin_a: User) -> None:
    client_for(admin_a).get("/p/alpha/dataview/")
    client_for(admin_a).get("/p/alpha/profiles/")
    assert not events("dataview.view") and not events("profile_list.view")


def test_the_members_gallery_lists_the_profiles_shown(
    photographed: list[OffenderProfile], member_a: User
) -> None:
    open_with_thumbnails(client_for(member_a), "/p/alpha/gallery/")
    [event] = events("gallery.view")
    assert event.actor_id == member_a.pk
    assert sorted(event.detail["profile_ids"]) == sorted(p.pk for p in photographed)


def test_the_photo_strip_writes_one_profile_view_listing_its_photos(
    partnership_a: Partnership, admin_a: User
) -> None:
    profile = ProfileFactory(partnership=partnership_a)
    images = [image_on(profile, admin_a, seed=n) for n in range(2)]
    open_with_thumbnails(
        client_for(admin_a), f"/p/alpha/profiles/{profile.pk}/photos/", HX_Request="true"
    )
    [event] = events("profile.view")
    assert event.object_id == str(profile.pk)
    assert sorted(event.detail["image_ids"]) == sorted(i.pk for i in images)


def test_a_shared_dataview_row_is_recorded_under_the_viewer_only(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> None:
    theirs = ProfileFactory(partnership=partnership_b)
    image_on(theirs, admin_b)
    sharing_services.consent_request(
        partnership=partnership_a,
        partner=partnership_b,
        agreement_reference="I",
        actor=Actor(user=admin_a),
    )
    sharing_services.consent_accept(
        partnership=partnership_b, partner=partnership_a, actor=Actor(user=admin_b)
    )
    open_with_thumbnails(client_for(admin_a), "/p/alpha/dataview/")
    [event] = events("dataview.view")
    assert event.partnership_id == partnership_a.pk and event.detail["profile_ids"] == [theirs.pk]


def test_incident_photos_are_on_the_record(
    partnership_a: Partnership, admin_a: User, member_a: User, police_a: User
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a), photos=2)
    photos = list(incident.photos.order_by("id"))
    for user in (member_a, admin_a, police_a):
        client = client_for(user)
        open_with_thumbnails(client, f"/p/alpha/incidents/{incident.pk}/")
        response = client.get(f"/p/alpha/incident-photos/{photos[0].token}/")
        assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    viewed = events("incident.view")
    assert [e.actor_id for e in viewed] == [member_a.pk, admin_a.pk, police_a.pk]
    for event in viewed:
        assert event.object_id == str(incident.pk) and event.partnership_id == partnership_a.pk
        assert sorted(event.detail["photo_ids"]) == [p.pk for p in photos]
    opened = events("incident.photo_view")
    assert [(e.actor_id, e.detail) for e in opened] == [
        (user.pk, {"photo_id": photos[0].pk}) for user in (member_a, admin_a, police_a)
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_browser_showing_the_dataview_leaves_one_event(live_server: Any, page: Any) -> None:
    oscar = partnership_make("oscar", "Oscar BCRP")
    admin = person_in(oscar, Role.ADMIN, email="admin.oscar@example.org")
    profiles = [ProfileFactory(partnership=oscar) for _ in range(4)]
    for seed, profile in enumerate(profiles):
        image_on(profile, admin, seed=seed)
    log_in(page, live_server.url, admin)
    thumbnails: list[str] = []
    page.on(
        "response",
        lambda response: thumbnails.append(response.url) if "/thumb/" in response.url else None,
    )
    page.goto(f"{live_server.url}/p/oscar/dataview/")
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.thumb-sm')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    assert len(thumbnails) == 4
    [event] = events("dataview.view")
    assert event.actor_id == admin.pk
    assert sorted(event.detail["profile_ids"]) == sorted(p.pk for p in profiles)
    assert not events("image.view")
