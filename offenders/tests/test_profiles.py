"""Offender profiles: who sees what, what members see, duplicates, and query counts."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from offenders import services
from offenders.models import GalleryPlacement, OffenderProfile, ProfileStatus
from partnerships.models import Partnership, Role
from tests.factories import GalleryFactory, ProfileFactory, image_on, person_in
from tests.fixtures import client_for


@pytest.fixture
def police_b(partnership_b: Partnership) -> User:
    return person_in(partnership_b, Role.POLICE, email="police.b@example.org")


@pytest.fixture
def hidden_profile(partnership_a: Partnership, admin_a: User) -> OffenderProfile:
    """A profile of A in a gallery members may not see, with one photo."""
    profile = ProfileFactory(partnership=partnership_a, notes="Lives at 4 Elm Road")
    staff_only = GalleryFactory(partnership=partnership_a, members_may_see=False)
    services.placement_add(profile=profile, gallery=staff_only, actor=Actor(user=admin_a))
    image_on(profile, admin_a)
    return profile


def profile_urls(profile: OffenderProfile) -> list[str]:
    slug = profile.partnership.slug
    urls = [f"/p/{slug}/profiles/{profile.pk}/", f"/p/{slug}/profiles/{profile.pk}/photos/"]
    for image in profile.images.all():
        urls += [f"/p/{slug}/photos/{image.token}/", f"/p/{slug}/photos/{image.token}/thumb/"]
    return urls


def test_insiders_reach_the_profile_and_its_photos(
    hidden_profile: OffenderProfile, admin_a: User, police_a: User
) -> None:
    for user in (admin_a, police_a):
        client = client_for(user)
        for url in profile_urls(hidden_profile):
            assert client.get(url).status_code == 200, (user.email, url)


def test_outsider_member_and_peer_without_consent_get_404(
    hidden_profile: OffenderProfile,
    member_a: User,
    outsider: User,
    admin_b: User,
    police_b: User,
) -> None:
    image = hidden_profile.images.get()
    for user in (member_a, outsider, admin_b, police_b):
        client = client_for(user)
        for url in profile_urls(hidden_profile):
            assert client.get(url).status_code == 404, (user.email, url)
        # The peer under its own slug: still nothing.
        for slug in ("bravo",):
            assert client.get(f"/p/{slug}/photos/{image.token}/").status_code == 404
            assert client.get(f"/p/{slug}/profiles/{hidden_profile.pk}/").status_code == 404


def test_image_actions_refuse_other_partnerships(
    hidden_profile: OffenderProfile, admin_b: User
) -> None:
    image = hidden_profile.images.get()
    client = client_for(admin_b)
    for action in ("primary", "up", "down", "delete"):
        assert client.post(f"/p/bravo/photos/{image.token}/{action}/").status_code == 404
        assert client.post(f"/p/alpha/photos/{image.token}/{action}/").status_code == 404
    assert hidden_profile.images.count() == 1


def test_member_sees_circulated_photos_only(
    partnership_a: Partnership, admin_a: User, member_a: User, hidden_profile: OffenderProfile
) -> None:
    circulated = ProfileFactory(partnership=partnership_a)
    services.placement_add(
        profile=circulated,
        gallery=GalleryFactory(partnership=partnership_a),
        actor=Actor(user=admin_a),
    )
    image = image_on(circulated, admin_a, seed=7)
    client = client_for(member_a)
    response = client.get(f"/p/alpha/photos/{image.token}/thumb/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "image/jpeg"
    hidden_image = hidden_profile.images.get()
    assert client.get(f"/p/alpha/photos/{hidden_image.token}/thumb/").status_code == 404


def test_juveniles_expired_and_archived_are_never_circulated(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    gallery = GalleryFactory(partnership=partnership_a)
    today = timezone.localdate()
    juvenile = ProfileFactory(
        partnership=partnership_a,
        first_name="Young",
        date_of_birth=today.replace(year=today.year - 16),
    )
    maybe_juvenile = ProfileFactory(partnership=partnership_a, first_name="Maybe", age_min=16)
    archived = ProfileFactory(
        partnership=partnership_a, first_name="Gone", status=ProfileStatus.ARCHIVED
    )
    expired = ProfileFactory(partnership=partnership_a, first_name="Lapsed")
    shown = ProfileFactory(partnership=partnership_a, first_name="Shown")
    for profile in (juvenile, maybe_juvenile, archived, expired, shown):
        services.placement_add(profile=profile, gallery=gallery, actor=Actor(user=admin_a))
    GalleryPlacement.objects.filter(profile=expired).update(expires_on=today - timedelta(days=1))

    page = client_for(member_a).get("/p/alpha/gallery/").content.decode()
    assert "Shown" in page
    for name in ("Young", "Maybe", "Gone", "Lapsed"):
        assert name not in page


def test_member_gallery_shows_no_notes_birth_date_or_address(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    profile = services.profile_create(
        partnership=partnership_a,
        fields={
            "first_name": "Marcus",
            "last_name": "Webb",
            "date_of_birth": date(1990, 3, 14),
            "notes": "Known address 27 Acacia Avenue, W1 2AB. Informant says he drives.",
            "distinguishing_features": "Tattoo of a swallow on left hand",
            "warning_markers": ["violent"],
            "status": ProfileStatus.KNOWN,
        },
        actor=Actor(user=admin_a),
    )
    services.placement_add(
        profile=profile,
        gallery=GalleryFactory(partnership=partnership_a),
        actor=Actor(user=admin_a),
    )
    image_on(profile, admin_a)
    html = client_for(member_a).get("/p/alpha/gallery/").content.decode()
    assert "Marcus Webb" in html and "Violent" in html
    for secret in ("Acacia", "W1 2AB", "Informant", "1990", "14 Mar", "14/03", "swallow"):
        assert secret not in html, secret
    assert profile.reference not in html


def test_members_get_a_till_card_for_circulated_profiles_only(
    partnership_a: Partnership, admin_a: User, member_a: User, hidden_profile: OffenderProfile
) -> None:
    client = client_for(member_a)
    assert client.get("/p/alpha/profiles/").status_code == 403
    assert client.get(f"/p/alpha/profiles/{hidden_profile.pk}/").status_code == 404
    circulated = ProfileFactory(
        partnership=partnership_a,
        first_name="Carl",
        notes="Lives at 9 Oak Lane",
        date_of_birth=date(1985, 7, 9),
        warning_markers=["weapons"],
    )
    services.placement_add(
        profile=circulated,
        gallery=GalleryFactory(partnership=partnership_a),
        actor=Actor(user=admin_a),
    )
    image_on(circulated, admin_a)
    html = client.get(f"/p/alpha/profiles/{circulated.pk}/").content.decode()
    assert "Carl" in html and "Weapons" in html and "/photos/" in html
    for secret in ("Oak Lane", "1985", "9 Jul", circulated.reference, ">History</h2>"):
        assert secret not in html, secret
    assert client.get(f"/p/alpha/profiles/{circulated.pk}/edit/").status_code == 403


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _fill(partnership: Partnership, admin: User, count: int, *, with_photos: bool) -> None:
    gallery = GalleryFactory(partnership=partnership)
    other = GalleryFactory(partnership=partnership)
    for n in range(count):
        profile = ProfileFactory(partnership=partnership)
        services.placement_add(profile=profile, gallery=gallery, actor=Actor(user=admin))
        services.placement_add(profile=profile, gallery=other, actor=Actor(user=admin))
        if with_photos:
            image_on(profile, admin, seed=n)


@pytest.mark.parametrize("url", ["/p/alpha/profiles/", "/p/alpha/gallery/"])
def test_lists_run_the_same_queries_for_5_and_50_rows(
    url: str, partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    viewer = member_a if "gallery" in url else admin_a
    client = client_for(viewer)
    _fill(partnership_a, admin_a, 5, with_photos=True)
    small = _queries(client, url)
    _fill(partnership_a, admin_a, 45, with_photos=True)
    html = client.get(url).content.decode()
    assert len(re.findall(r"/thumb/", html)) == 50
    assert _queries(client, url) == small


def test_references_count_up_per_partnership(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> None:
    refs = [
        services.profile_create(
            partnership=p, fields={"first_name": "X", "last_name": str(n)}, actor=Actor(user=a)
        ).reference
        for n, (p, a) in enumerate(
            [(partnership_a, admin_a), (partnership_a, admin_a), (partnership_b, admin_b)]
        )
    ]
    assert refs == ["AB-00001", "AB-00002", "BB-00001"]


def test_creating_a_possible_duplicate_warns_first(
    partnership_a: Partnership, admin_a: User
) -> None:
    existing = services.profile_create(
        partnership=partnership_a,
        fields={"first_name": "Zoë", "last_name": "Brennan", "date_of_birth": date(1988, 5, 2)},
        actor=Actor(user=admin_a),
    )
    client = client_for(admin_a)
    form = {
        "first_name": "zoe",
        "last_name": "BRENNAN",
        "date_of_birth": "1988-05-02",
        "status": "known",
    }
    response = client.post("/p/alpha/profiles/new/", form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Possible duplicate" in html and existing.reference in html
    assert f"/p/alpha/profiles/{existing.pk}/" in html
    assert OffenderProfile.objects.count() == 1

    response = client.post("/p/alpha/profiles/new/", {**form, "not_a_duplicate": "on"})
    assert response.status_code == 302
    assert OffenderProfile.objects.count() == 2


def test_perceived_ethnicity_is_not_offered_when_switched_off(
    partnership_a: Partnership, admin_a: User
) -> None:
    client = client_for(admin_a)
    assert "perceived_ethnicity" not in client.get("/p/alpha/profiles/new/").content.decode()
    client.post(
        "/p/alpha/profiles/new/",
        {"first_name": "A", "last_name": "B", "status": "known", "perceived_ethnicity": "IC1"},
    )
    assert OffenderProfile.objects.get().perceived_ethnicity == ""
    Partnership.objects.filter(pk=partnership_a.pk).update(records_perceived_ethnicity=True)
    assert "perceived_ethnicity" in client.get("/p/alpha/profiles/new/").content.decode()


def test_archive_and_restore_are_audited(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    profile = ProfileFactory(partnership=partnership_a, first_name="Arch")
    services.placement_add(
        profile=profile,
        gallery=GalleryFactory(partnership=partnership_a),
        actor=Actor(user=admin_a),
    )
    client = client_for(admin_a)
    assert client.post(f"/p/alpha/profiles/{profile.pk}/archive/").status_code == 302
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.ARCHIVED and profile.archived_at is not None
    assert "Arch" not in client_for(member_a).get("/p/alpha/gallery/").content.decode()
    assert client.post(f"/p/alpha/profiles/{profile.pk}/restore/").status_code == 302
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.KNOWN and profile.archived_at is None
    actions = list(
        AuditEvent.objects.filter(object_id=str(profile.pk)).values_list("action", flat=True)
    )
    assert actions.count("profile.change") == 2


def test_profile_and_photo_views_are_audited(
    hidden_profile: OffenderProfile, police_a: User
) -> None:
    client = client_for(police_a)
    image = hidden_profile.images.get()
    client.get(f"/p/alpha/profiles/{hidden_profile.pk}/")
    client.get(f"/p/alpha/photos/{image.token}/")
    events = AuditEvent.objects.filter(actor=police_a).values_list("action", "object_id")
    assert ("profile.view", str(hidden_profile.pk)) in events
    assert ("image.view", str(hidden_profile.pk)) in events


def test_primary_and_order_of_photos(partnership_a: Partnership, admin_a: User) -> None:
    profile = ProfileFactory(partnership=partnership_a)
    first, second = image_on(profile, admin_a, 1), image_on(profile, admin_a, 2)
    assert first.is_primary and not second.is_primary
    client = client_for(admin_a)
    client.post(f"/p/alpha/photos/{second.token}/primary/")
    client.post(f"/p/alpha/photos/{second.token}/up/")
    assert list(profile.images.values_list("pk", "is_primary")) == [
        (second.pk, True),
        (first.pk, False),
    ]
    client.post(f"/p/alpha/photos/{second.token}/delete/")
    assert list(profile.images.values_list("pk", "is_primary")) == [(first.pk, True)]


def test_uploading_a_photo_seen_on_another_profile_warns(
    partnership_a: Partnership, admin_a: User
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import jpeg_bytes

    first = ProfileFactory(partnership=partnership_a)
    image_on(first, admin_a, seed=5)
    second = ProfileFactory(partnership=partnership_a)
    response = client_for(admin_a).post(
        f"/p/alpha/profiles/{second.pk}/photos/",
        {"photos": SimpleUploadedFile("again.jpg", jpeg_bytes(5), "image/jpeg")},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"looks like a photo on {first.reference}" in html
    assert "possible duplicate" in html
    assert second.images.count() == 1


def test_a_resaved_copy_of_a_photo_on_the_same_profile_warns(
    partnership_a: Partnership, admin_a: User
) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from tests.factories import jpeg_bytes

    profile = ProfileFactory(partnership=partnership_a)
    image_on(profile, admin_a, seed=5)
    # A different picture on the same profile: stripes, nothing like the ellipse.
    stripes = Image.new("L", (64, 48))
    stripes.putdata([255 * ((x // 8) % 2) for y in range(48) for x in range(64)])
    striped = io.BytesIO()
    stripes.convert("RGB").save(striped, "JPEG")
    other = services.image_add(
        profile=profile,
        upload=SimpleUploadedFile("stripes.jpg", striped.getvalue(), "image/jpeg"),
        actor=Actor(user=admin_a),
    )
    # The same picture re-saved larger and at another quality: new bytes, same look.
    resaved = io.BytesIO()
    with Image.open(io.BytesIO(jpeg_bytes(5))) as original:
        original.resize((128, 96)).save(resaved, "JPEG", quality=60)
    client = client_for(admin_a)
    response = client.post(
        f"/p/alpha/profiles/{profile.pk}/photos/",
        {"photos": SimpleUploadedFile("resaved.jpg", resaved.getvalue(), "image/jpeg")},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "resaved.jpg looks like photo 1 already on this profile" in html
    assert f"photo {other.position + 1} already" not in html
    assert profile.images.count() == 3  # kept: the administrator decides


def test_a_profile_holding_a_value_from_before_a_rule_can_still_be_archived_and_restored(
    partnership_a: Partnership, admin_a: User
) -> None:
    """Archiving changes the status only: a stored height no rule allows today must not turn
    the press of a button into a server error, nor keep the profile in circulation."""
    profile = ProfileFactory(partnership=partnership_a)
    OffenderProfile.objects.filter(pk=profile.pk).update(height_cm=20)
    client = client_for(admin_a)

    response = client.post(f"/p/alpha/profiles/{profile.pk}/archive/")
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == "archived"
    response = client.post(f"/p/alpha/profiles/{profile.pk}/restore/")
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status != "archived"

    # Editing it asks for the height to be put right, with a readable 400.
    form = client.get(f"/p/alpha/profiles/{profile.pk}/edit/")
    assert form.status_code == 200
    data = {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "status": profile.status,
        "height_cm": "20",
    }
    refused = client.post(f"/p/alpha/profiles/{profile.pk}/edit/", data)
    assert refused.status_code == 400
    assert "greater than or equal to 50" in refused.content.decode()
