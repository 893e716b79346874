"""Accuracy before circulation: where an identification came from, challenges that take a profile
out of circulation until an administrator decides, and a second administrator's approval before
a profile reaches members."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from incidents.services import incident_link
from offenders import services
from offenders.models import ChallengeOutcome, Gallery, OffenderProfile, ProfileChallenge
from partnerships.models import Partnership, Role
from partnerships.services import partnership_settings_change
from sharing import services as sharing_services
from sharing.models import ProfileGroupPermission
from sharing.permissions import drift_check
from tests.factories import (
    GalleryFactory,
    ProfileFactory,
    api_token_for,
    incident_reported,
    membership_of,
    person_in,
)
from tests.fixtures import api_client_for, client_for


@pytest.fixture
def shared(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> OffenderProfile:
    """Alpha's adult profile, circulated to Alpha's members and shared with Bravo."""
    sharing_services.consent_request(
        partnership=partnership_a,
        partner=partnership_b,
        agreement_reference="ISA-1",
        actor=Actor(user=admin_a),
    )
    sharing_services.consent_accept(
        partnership=partnership_b, partner=partnership_a, actor=Actor(user=admin_b)
    )
    profile = ProfileFactory(partnership=partnership_a, first_name="Dorian", last_name="Quell")
    services.placement_add(
        profile=profile,
        gallery=GalleryFactory(partnership=partnership_a, members_may_see=True),
        actor=Actor(user=admin_a),
    )
    return profile


def peer_rows(profile: OffenderProfile, peer: Partnership) -> int:
    return ProfileGroupPermission.objects.filter(
        content_object=profile, group_id__in=[peer.admin_group_id, peer.police_group_id]
    ).count()


def circulation(profile: OffenderProfile, member: User, peer_admin: User, peer: Partnership) -> set:
    """Where the profile is seen: the member gallery and card, the peer's Dataview (page and
    API) and the peer's profile page."""
    places = set()
    member_client = client_for(member)
    if profile.last_name in member_client.get("/p/alpha/gallery/").content.decode():
        places.add("member gallery")
    if member_client.get(f"/p/alpha/profiles/{profile.pk}/").status_code == 200:
        places.add("member card")
    peer_client = client_for(peer_admin)
    if profile.reference in peer_client.get("/p/bravo/dataview/").content.decode():
        places.add("peer dataview")
    api = api_client_for(api_token_for(peer_admin, peer))
    ids = {row["id"] for row in api.get("/api/v1/p/bravo/profiles/").json()["results"]}
    if profile.pk in ids:
        places.add("peer api")
    if peer_client.get(f"/p/bravo/profiles/{profile.pk}/").status_code == 200:
        places.add("peer profile")
    return places


EVERYWHERE = {"member gallery", "member card", "peer dataview", "peer api", "peer profile"}


def test_a_challenge_takes_the_profile_out_of_circulation_at_once_and_rejecting_returns_it(
    shared: OffenderProfile,
    partnership_b: Partnership,
    admin_a: User,
    member_a: User,
    admin_b: User,
) -> None:
    assert circulation(shared, member_a, admin_b, partnership_b) == EVERYWHERE
    assert peer_rows(shared, partnership_b) == 2

    response = client_for(member_a).post(
        f"/p/alpha/profiles/{shared.pk}/challenge/", {"reason": "That is my neighbour, not him."}
    )
    assert response.status_code == 302 and response["Location"] == "/p/alpha/gallery/"
    # The service's own transaction removed the peer's rows: nothing is left for a sweep.
    assert peer_rows(shared, partnership_b) == 0
    assert drift_check().clean
    assert circulation(shared, member_a, admin_b, partnership_b) == set()

    # The owner's administrators still see it, with the challenge, and on their to-do list.
    page = client_for(admin_a).get(f"/p/alpha/profiles/{shared.pk}/").content.decode()
    assert 'data-testid="challenge-banner"' in page
    assert "That is my neighbour, not him." in page
    assert (
        "Profiles challenged as inaccurate" in client_for(admin_a).get("/p/alpha/").content.decode()
    )

    challenge = ProfileChallenge.objects.get(profile=shared)
    response = client_for(admin_a).post(
        f"/p/alpha/challenges/{challenge.pk}/decide/", {"outcome": "rejected"}
    )
    assert response.status_code == 302
    assert peer_rows(shared, partnership_b) == 2
    assert drift_check().clean
    assert circulation(shared, member_a, admin_b, partnership_b) == EVERYWHERE
    assert "Profiles challenged" not in client_for(admin_a).get("/p/alpha/").content.decode()
    assert set(
        AuditEvent.objects.filter(action__startswith="challenge.").values_list("action", flat=True)
    ) == {"challenge.raise", "challenge.rejected"}


