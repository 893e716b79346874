"""Merging two linked profiles of one partnership: every record held on the merged profile
moves to the kept one, the merge is audited with both references, and it is refused across
partnerships, for profiles not linked and for anyone but the owner's administrators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.audit_phrases import OBJECT_FINDERS, audit_sentence
from bcrp.models import AuditEvent, User
from incidents.models import IncidentOffender
from incidents.services import incident_link
from offenders import services
from offenders.exports import export_request
from offenders.merge import profile_merge
from offenders.models import (
    Exclusion,
    GalleryPlacement,
    OffenderImage,
    OffenderProfile,
    Sighting,
    SubjectAccessExport,
)
from partnerships.models import Partnership
from sharing import services as sharing_services
from sharing.candidates import profile_facts
from sharing.links import link_make
from sharing.matching import match_keys
from sharing.models import IdentityAnswer, MatchKey, ProfileLink
from sharing.permissions import drift_check
from tests.factories import (
    GalleryFactory,
    ProfileFactory,
    image_on,
    incident_reported,
    membership_of,
)
from tests.fixtures import client_for


@dataclass
class Pair:
    kept: OffenderProfile
    merged: OffenderProfile
    peer: OffenderProfile
    link: ProfileLink


def shared(a: Partnership, b: Partnership, admin_a: User, admin_b: User) -> None:
    sharing_services.consent_request(
        partnership=a, partner=b, agreement_reference="ISA-7", actor=Actor(user=admin_a)
    )
    sharing_services.consent_accept(partnership=b, partner=a, actor=Actor(user=admin_b))


@pytest.fixture
def pair(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> Pair:
    shared(partnership_a, partnership_b, admin_a, admin_b)
    kept = ProfileFactory(
        partnership=partnership_a, first_name="Dean", last_name="Smith", hair="", aliases=[]
    )
    merged = ProfileFactory(
        partnership=partnership_a,
        first_name="Dean",
        last_name="Smyth",
        aliases=["Deano"],
        hair="brown",
        date_of_birth=date(1990, 3, 4),
        warning_markers=["violent"],
    )
    peer = ProfileFactory(partnership=partnership_b, first_name="Dean")
    actor = Actor(user=admin_a, partnership=partnership_a)
    link = link_make(partnership=partnership_a, profile_id=kept.pk, other_id=merged.pk, actor=actor)
    return Pair(kept, merged, peer, link)


def merge_url(pair: Pair) -> str:
    return f"/p/alpha/links/{pair.link.pk}/merge/"


def test_a_merge_moves_every_kind_of_record_to_the_kept_profile(
    pair: Pair,
    partnership_a: Partnership,
    partnership_b: Partnership,
    admin_a: User,
    admin_b: User,
    member_a: User,
) -> None:
    kept, merged, peer = pair.kept, pair.merged, pair.peer
    actor = Actor(user=admin_a, partnership=partnership_a)
    incident = incident_reported(membership_of(member_a, partnership_a))
    incident_link(incident=incident, profile=merged, actor=actor)
    both = incident_reported(membership_of(member_a, partnership_a))
    incident_link(incident=both, profile=kept, role="suspect", actor=actor)
    incident_link(incident=both, profile=merged, actor=actor)
    image_on(kept, admin_a, seed=1)
    image_on(merged, admin_a, seed=1)  # the same photo on both: kept once
    second_photo = image_on(merged, admin_a, seed=2)
    same_gallery, other_gallery = (GalleryFactory(partnership=partnership_a) for _ in range(2))
    later = timezone.localdate() + timedelta(days=300)
    services.placement_add(profile=kept, gallery=same_gallery, actor=actor)
    services.placement_add(profile=merged, gallery=same_gallery, expires_on=later, actor=actor)
    services.placement_add(profile=merged, gallery=other_gallery, actor=actor)
    notice = services.exclusion_issue(profile=merged, kind="warning", reason="Theft", actor=actor)
    sighting = services.sighting_record(
        membership=membership_of(member_a, partnership_a),
        profile=merged,
        premises=None,
        note="By the tills",
        actor=Actor(user=member_a, partnership=partnership_a),
    )
    export = export_request(profile=merged, request_reference="", actor=actor)
    third = link_make(
        partnership=partnership_a, profile_id=merged.pk, other_id=peer.pk, actor=actor
    )
    answer = IdentityAnswer.objects.create(sought=merged, known=peer, answered_in=partnership_b)

    page = client_for(admin_a).get(merge_url(pair))
    assert page.status_code == 200
    html = page.content.decode()
    assert kept.reference in html and merged.reference in html and "Photos: 2" in html
    response = client_for(admin_a).post(merge_url(pair), {"keep": kept.pk})
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == f"/p/alpha/profiles/{kept.pk}/"

    assert not OffenderProfile.objects.filter(pk=merged.pk).exists()
    kept.refresh_from_db()
    assert set(
        IncidentOffender.objects.filter(profile=kept).values_list("incident_id", "role")
    ) == {
        (incident.pk, "identified"),
        (both.pk, "identified"),
    }
    images = list(OffenderImage.objects.filter(profile=kept).order_by("position"))
    assert [i.pk for i in images][1:] == [second_photo.pk]
    assert [i.is_primary for i in images] == [True, False]
    placements = GalleryPlacement.objects.filter(profile=kept)
    assert {p.gallery_id for p in placements} == {same_gallery.pk, other_gallery.pk}
    assert placements.get(gallery=same_gallery).expires_on == later
    assert Exclusion.objects.get(pk=notice.pk).profile_id == kept.pk
    assert Sighting.objects.get(pk=sighting.pk).profile_id == kept.pk
    assert SubjectAccessExport.objects.get(pk=export.pk).profile_id == kept.pk
    moved_link = ProfileLink.objects.get(pk=third.pk)
    assert {moved_link.first_id, moved_link.second_id} == {kept.pk, peer.pk}
    assert not ProfileLink.objects.filter(pk=pair.link.pk).exists()
    answer.refresh_from_db()
    assert (answer.sought_id, answer.known_id) == (kept.pk, peer.pk)
    # Keys are derived: the kept profile's are rewritten from what it now holds (the merged
    # one's alias and date of birth among them); the merged profile's went with it.
    keys = set(MatchKey.objects.filter(profile=kept).values_list("key", flat=True))
    assert keys == match_keys(profile_facts([kept.pk])[kept.pk])
    assert {"a:deano", "d:1990:3:4"} <= keys
    assert not MatchKey.objects.filter(profile_id=merged.pk).exists()
    # Names become aliases; blanks are filled; warnings add up.
    assert kept.aliases == ["Dean Smyth", "Deano"]
    assert (kept.hair, kept.date_of_birth) == ("brown", date(1990, 3, 4))
    assert "violent" in kept.warning_markers and "smyth" in kept.search_name
    assert drift_check().clean

    event = AuditEvent.objects.get(action="profile.merge")
    assert (event.object_id, event.partnership_id) == (str(kept.pk), partnership_a.pk)
    assert event.detail["merged_id"] == merged.pk
    sentence = audit_sentence(event, object_name=kept.reference, actor_name="Ann")
    assert f"merged {merged.reference} into {kept.reference}" in sentence
    # The merged profile's own history is still found by its reference.
    _type, find = OBJECT_FINDERS["profile"]
    assert str(merged.pk) in set(find(merged.reference))
    trail = client_for(admin_a).get(f"/p/alpha/audit/?profile={merged.reference}")
    assert trail.status_code == 200 and "placed" in trail.content.decode()
    # Both sides see the moved link on the kept profile's page.
    peer_page = client_for(admin_b).get(f"/p/bravo/profiles/{peer.pk}/").content.decode()
    assert kept.reference in peer_page and merged.reference not in peer_page


def test_a_merge_is_refused_across_partnerships_for_police_and_without_a_link(
    pair: Pair, partnership_a: Partnership, admin_a: User, police_a: User, admin_b: User
) -> None:
    actor = Actor(user=admin_a, partnership=partnership_a)
    cross = link_make(
        partnership=partnership_a, profile_id=pair.kept.pk, other_id=pair.peer.pk, actor=actor
    )
    assert client_for(admin_a).get(f"/p/alpha/links/{cross.pk}/merge/").status_code == 404
    assert client_for(admin_b).get(f"/p/bravo/links/{cross.pk}/merge/").status_code == 404
    with pytest.raises(ValidationError, match="own partnership"):
        profile_merge(
            partnership=partnership_a, kept_id=pair.kept.pk, merged_id=pair.peer.pk, actor=actor
        )
    assert client_for(police_a).get(merge_url(pair)).status_code == 403
    assert client_for(police_a).post(merge_url(pair), {"keep": pair.kept.pk}).status_code == 403
    unlinked = ProfileFactory(partnership=partnership_a)
    with pytest.raises(ValidationError, match="not linked"):
        profile_merge(
            partnership=partnership_a, kept_id=pair.kept.pk, merged_id=unlinked.pk, actor=actor
        )
    for keep in ("", "abc", str(pair.peer.pk), "1\x00"):
        response = client_for(admin_a).post(merge_url(pair), {"keep": keep})
        assert response.status_code == 400, keep
        assert "Choose which of the two profiles to keep" in response.content.decode()
    assert (
        OffenderProfile.objects.filter(pk__in=[pair.kept.pk, pair.merged.pk, pair.peer.pk]).count()
        == 3
    )
    assert not AuditEvent.objects.filter(action="profile.merge").exists()


def test_more_than_ten_photos_together_are_refused_with_what_to_do(
    pair: Pair, admin_a: User
) -> None:
    for seed in range(1, 7):
        image_on(pair.kept, admin_a, seed=seed)
    for seed in range(7, 12):
        image_on(pair.merged, admin_a, seed=seed)
    response = client_for(admin_a).post(merge_url(pair), {"keep": pair.kept.pk})
    assert response.status_code == 400
    assert "11 different photos" in response.content.decode()
    assert OffenderProfile.objects.filter(pk=pair.merged.pk).exists()
    assert OffenderImage.objects.filter(profile=pair.merged).count() == 5


def test_a_juvenile_date_of_birth_taken_in_a_merge_hides_the_kept_profile_from_peers(
    pair: Pair, partnership_a: Partnership, admin_a: User, admin_b: User
) -> None:
    young = timezone.localdate().replace(year=timezone.localdate().year - 15, day=1)
    OffenderProfile.objects.filter(pk=pair.merged.pk).update(date_of_birth=young, age_min=None)
    assert client_for(admin_b).get(f"/p/bravo/profiles/{pair.kept.pk}/").status_code == 200
    profile_merge(
        partnership=partnership_a,
        kept_id=pair.kept.pk,
        merged_id=pair.merged.pk,
        actor=Actor(user=admin_a, partnership=partnership_a),
    )
    assert client_for(admin_b).get(f"/p/bravo/profiles/{pair.kept.pk}/").status_code == 404
    assert drift_check().clean
