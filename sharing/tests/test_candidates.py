"""Same-person candidates follow the sharing rule: a peer's profile is a candidate only while the
two partnerships share and both profiles are shareable; a decision is never asked again; the
review queue is for administrators and shows only what they may see now."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from offenders import services as offender_services
from offenders.models import OffenderProfile
from sharing import services
from sharing.candidates import candidate_pairs_refresh
from sharing.links import candidate_dismiss
from sharing.matching import photo_bands
from sharing.models import CandidatePair, MatchKey, ProfileLink
from sharing.selectors import candidates_for
from sharing.tests.test_links import Town, share
from sharing.tests.test_links import towns as towns  # the fixture
from tests.factories import ProfileFactory, image_on, membership_of
from tests.fixtures import client_for

BORN = date(1988, 5, 17)


def darren(town: Town, **fields: object) -> OffenderProfile:
    return ProfileFactory(  # type: ignore[no-any-return]
        partnership=town.partnership,
        **{"first_name": "Darren", "last_name": "Pike", "date_of_birth": BORN, **fields},
    )


def candidate_ids(town: Town, profile: OffenderProfile) -> list[int]:
    membership = membership_of(town.admin, town.partnership)
    return [c.profile.pk for c in candidates_for(membership=membership, profile=profile)]


def test_a_peers_profile_is_a_candidate_only_while_the_two_share(
    towns: tuple[Town, Town, Town],
) -> None:
    a, b, c = towns
    ours, theirs, third = darren(a), darren(b, first_name="Daz"), darren(c)
    assert candidate_ids(a, ours) == []
    share(a, b)
    share(b, c)
    assert candidate_ids(a, ours) == [theirs.pk]  # never C's, though B shares with C
    assert candidate_ids(b, theirs) == [ours.pk, third.pk] or set(candidate_ids(b, theirs)) == {
        ours.pk,
        third.pk,
    }
    best = candidates_for(membership=membership_of(a.admin, a.partnership), profile=ours)[0]
    assert "same surname" in best.reasons and "same date of birth" in best.reasons
    assert candidate_ids(a, ours) == [
        c.profile.pk
        for c in candidates_for(membership=membership_of(a.police, a.partnership), profile=ours)
    ]
    assert candidates_for(membership=membership_of(a.member, a.partnership), profile=ours) == []
    services.consent_revoke(partnership=b.partnership, partner=a.partnership, actor=b.actor())
    assert candidate_ids(a, ours) == [] and candidate_ids(b, theirs) == [third.pk]


def test_juvenile_local_only_and_archived_profiles_are_never_candidates_across(
    towns: tuple[Town, Town, Town],
) -> None:
    a, b, _ = towns
    share(a, b)
    ours = darren(a)
    darren(b, local_only=True)
    darren(b, date_of_birth=date(2012, 5, 17), first_name="Darren")
    darren(b, status="archived")
    assert candidate_ids(a, ours) == []
    own_local = darren(a, local_only=True)  # within one partnership it may be the same person
    assert candidate_ids(a, ours) == [own_local.pk]
    local = darren(a, local_only=True, first_name="Daz")
    peer = darren(b)
    assert peer.pk not in candidate_ids(a, local)  # our own side is not shareable either


def test_a_pair_judged_not_the_same_or_linked_is_not_offered_again(
    towns: tuple[Town, Town, Town],
) -> None:
    a, b, _ = towns
    share(a, b)
    ours, theirs, again = darren(a), darren(b), darren(b, first_name="Dazza")
    assert set(candidate_ids(a, ours)) == {theirs.pk, again.pk}
    candidate_dismiss(
        partnership=a.partnership, profile_id=ours.pk, other_id=theirs.pk, actor=a.actor()
    )
    a.link(ours, again)
    assert candidate_ids(a, ours) == []
    # B made no decision: it is still asked about its own profile and ours.
    assert ours.pk in candidate_ids(b, theirs)


def test_candidate_search_reads_a_fixed_number_of_queries(
    towns: tuple[Town, Town, Town],
) -> None:
    a, b, _ = towns
    share(a, b)
    ours = darren(a)
    membership = membership_of(a.admin, a.partnership)
    assert membership.partnership  # as a page has it
    counts = []
    for extra in (1, 6):
        for n in range(extra):
            darren(b, first_name=["Darren", "Daz", "D"][n % 3])
        with CaptureQueriesContext(connection) as queries:
            found = candidates_for(membership=membership, profile=ours)
        assert found
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 8


def test_the_review_queue_links_or_dismisses_and_follows_revocation(
    towns: tuple[Town, Town, Town],
) -> None:
    a, b, _ = towns
    share(a, b)
    ours, theirs, other = darren(a), darren(b, first_name="Daz"), darren(b, first_name="D")
    assert candidate_pairs_refresh([ours.pk]) == 2
    url = f"/p/{a.partnership.slug}/intelligence/candidates/"
    admin = client_for(a.admin)
    page = admin.get(url)
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="candidate"') == 2
    assert "Daz Pike" in page.content.decode() and b.partnership.name in page.content.decode()
    assert client_for(a.member).get(url).status_code == 403
    assert (
        client_for(b.admin).get(f"/p/{b.partnership.slug}/intelligence/candidates/").status_code
        == 200
    )

    answer = admin.post(
        url, {"profile": ours.pk, "other": theirs.pk, "decision": "same"}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200
    assert "Linked as the same person." in answer.content.decode()
    assert answer.content.decode().count('data-testid="candidate"') == 1
    assert ProfileLink.objects.filter(first=min(ours.pk, theirs.pk)).exists()
    for bad in (
        {"profile": "x", "other": theirs.pk, "decision": "same"},
        {"profile": ours.pk, "other": 2**40, "decision": "same"},
        {"profile": ours.pk, "other": theirs.pk, "decision": "merge"},
        {"profile": ours.pk, "other": 999999, "decision": "not_same"},
        {"profile": "1\x00", "other": theirs.pk, "decision": "same"},
    ):
        assert admin.post(url, bad).status_code == 400

    services.consent_revoke(partnership=a.partnership, partner=b.partnership, actor=a.actor())
    assert not CandidatePair.objects.exists()
    assert 'data-testid="candidate"' not in admin.get(url).content.decode()
    assert other.pk


def test_a_profiles_page_shows_its_candidates_to_administrators_only(
    towns: tuple[Town, Town, Town],
) -> None:
    a, b, _ = towns
    share(a, b)
    ours, theirs = darren(a), darren(b, first_name="Daz")
    url = f"/p/{a.partnership.slug}/profiles/{ours.pk}/"
    page = client_for(a.admin).get(url).content.decode()
    assert 'data-testid="profile-candidates"' in page
    assert f"{theirs.reference} · {b.partnership.name}" in page
    assert "nickname of the same name: Darren / Daz" in page
    police_page = client_for(a.police).get(url)
    assert police_page.status_code == 200
    assert 'data-testid="profile-candidates"' not in police_page.content.decode()


def test_keys_follow_every_change_of_names_dates_and_photos(
    towns: tuple[Town, Town, Town],
) -> None:
    a, _, _ = towns

    def keys(profile: OffenderProfile) -> set[str]:
        return set(MatchKey.objects.filter(profile=profile).values_list("key", flat=True))

    profile = offender_services.profile_create(
        partnership=a.partnership,
        fields={"first_name": "Darren", "last_name": "Pike", "date_of_birth": BORN},
        actor=a.actor(),
    )
    assert {"s:PK:d", "d:1988:5:17", "g:TRN:1988"} <= keys(profile)
    offender_services.profile_update(
        profile=profile, fields={"last_name": "Walker", "aliases": ["Dazza"]}, actor=a.actor()
    )
    assert "s:PK:d" not in keys(profile) and {"s:WLKR:d", "a:dazza"} <= keys(profile)
    image = image_on(profile, a.admin)
    assert {k for k in keys(profile) if k.startswith("p")} == set(photo_bands(image.phash or 0))
    offender_services.image_delete(image=image, actor=a.actor())
    assert not {k for k in keys(profile) if k.startswith("p")}