def test_an_upheld_challenge_keeps_the_profile_out_until_an_administrator_corrects_it(
    shared: OffenderProfile,
    partnership_b: Partnership,
    admin_a: User,
    member_a: User,
    admin_b: User,
) -> None:
    challenge = services.challenge_raise(
        profile=shared, reason="Wrong date of birth", actor=Actor(user=member_a)
    )
    services.challenge_decide(
        challenge=challenge, outcome=ChallengeOutcome.UPHELD, actor=Actor(user=admin_a)
    )
    assert circulation(shared, member_a, admin_b, partnership_b) == set()
    page = client_for(admin_a).get(f"/p/alpha/profiles/{shared.pk}/").content.decode()
    assert "challenge of its accuracy was upheld" in page

    # Saved with nothing changed: still out.
    services.profile_update(profile=shared, fields={"hair": shared.hair}, actor=Actor(user=admin_a))
    assert peer_rows(shared, partnership_b) == 0
    services.profile_update(profile=shared, fields={"age_min": 30}, actor=Actor(user=admin_a))
    assert peer_rows(shared, partnership_b) == 2
    assert drift_check().clean
    assert circulation(shared, member_a, admin_b, partnership_b) == EVERYWHERE


def test_challenges_are_refused_clearly(
    shared: OffenderProfile, admin_a: User, member_a: User, police_a: User, admin_b: User
) -> None:
    url = f"/p/alpha/profiles/{shared.pk}/challenge/"
    for reason, words in (
        ("", "This field is required"),
        ("  ", "This field is required"),
        ("Wrong\x00person", "Null characters are not allowed"),
        ("x" * 2001, "at most 2000 characters"),
    ):
        response = client_for(police_a).post(url, {"reason": reason})
        assert response.status_code == 400, reason
        assert words in response.content.decode(), reason
    assert client_for(police_a).get(url).status_code == 200
    assert client_for(police_a).post(url, {"reason": "Not him"}).status_code == 302
    # The profile is no longer circulated, so the member no longer finds it; police still do.
    assert client_for(member_a).post(url, {"reason": "Also not him"}).status_code == 404
    response = client_for(police_a).post(url, {"reason": "Again"})
    assert response.status_code == 400
    assert "already challenged" in response.content.decode()
    # A peer sees the profile under the agreement (before the challenge) but never challenges it.
    assert client_for(admin_b).post(f"/p/bravo/profiles/{shared.pk}/challenge/").status_code == 404

    challenge = ProfileChallenge.objects.get(profile=shared)
    decide = f"/p/alpha/challenges/{challenge.pk}/decide/"
    assert client_for(admin_a).post(decide, {"outcome": "maybe"}).status_code == 400
    assert client_for(police_a).post(decide, {"outcome": "rejected"}).status_code == 403
    assert client_for(admin_a).post(decide, {"outcome": "upheld"}).status_code == 302
    response = client_for(admin_a).post(decide, {"outcome": "rejected"})
    assert response.status_code == 400
    assert "already been decided" in response.content.decode()
    shared.refresh_from_db()
    assert shared.under_challenge


def test_each_identification_records_its_source(partnership_a: Partnership, admin_a: User) -> None:
    profile = services.profile_create(
        partnership=partnership_a,
        fields={"first_name": "Ada", "identification_source": "cctv"},
        actor=Actor(user=admin_a),
    )
    client = client_for(admin_a)
    page = client.get(f"/p/alpha/profiles/{profile.pk}/").content.decode()
    assert "Identified by</dt><dd>CCTV likeness" in page
    form = client.get(f"/p/alpha/profiles/{profile.pk}/edit/").content.decode()
    assert 'name="identification_source"' in form
    response = client.post(
        f"/p/alpha/profiles/{profile.pk}/edit/",
        {"first_name": "Ada", "status": "known", "identification_source": "psychic"},
    )
    assert response.status_code in {200, 400}
    assert "not one of the available choices" in response.content.decode()
    profile.refresh_from_db()
    assert profile.identification_source == "cctv"


@pytest.fixture
def two_person(partnership_a: Partnership, admin_a: User) -> Gallery:
    partnership_settings_change(
        partnership=partnership_a,
        values={"second_approval_to_circulate": True},
        actor=Actor(user=admin_a),
    )
    return GalleryFactory(partnership=partnership_a, members_may_see=True)


