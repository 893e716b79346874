"""Bulletins: posting, the critical-bulletin banner and acknowledgements, and the weekly digest."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from bulletins.models import Bulletin, BulletinAcknowledgement, BulletinDigest
from bulletins.services import bulletin_post, digest_send
from bulletins.tasks import bulletin_digest_weekly
from offenders import services as offender_services
from offenders.models import OffenderProfile, ProfileStatus
from partnerships.models import Partnership, Role
from partnerships.services import membership_end
from tests.factories import GalleryFactory, ProfileFactory, membership_of, person_in
from tests.fixtures import client_for

BANNER = 'id="critical-bulletins"'


def _post(admin: User, partnership: Partnership, *, critical: bool = True) -> Bulletin:
    return bulletin_post(
        partnership=partnership,
        title="Knife seen on High Street",
        body="A man with a knife was seen near the station.\nCall 999.",
        critical=critical,
        actor=Actor(user=admin),
    )


def test_admin_posts_a_critical_bulletin(partnership_a: Partnership, admin_a: User) -> None:
    client = client_for(admin_a)
    assert client.get("/p/alpha/bulletins/post/").status_code == 200
    response = client.post(
        "/p/alpha/bulletins/post/",
        {"title": "Knife seen", "body": "Near the station.", "critical": "on"},
    )
    bulletin = Bulletin.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/p/alpha/bulletins/{bulletin.pk}/"
    assert bulletin.critical and bulletin.created_by == admin_a
    assert bulletin.partnership == partnership_a
    assert AuditEvent.objects.filter(action="bulletin.post", object_id=str(bulletin.pk)).exists()
    assert "Knife seen" in client.get("/p/alpha/bulletins/").content.decode()


def test_a_bulletin_needs_a_title_and_body(partnership_a: Partnership, admin_a: User) -> None:
    response = client_for(admin_a).post("/p/alpha/bulletins/post/", {"title": "", "body": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Bulletin.objects.exists()


def test_member_sees_the_banner_and_acknowledges(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    bulletin = _post(admin_a, partnership_a)
    client = client_for(member_a)
    # The home lists it in its own panel instead; every other page carries the banner.
    gallery = client.get("/p/alpha/gallery/").content.decode()
    assert BANNER in gallery and bulletin.title in gallery
    listing = client.get("/p/alpha/bulletins/").content.decode()
    assert "Please confirm you have read it" in listing
    detail = client.get(f"/p/alpha/bulletins/{bulletin.pk}/").content.decode()
    assert "I have read this" in detail and "Call 999" in detail

    response = client.post(f"/p/alpha/bulletins/{bulletin.pk}/acknowledge/")
    assert response.status_code == 302
    assert BulletinAcknowledgement.objects.filter(bulletin=bulletin, user=member_a).count() == 1
    assert AuditEvent.objects.filter(
        action="bulletin.acknowledge", actor=member_a, object_id=str(bulletin.pk)
    ).exists()
    # Twice is the same as once.
    client.post(f"/p/alpha/bulletins/{bulletin.pk}/acknowledge/")
    assert BulletinAcknowledgement.objects.filter(bulletin=bulletin, user=member_a).count() == 1
    assert AuditEvent.objects.filter(action="bulletin.acknowledge").count() == 1

    assert BANNER not in client.get("/p/alpha/gallery/").content.decode()
    assert "Please confirm" not in client.get("/p/alpha/bulletins/").content.decode()
    detail = client.get(f"/p/alpha/bulletins/{bulletin.pk}/").content.decode()
    assert "I have read this" not in detail and "You confirmed reading this" in detail


def test_ordinary_bulletins_need_no_acknowledgement(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    bulletin = _post(admin_a, partnership_a, critical=False)
    client = client_for(member_a)
    assert BANNER not in client.get("/p/alpha/gallery/").content.decode()
    assert (
        "I have read this" not in client.get(f"/p/alpha/bulletins/{bulletin.pk}/").content.decode()
    )
    client.post(f"/p/alpha/bulletins/{bulletin.pk}/acknowledge/")
    assert not BulletinAcknowledgement.objects.exists()


def test_banner_is_for_members_only(
    partnership_a: Partnership, admin_a: User, police_a: User
) -> None:
    _post(admin_a, partnership_a)
    for user in (admin_a, police_a):
        assert BANNER not in client_for(user).get("/p/alpha/").content.decode()


def _queries(user: User, url: str) -> int:
    client = client_for(user)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_banner_costs_one_query(
    partnership_a: Partnership, admin_a: User, member_a: User, police_a: User
) -> None:
    # The circulated gallery: a page members and police open alike (their homes differ), but
    # for the banner and the premises a member's "Seen now" offers (police record no sightings).
    url = "/p/alpha/gallery/"
    _post(admin_a, partnership_a)
    member, police = _queries(member_a, url), _queries(police_a, url)
    assert member == police + 2
    for _ in range(5):
        _post(admin_a, partnership_a)
    assert _queries(member_a, url) == member


def test_admin_sees_who_has_not_acknowledged(
    partnership_a: Partnership, admin_a: User, member_a: User, police_a: User
) -> None:
    second = person_in(partnership_a, Role.MEMBER, email="second.member@example.org")
    bulletin = _post(admin_a, partnership_a)
    client_for(member_a).post(f"/p/alpha/bulletins/{bulletin.pk}/acknowledge/")

    html = client_for(admin_a).get(f"/p/alpha/bulletins/{bulletin.pk}/").content.decode()
    waiting = html.split('id="unacknowledged"')[1].split("</ul>")[0]
    read = html.split('id="acknowledged"')[1].split("</ul>")[0]
    assert second.email in waiting and member_a.email not in waiting
    assert member_a.email in read and second.email not in read
    # Administrators and police are not asked to acknowledge.
    assert admin_a.email not in waiting and police_a.email not in waiting


def test_members_do_not_see_who_has_read_it(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    person_in(partnership_a, Role.MEMBER, email="second.member@example.org")
    bulletin = _post(admin_a, partnership_a)
    html = client_for(member_a).get(f"/p/alpha/bulletins/{bulletin.pk}/").content.decode()
    assert "second.member@example.org" not in html and "Not yet read" not in html


def test_member_and_police_cannot_post(
    partnership_a: Partnership, member_a: User, police_a: User
) -> None:
    for user in (member_a, police_a):
        client = client_for(user)
        assert client.get("/p/alpha/bulletins/post/").status_code == 403
        assert (
            client.post("/p/alpha/bulletins/post/", {"title": "x", "body": "y"}).status_code == 403
        )
    assert not Bulletin.objects.exists()


def test_only_members_acknowledge(
    partnership_a: Partnership, admin_a: User, police_a: User
) -> None:
    bulletin = _post(admin_a, partnership_a)
    for user in (admin_a, police_a):
        client = client_for(user)
        response = client.post(f"/p/alpha/bulletins/{bulletin.pk}/acknowledge/", follow=True)
        assert "Only members acknowledge bulletins." in response.content.decode()
        assert (
            "I have read this"
            not in client.get(f"/p/alpha/bulletins/{bulletin.pk}/").content.decode()
        )
    assert not BulletinAcknowledgement.objects.exists()


def test_outsiders_and_peers_get_404(
    partnership_a: Partnership,
    partnership_b: Partnership,
    admin_a: User,
    admin_b: User,
    outsider: User,
) -> None:
    bulletin = _post(admin_a, partnership_a)
    urls = [
        "/p/alpha/bulletins/",
        "/p/alpha/bulletins/post/",
        f"/p/alpha/bulletins/{bulletin.pk}/",
        f"/p/alpha/bulletins/{bulletin.pk}/acknowledge/",
    ]
    for stranger in (outsider, admin_b):
        client = client_for(stranger)
        for url in urls:
            assert client.get(url).status_code == 404, (stranger, url)
            assert client.post(url, {"title": "x", "body": "y"}).status_code == 404, (stranger, url)
    # Under their own slug, another partnership's bulletin does not exist either.
    client = client_for(admin_b)
    assert client.get(f"/p/bravo/bulletins/{bulletin.pk}/").status_code == 404
    assert bulletin.title not in client.get("/p/bravo/bulletins/").content.decode()


def test_member_of_b_cannot_acknowledge_a_bulletin_of_a(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User
) -> None:
    bulletin = _post(admin_a, partnership_a)
    member_b = person_in(partnership_b, Role.MEMBER, email="member.b@example.org")
    response = client_for(member_b).post(f"/p/bravo/bulletins/{bulletin.pk}/acknowledge/")
    assert response.status_code == 404
    assert not BulletinAcknowledgement.objects.exists()


# The weekly digest


@pytest.fixture
def circulated_gallery(partnership_a: Partnership) -> object:
    return GalleryFactory(partnership=partnership_a, members_may_see=True)


def _circulated(
    partnership: Partnership, admin: User, gallery: object, **fields: object
) -> OffenderProfile:
    profile = ProfileFactory(partnership=partnership, **fields)
    offender_services.placement_add(profile=profile, gallery=gallery, actor=Actor(user=admin))  # type: ignore[arg-type]
    return profile


def test_digest_lists_new_id_sought_and_excluded_to_members_only(
    partnership_a: Partnership,
    admin_a: User,
    member_a: User,
    police_a: User,
    circulated_gallery: object,
) -> None:
    second = person_in(partnership_a, Role.MEMBER, email="second.member@example.org")
    sought = _circulated(
        partnership_a,
        admin_a,
        circulated_gallery,
        first_name="Sid",
        last_name="Sought",
        status=ProfileStatus.ID_SOUGHT,
        notes="Secret informant says he lives on Oak Lane",
    )
    excluded = _circulated(
        partnership_a, admin_a, circulated_gallery, first_name="Ed", last_name="Excluded"
    )
    offender_services.exclusion_issue(
        profile=excluded,
        kind="exclusion",
        reason="Repeated theft from Boots",
        actor=Actor(user=admin_a),
    )
    old_sought = _circulated(
        partnership_a,
        admin_a,
        circulated_gallery,
        first_name="Olive",
        last_name="Oldsought",
        status=ProfileStatus.ID_SOUGHT,
    )
    OffenderProfile.objects.filter(pk=old_sought.pk).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    warned = _circulated(
        partnership_a, admin_a, circulated_gallery, first_name="Walt", last_name="Warned"
    )
    offender_services.exclusion_issue(
        profile=warned, kind="warning", reason="Shouting", actor=Actor(user=admin_a)
    )
    hidden_gallery = GalleryFactory(partnership=partnership_a, members_may_see=False)
    not_circulated = ProfileFactory(
        partnership=partnership_a,
        first_name="Nora",
        last_name="Notcirculated",
        status=ProfileStatus.ID_SOUGHT,
    )
    offender_services.placement_add(
        profile=not_circulated, gallery=hidden_gallery, actor=Actor(user=admin_a)
    )
    _circulated(
        partnership_a,
        admin_a,
        circulated_gallery,
        first_name="Jake",
        last_name="Juvenile",
        status=ProfileStatus.ID_SOUGHT,
        age_min=15,
        age_max=17,
    )
    mail.outbox.clear()

    assert bulletin_digest_weekly() == 2

    assert sorted(m.to[0] for m in mail.outbox) == sorted([member_a.email, second.email])
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
    body = mail.outbox[0].body
    assert "Sid Sought" in body and "Ed Excluded" in body
    assert "/p/alpha/gallery/" in body
    for absent in (
        "Oak Lane",
        "Secret",
        "Boots",
        sought.reference,
        excluded.reference,
        "Olive",
        "Walt",
        "Nora",
        "Jake",
    ):
        assert absent not in body, absent
    digest = BulletinDigest.objects.get()
    assert digest.partnership == partnership_a and digest.recipients == 2 and digest.profiles == 2
    assert AuditEvent.objects.filter(action="bulletin.digest_send").count() == 1


def test_digest_is_sent_once_a_week(
    partnership_a: Partnership, admin_a: User, member_a: User, circulated_gallery: object
) -> None:
    monday = timezone.make_aware(datetime(2026, 3, 2, 7, 0))
    _circulated(
        partnership_a,
        admin_a,
        circulated_gallery,
        status=ProfileStatus.ID_SOUGHT,
        created_at=monday - timedelta(days=1),
    )
    assert digest_send(partnership=partnership_a, now=monday) == 1
    assert digest_send(partnership=partnership_a, now=monday + timedelta(hours=3)) == 0
    assert digest_send(partnership=partnership_a, now=monday + timedelta(days=6)) == 0
    assert len(mail.outbox) == 1
    # A week on, last week's profile is no longer new: nothing to send until there is.
    assert digest_send(partnership=partnership_a, now=monday + timedelta(days=7)) == 0
    _circulated(
        partnership_a,
        admin_a,
        circulated_gallery,
        status=ProfileStatus.ID_SOUGHT,
        created_at=monday + timedelta(days=6),
    )
    assert digest_send(partnership=partnership_a, now=monday + timedelta(days=7)) == 1
    assert len(mail.outbox) == 2
    assert BulletinDigest.objects.count() == 2


def test_digest_skips_partnerships_with_nothing_new(
    partnership_a: Partnership,
    partnership_b: Partnership,
    admin_a: User,
    member_a: User,
    circulated_gallery: object,
) -> None:
    person_in(partnership_b, Role.MEMBER, email="member.b@example.org")
    ProfileFactory(partnership=partnership_b, status=ProfileStatus.ID_SOUGHT)  # not circulated
    _circulated(partnership_a, admin_a, circulated_gallery, status=ProfileStatus.KNOWN)
    assert bulletin_digest_weekly() == 0
    assert mail.outbox == []
    assert not BulletinDigest.objects.exists()


def test_digest_does_not_go_to_ended_memberships(
    partnership_a: Partnership, admin_a: User, member_a: User, circulated_gallery: object
) -> None:
    leaver = person_in(partnership_a, Role.MEMBER, email="leaver@example.org")
    membership_end(membership=membership_of(leaver, partnership_a), actor=Actor(user=admin_a))
    _circulated(partnership_a, admin_a, circulated_gallery, status=ProfileStatus.ID_SOUGHT)
    assert digest_send(partnership=partnership_a) == 1
    assert [m.to for m in mail.outbox] == [[member_a.email]]
