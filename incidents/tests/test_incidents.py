"""Incident reports: members report with photos, see only their own; administrators review."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from incidents.models import Incident, IncidentPhoto, IncidentStatus
from offenders import services as offender_services
from offenders.models import OffenderProfile, ProfileStatus
from partnerships.models import Partnership, Role
from tests.factories import (
    GalleryFactory,
    PremisesFactory,
    ProfileFactory,
    incident_reported,
    jpeg_bytes,
    membership_of,
    person_in,
)
from tests.fixtures import TEST_MEDIA_ROOT, client_for


@pytest.fixture
def member_a2(partnership_a: Partnership) -> User:
    return person_in(partnership_a, Role.MEMBER, email="member2.a@example.org")


def form_data(**extra: Any) -> dict[str, Any]:
    return {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "category": "theft",
        "description": "Filled a bag with meat and ran.",
        "value_lost": "62.50",
        "value_recovered": "0",
        **extra,
    }


def stored_files() -> set[str]:
    return {str(p) for p in TEST_MEDIA_ROOT.rglob("*") if p.is_file()}


def test_member_reports_with_photos_and_named_offender(
    partnership_a: Partnership,
    admin_a: User,
    member_a: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    membership = membership_of(member_a, partnership_a)
    premises = PremisesFactory(business=membership.business)
    known = ProfileFactory(partnership=partnership_a, first_name="Dean")
    offender_services.placement_add(
        profile=known, gallery=GalleryFactory(partnership=partnership_a), actor=Actor(user=admin_a)
    )
    client = client_for(member_a)
    form = client.get("/p/alpha/incidents/new/").content.decode()
    assert "Dean" in form and premises.name in form
    photos = [SimpleUploadedFile(f"s{n}.jpg", jpeg_bytes(n), "image/jpeg") for n in (1, 2)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/p/alpha/incidents/new/",
            form_data(premises=premises.pk, offender=known.pk, photos=photos),
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    incident = Incident.objects.get()
    assert incident.reported_by == member_a and incident.premises == premises
    assert incident.photos.count() == 2
    assert list(incident.profiles.all()) == [known]
    assert len(callbacks) == 2  # one thumbnail job per photo, sent only after commit
    page = client.get(response["Location"]).content.decode()
    assert "Report saved" in page and "Submitted" in page


def test_refused_photo_saves_nothing(partnership_a: Partnership, member_a: User) -> None:
    before = stored_files()
    response = client_for(member_a).post(
        "/p/alpha/incidents/new/",
        form_data(
            photos=[
                SimpleUploadedFile("ok.jpg", jpeg_bytes(3), "image/jpeg"),
                SimpleUploadedFile("cctv.jpg", b"%PDF-1.4 not a picture", "image/jpeg"),
            ]
        ),
    )
    assert response.status_code == 400
    assert "cctv.jpg" in response.content.decode()
    assert not Incident.objects.exists() and not IncidentPhoto.objects.exists()
    assert stored_files() == before


def test_form_errors_are_400_with_messages(partnership_a: Partnership, member_a: User) -> None:
    response = client_for(member_a).post(
        "/p/alpha/incidents/new/",
        form_data(value_lost="lots", category="arson", description=""),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a number" in html and "not one of the available choices" in html
    assert not Incident.objects.exists()


def test_member_sees_only_their_own_reports(
    partnership_a: Partnership, member_a: User, member_a2: User
) -> None:
    mine = incident_reported(membership_of(member_a, partnership_a), photos=1)
    theirs = incident_reported(membership_of(member_a2, partnership_a), photos=1)
    client = client_for(member_a)
    listing = client.get("/p/alpha/incidents/").content.decode()
    assert f"/incidents/{mine.pk}/" in listing and f"/incidents/{theirs.pk}/" not in listing
    assert client.get(f"/p/alpha/incidents/{mine.pk}/").status_code == 200
    token = theirs.photos.get().token
    for url in (
        f"/p/alpha/incidents/{theirs.pk}/",
        f"/p/alpha/incident-photos/{token}/",
        f"/p/alpha/incident-photos/{token}/thumb/",
    ):
        assert client.get(url).status_code == 404, url
    for action in ("accept", "reject", "link"):
        assert client.post(f"/p/alpha/incidents/{theirs.pk}/{action}/").status_code in {403, 404}
    assert client.post(f"/p/alpha/incident-photos/{token}/new-profile/").status_code in {403, 404}
    theirs.refresh_from_db()
    assert theirs.status == IncidentStatus.SUBMITTED


def test_outsiders_and_peers_get_404(
    partnership_a: Partnership, member_a: User, outsider: User, admin_b: User
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a), photos=1)
    token = incident.photos.get().token
    for user in (outsider, admin_b):
        client = client_for(user)
        for url in (
            "/p/alpha/incidents/",
            f"/p/alpha/incidents/{incident.pk}/",
            f"/p/alpha/incident-photos/{token}/",
            f"/p/bravo/incidents/{incident.pk}/",
            f"/p/bravo/incident-photos/{token}/",
        ):
            status = client.get(url).status_code
            assert status == 404 or (url == "/p/bravo/incidents/" and status == 200), (user, url)


def test_admin_reviews_links_and_makes_a_profile_from_a_photo(
    partnership_a: Partnership, admin_a: User, member_a: User, police_a: User
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a), photos=1)
    admin = client_for(admin_a)
    assert client_for(police_a).get(f"/p/alpha/incidents/{incident.pk}/").status_code == 200
    assert client_for(police_a).post(f"/p/alpha/incidents/{incident.pk}/accept/").status_code == 403

    response = admin.post(f"/p/alpha/incidents/{incident.pk}/reject/", {"reason": ""}, follow=True)
    assert "Say why the report is rejected" in response.content.decode()
    admin.post(f"/p/alpha/incidents/{incident.pk}/reject/", {"reason": "Duplicate report"})
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.REJECTED
    assert (
        "Duplicate report"
        in client_for(member_a).get(f"/p/alpha/incidents/{incident.pk}/").content.decode()
    )
    admin.post(f"/p/alpha/incidents/{incident.pk}/accept/")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACCEPTED and incident.reviewed_by == admin_a

    token = incident.photos.get().token
    response = admin.post(f"/p/alpha/incident-photos/{token}/new-profile/")
    assert response.status_code == 302
    profile = OffenderProfile.objects.get(incidents=incident)
    assert profile.status == ProfileStatus.ID_SOUGHT and profile.images.count() == 1
    known = ProfileFactory(partnership=partnership_a)
    admin.post(f"/p/alpha/incidents/{incident.pk}/link/", {"reference": known.reference})
    assert set(incident.profiles.all()) == {profile, known}
    page = admin.get(f"/p/alpha/profiles/{known.pk}/").content.decode()
    assert f"/p/alpha/incidents/{incident.pk}/" in page
    actions = set(
        AuditEvent.objects.filter(object_type="incidents.incident").values_list("action", flat=True)
    )
    assert {"incident.submit", "incident.reject", "incident.accept", "incident.link"} <= actions


def test_link_refuses_other_partnerships_profiles(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, member_a: User
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a))
    foreign = ProfileFactory(partnership=partnership_b)
    response = client_for(admin_a).post(
        f"/p/alpha/incidents/{incident.pk}/link/", {"reference": foreign.reference}, follow=True
    )
    assert "No profile of yours" in response.content.decode()
    assert not incident.profiles.exists()
