"""Same-person links: made by a partnership that sees both profiles, shown only while it may
see both, hidden by a revoke in its own transaction, never transitive."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from offenders.models import OffenderProfile
from partnerships.models import Partnership, Role
from sharing import links, services
from sharing.links import candidate_dismiss, link_make, link_remove
from sharing.models import CandidateDismissal, ProfileLink
from sharing.selectors import links_of_profile, links_visible
from tests.factories import ProfileFactory, membership_of, partnership_make, person_in


@dataclass
class Town:
    partnership: Partnership
    admin: User
    police: User
    member: User
    profile: OffenderProfile

    def actor(self) -> Actor:
        return Actor(user=self.admin, partnership=self.partnership)

    def seen(self, user: User | None = None) -> set[tuple[int, int]]:
        membership = membership_of(user or self.admin, self.partnership)
        return {(x.first_id, x.second_id) for x in links_visible(membership=membership)}

    def link(self, one: OffenderProfile, other: OffenderProfile) -> ProfileLink:
        return link_make(
            partnership=self.partnership, profile_id=one.pk, other_id=other.pk, actor=self.actor()
        )


def share(one: Town, other: Town) -> None:
    services.consent_request(
        partnership=one.partnership,
        partner=other.partnership,
        agreement_reference="ISA-1",
        actor=one.actor(),
    )
    services.consent_accept(
        partnership=other.partnership, partner=one.partnership, actor=other.actor()
    )


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


def pair(link: ProfileLink) -> tuple[int, int]:
    return (link.first_id, link.second_id)


def test_a_link_is_seen_by_both_sides_while_they_share_and_never_by_a_third(
    towns: tuple[Town, Town, Town],
) -> None:
    a, b, c = towns
    share(a, b)
    share(b, c)
    with pytest.raises(ValidationError):  # A does not see C's profile
        a.link(a.profile, c.profile)

    ab = a.link(a.profile, b.profile)
    bc = b.link(b.profile, c.profile)
    assert a.seen() == {pair(ab)} == a.seen(a.police)
    assert b.seen() == {pair(ab), pair(bc)}
    # Not transitive: C never learns of A's profile through B's links, nor A of C's.
    assert c.seen() == {pair(bc)}
    assert a.seen(a.member) == set() == b.seen(b.member)
    linked = links_of_profile(membership=membership_of(a.admin, a.partnership), profile=b.profile)
    assert [item.profile.pk for item in linked] == [a.profile.pk]
    with pytest.raises(ValidationError, match="already linked"):
        b.link(b.profile, a.profile)

    # A revokes: the link disappears for both sides at once (it stays on record).
    services.consent_revoke(partnership=a.partnership, partner=b.partnership, actor=a.actor())
    assert a.seen() == set()
    assert b.seen() == {pair(bc)}
    assert ProfileLink.objects.count() == 2
    assert AuditEvent.objects.filter(action="link.make").count() == 2


def test_local_only_and_juvenile_profiles_never_take_part_across_partnerships(
    towns: tuple[Town, Town, Town],
) -> None:
    a, b, _ = towns
    share(a, b)
    local = ProfileFactory(partnership=a.partnership, local_only=True)
    young = ProfileFactory(partnership=a.partnership, age_min=15, age_max=17)
    for own in (local, young):
        with pytest.raises(ValidationError):
            a.link(own, b.profile)
    assert pair(a.link(local, young)) in a.seen()  # within one partnership they may be linked
    # A shared link whose own side later becomes local only is hidden from its owner too.
    cross = a.link(a.profile, b.profile)
    OffenderProfile.objects.filter(pk=a.profile.pk).update(local_only=True)
    assert pair(cross) not in a.seen() and pair(cross) not in b.seen()


def test_not_the_same_is_remembered_and_a_link_can_be_undone_by_an_owner(
    towns: tuple[Town, Town, Town],
) -> None:
    a, b, c = towns
    share(a, b)
    for one, other in ((a.profile, b.profile), (b.profile, a.profile)):
        candidate_dismiss(
            partnership=a.partnership, profile_id=one.pk, other_id=other.pk, actor=a.actor()
        )
    assert CandidateDismissal.objects.filter(partnership=a.partnership).count() == 1
    link = b.link(b.profile, a.profile)
    assert not CandidateDismissal.objects.exists()  # a confirmed link outweighs a dismissal
    with pytest.raises(ValidationError):
        link_remove(partnership=c.partnership, link=link, actor=c.actor())
    link_remove(partnership=a.partnership, link=link, actor=a.actor())
    assert not ProfileLink.objects.exists()
    event = AuditEvent.objects.get(action="link.remove")
    assert (event.object_id, event.partnership_id) == (str(a.profile.pk), a.partnership.pk)
    assert links.ordered(5, 3) == (3, 5)
