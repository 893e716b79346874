"""The "Same person elsewhere" section of a profile's page: shown to administrators and police
only while their partnership sees both profiles; an owner's administrator undoes a link."""

from __future__ import annotations

import re

import pytest

from bcrp.models import AuditEvent
from offenders.models import OffenderProfile
from offenders.services import placement_add
from partnerships.models import Role
from sharing import services
from sharing.models import ProfileLink
from sharing.tests.test_links import Town, share
from tests.factories import GalleryFactory, ProfileFactory, image_on, partnership_make, person_in
from tests.fixtures import client_for


@pytest.fixture
def towns(db: None) -> tuple[Town, Town, Town]:
    made = []
    for key in ("a", "b", "c"):
        partnership = partnership_make(f"town-{key}", f"Town{key.upper()} Watch")
        made.append(
            Town(
                partnership,
                person_in(partnership, Role.ADMIN, email=f"admin.{key}@example.org"),
                person_in(partnership, Role.POLICE, email=f"pc.{key}@example.org"),
                person_in(partnership, Role.MEMBER, email=f"member.{key}@example.org"),
                ProfileFactory(partnership=partnership, first_name="Dean"),
            )
        )
    return made[0], made[1], made[2]


def page(town: Town, profile: OffenderProfile, user: object = None) -> str:
    response = client_for(user or town.admin).get(
        f"/p/{town.partnership.slug}/profiles/{profile.pk}/"
    )
    assert response.status_code == 200
    return response.content.decode()


def section(html: str) -> str:
    found = re.search(r'<section class="linked-profiles".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_the_section_shows_a_link_only_while_the_partnerships_share(
    towns: tuple[Town, Town, Town],
) -> None:
    a, b, c = towns
    share(a, b)
    share(b, c)
    photo = image_on(b.profile, b.admin)
    a.link(a.profile, b.profile)

    shown = section(page(a, a.profile))
    assert "Same person elsewhere" in shown
    assert b.profile.reference in shown and b.partnership.name in shown
    assert f"/p/{a.partnership.slug}/photos/{photo.token}/thumb/" in shown
    assert f"/p/{a.partnership.slug}/profiles/{b.profile.pk}/" in shown
    assert f"by {a.partnership.name}" in shown
    # The peer's staff are never named: not who confirmed it, not who holds the record.
    assert a.admin.email not in shown and str(a.admin) not in shown
    assert a.profile.reference in section(page(b, b.profile))
    assert b.profile.reference in section(page(a, a.profile, a.police))
    # C shares with B, yet never learns of A's profile through B's link.
    assert section(page(c, b.profile)) == ""

    services.consent_revoke(partnership=b.partnership, partner=a.partnership, actor=b.actor())
    assert section(page(a, a.profile)) == ""
    assert section(page(b, b.profile)) == ""
    assert ProfileLink.objects.count() == 1  # kept on record, hidden


def test_members_never_see_the_section(towns: tuple[Town, Town, Town]) -> None:
    a, b, _ = towns
    share(a, b)
    gallery_profile = ProfileFactory(partnership=a.partnership)
    a.link(gallery_profile, a.profile)
    placement_add(
        profile=gallery_profile,
        gallery=GalleryFactory(partnership=a.partnership, members_may_see=True),
        actor=a.actor(),
    )
    html = page(a, gallery_profile, a.member)
    assert "Same person elsewhere" not in html and a.profile.reference not in html
    assert section(page(a, gallery_profile)) != ""


def test_an_owner_undoes_a_link_and_it_is_audited_police_cannot(
    towns: tuple[Town, Town, Town],
) -> None:
    a, b, _ = towns
    share(a, b)
    link = b.link(a.profile, b.profile)
    police_view = section(page(a, a.profile, a.police))
    assert b.profile.reference in police_view and "Undo link" not in police_view
    assert "Undo link" in section(page(a, a.profile))
    url = f"/p/{a.partnership.slug}/links/{link.pk}/undo/"
    assert client_for(a.police).post(url, {"back": a.profile.pk}).status_code == 403
    assert ProfileLink.objects.filter(pk=link.pk).exists()

    response = client_for(a.admin).post(url, {"back": a.profile.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/p/{a.partnership.slug}/profiles/{a.profile.pk}/"
    assert not ProfileLink.objects.filter(pk=link.pk).exists()
    event = AuditEvent.objects.get(action="link.remove")
    assert event.partnership_id == a.partnership.pk and event.object_id == str(a.profile.pk)
    assert section(page(b, b.profile)) == ""


def test_a_third_partnership_cannot_undo_a_link_it_does_not_see(
    towns: tuple[Town, Town, Town],
) -> None:
    a, b, c = towns
    share(a, b)
    share(b, c)
    link = a.link(a.profile, b.profile)
    response = client_for(c.admin).post(f"/p/{c.partnership.slug}/links/{link.pk}/undo/")
    assert response.status_code == 404
    # A nonsense return address is ignored, never followed.
    response = client_for(b.admin).post(
        f"/p/{b.partnership.slug}/links/{link.pk}/undo/", {"back": "../../evil\x00"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/p/{b.partnership.slug}/profiles/{link.first_id}/"
    assert not ProfileLink.objects.filter(pk=link.pk).exists()