def test_with_two_person_approval_one_administrator_cannot_circulate_alone(
    two_person: Gallery, partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    second_admin = person_in(partnership_a, Role.ADMIN)
    profile = ProfileFactory(partnership=partnership_a, last_name="Vantablack")
    response = client_for(admin_a).post(
        f"/p/alpha/profiles/{profile.pk}/galleries/", {"gallery": two_person.pk}
    )
    assert response.status_code == 302
    placement = profile.placements.get()
    assert placement.awaiting_approval

    def member_sees() -> bool:
        member = client_for(member_a)
        return (
            "Vantablack" in member.get("/p/alpha/gallery/").content.decode()
            or member.get(f"/p/alpha/profiles/{profile.pk}/").status_code == 200
            or "Vantablack" in member.get(f"/p/alpha/gallery/?g={two_person.pk}").content.decode()
        )

    assert not member_sees()
    # Not on the placer's to-do list; on the other administrator's.
    assert "waiting for your approval" not in client_for(admin_a).get("/p/alpha/").content.decode()
    assert "waiting for your approval" in client_for(second_admin).get("/p/alpha/").content.decode()

    approve = f"/p/alpha/placements/{placement.pk}/approve/"
    response = client_for(admin_a).post(approve)
    assert response.status_code == 403
    assert "another administrator must approve it" in response.content.decode()
    with pytest.raises(PermissionDenied):
        services.placement_approve(placement=placement, actor=Actor(user=admin_a))
    assert not member_sees()

    assert client_for(second_admin).post(approve).status_code == 302
    assert member_sees()
    placement.refresh_from_db()
    assert placement.approved_by == second_admin and not placement.awaiting_approval
    assert client_for(second_admin).post(approve).status_code == 400
    assert AuditEvent.objects.filter(action="placement.approve", actor=second_admin).count() == 1


def test_without_two_person_approval_a_placement_circulates_at_once(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    profile = ProfileFactory(partnership=partnership_a)
    placement = services.placement_add(
        profile=profile,
        gallery=GalleryFactory(partnership=partnership_a, members_may_see=True),
        actor=Actor(user=admin_a),
    )
    assert not placement.awaiting_approval
    assert client_for(member_a).get(f"/p/alpha/profiles/{profile.pk}/").status_code == 200


def test_opening_a_gallery_to_members_under_two_person_approval_waits_for_approval(
    two_person: Gallery, partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    staff_only = GalleryFactory(partnership=partnership_a, members_may_see=False)
    profile = ProfileFactory(partnership=partnership_a)
    placement = services.placement_add(
        profile=profile, gallery=staff_only, actor=Actor(user=admin_a)
    )
    assert not placement.awaiting_approval
    staff_only.members_may_see = True
    services.gallery_save(partnership=partnership_a, gallery=staff_only, actor=Actor(user=admin_a))
    placement.refresh_from_db()
    assert placement.awaiting_approval
    assert client_for(member_a).get(f"/p/alpha/profiles/{profile.pk}/").status_code == 404


def test_the_setting_is_on_the_scheme_settings_page(admin_a: User) -> None:
    page = client_for(admin_a).get("/p/alpha/settings/").content.decode()
    assert 'name="second_approval_to_circulate"' in page


def test_anonymous_cannot_challenge(shared: OffenderProfile) -> None:
    response = Client().post(f"/p/alpha/profiles/{shared.pk}/challenge/", {"reason": "x"})
    assert response.status_code == 302 and not ProfileChallenge.objects.exists()


def test_an_incident_says_how_its_identified_offender_was_identified(
    partnership_a: Partnership, admin_a: User, member_a: User, police_a: User
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a))
    profile = ProfileFactory(partnership=partnership_a, identification_source="police")
    incident_link(incident=incident, profile=profile, actor=Actor(user=admin_a))
    for user in (admin_a, police_a):
        page = client_for(user).get(f"/p/alpha/incidents/{incident.pk}/").content.decode()
        assert "(Identified (confirmed by an administrator); police confirmed)" in page


def test_the_api_says_how_a_profile_was_identified_to_administrators_and_police(
    partnership_a: Partnership, admin_a: User, police_a: User
) -> None:
    confirmed = ProfileFactory(partnership=partnership_a, identification_source="police")
    unrecorded = ProfileFactory(partnership=partnership_a, identification_source="")
    for user in (admin_a, police_a):
        client = api_client_for(api_token_for(user, partnership_a))
        assert (
            client.get(f"/api/v1/p/alpha/profiles/{confirmed.pk}/").json()["identification_source"]
            == "police"
        )
        body = client.get(f"/api/v1/p/alpha/profiles/{unrecorded.pk}/").json()
        assert body["identification_source"] == ""
    schema = client_for(admin_a).get("/api/v1/schema/").content.decode()
    assert "identification_source" in schema
