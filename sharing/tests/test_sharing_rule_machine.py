"""Property test: random histories of consents, profiles, memberships, same-person links,
answers to ID-sought profiles and challenges of accuracy never break the rule, nor show a
candidate it forbids.

After every step, for every partnership and for its administrators and police, the Dataview
equals the sharing rule computed here in plain Python from the models, the drift check finds
nothing, the links each person sees are exactly those whose two profiles their partnership may
see (across partnerships, both shareable): never one more, never transitively; and the answers
each sees are those of their own partnership's conversations on such pairs, never a third's.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bcrp.actors import Actor
from bcrp.models import User
from offenders import services as offender_services
from offenders.models import ChallengeOutcome, OffenderProfile, ProfileChallenge, ProfileStatus
from partnerships import services as partnership_services
from partnerships.models import Membership, Partnership, Role
from sharing import answers, links, services
from sharing.models import IdentityAnswer, ProfileLink, SharingConsent
from sharing.permissions import drift_check
from sharing.selectors import (
    answers_visible,
    candidate_queue,
    candidates_for,
    links_visible,
    profiles_for_dataview,
)
from tests.factories import UserFactory, partnership_make, person_in

N = 3
# Each history now starts from three agreements, two links and an answer and checks them after
# every step, so fewer histories cover more than the 200 bare ones did.
EXAMPLES = int(os.environ.get("SHARING_MACHINE_EXAMPLES", "50"))
index = st.integers(min_value=0, max_value=N - 1)
pair = st.permutations(range(N)).map(lambda order: (order[0], order[1]))
AGES = st.sampled_from(["adult", "juvenile", "teen_range", "unknown"])


def shareable(profile: OffenderProfile) -> bool:
    return (
        profile.status != ProfileStatus.ARCHIVED
        and not profile.local_only
        and not profile.under_challenge
        and not profile.is_juvenile()
    )


def expected_pair_visible(partnership: Partnership, first: int, second: int) -> bool:
    """A record naming two profiles: the partnership sees both, and across partnerships both
    are shareable."""
    visible = expected_visible(partnership)
    if first not in visible or second not in visible:
        return False
    one, other = OffenderProfile.objects.get(pk=first), OffenderProfile.objects.get(pk=second)
    return one.partnership_id == other.partnership_id or (shareable(one) and shareable(other))


def expected_visible(partnership: Partnership) -> set[int]:
    """The sharing rule, straight from DESIGN.md, in Python."""
    edges = set(
        SharingConsent.objects.filter(ended_at=None).values_list("grantor_id", "grantee_id")
    )
    visible = set()
    for profile in OffenderProfile.objects.all():
        owner = profile.partnership_id
        if owner == partnership.pk:
            visible.add(profile.pk)
            continue
        mutual = (owner, partnership.pk) in edges and (partnership.pk, owner) in edges
        if mutual and shareable(profile):
            visible.add(profile.pk)
    return visible


class SharingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.partnerships: list[Partnership] = []
        self.admins: list[User] = []
        self.police: list[User] = []
        self.profiles: list[OffenderProfile] = []
        self.roamer: User | None = None

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)

    @initialize()
    def network(self) -> None:
        for i in range(N):
            partnership = partnership_make(f"m{i}", f"Machine {i}")
            self.partnerships.append(partnership)
            self.admins.append(person_in(partnership, Role.ADMIN))
            self.police.append(person_in(partnership, Role.POLICE))
        self.roamer = UserFactory()
        # From the start: one shareable profile each, all three agreeing, a link across one
        # agreement, one between two profiles of partnership 2 that may never leave it, and an
        # answer to partnership 1's ID-sought profile; each history then changes them.
        for owner in range(N):
            self.create_profile(owner, "adult", local_only=False)
        for ab in ((0, 1), (1, 2), (0, 2)):
            self.agree(ab)
        self.create_profile(2, "juvenile", local_only=False)
        self.create_profile(2, "adult", local_only=True)
        for by, one, other in ((0, 0, 2), (2, 3, 4)):
            links.link_make(
                partnership=self.partnerships[by],
                profile_id=self.profiles[one].pk,
                other_id=self.profiles[other].pk,
                actor=Actor(user=self.admins[by]),
            )
        offender_services.profile_update(
            profile=self.profiles[1],
            fields={"status": ProfileStatus.ID_SOUGHT},
            actor=Actor(user=self.admins[1]),
        )
        answers.answer_give(
            membership=Membership.objects.get(
                user=self.police[0], partnership=self.partnerships[0]
            ),
            sought_id=self.profiles[1].pk,
            known_id=self.profiles[0].pk,
            note="",
            actor=Actor(user=self.police[0]),
        )

    def _try(self, action: Any, **kwargs: Any) -> None:
        # Refused as the page would refuse it (e.g. accepting what was never asked): no change.
        with contextlib.suppress(ValidationError):
            action(**kwargs)

    @rule(a=index, b=index)
    def request(self, a: int, b: int) -> None:
        if a != b:
            self._try(
                services.consent_request,
                partnership=self.partnerships[a],
                partner=self.partnerships[b],
                agreement_reference="",
                actor=Actor(user=self.admins[a]),
            )

    @rule(ab=pair)
    def agree(self, ab: tuple[int, int]) -> None:
        """Both sides agree in one go (request then accept), the usual path."""
        a, b = ab
        self.request(a, b)
        self.accept(b, a)

    @rule(a=index, b=index)
    def accept(self, a: int, b: int) -> None:
        if a != b:
            self._try(
                services.consent_accept,
                partnership=self.partnerships[a],
                partner=self.partnerships[b],
                actor=Actor(user=self.admins[a]),
            )

    @rule(a=index, b=index)
    def decline(self, a: int, b: int) -> None:
        if a != b:
            self._try(
                services.consent_decline,
                partnership=self.partnerships[a],
                partner=self.partnerships[b],
                actor=Actor(user=self.admins[a]),
            )

    @rule(a=index, b=index)
    def revoke(self, a: int, b: int) -> None:
        if a != b:
            self._try(
                services.consent_revoke,
                partnership=self.partnerships[a],
                partner=self.partnerships[b],
                actor=Actor(user=self.admins[a]),
            )

    @rule(owner=index, age=AGES, local_only=st.booleans())
    def create_profile(self, owner: int, age: str, local_only: bool) -> None:
        fields: dict[str, Any] = {"first_name": "P", "last_name": str(len(self.profiles))}
        fields["local_only"] = local_only
        if age == "adult":
            fields.update(age_min=25, age_max=40)
        elif age == "juvenile":
            fields["date_of_birth"] = date(timezone.localdate().year - 10, 1, 1)
        elif age == "teen_range":
            fields.update(age_min=16, age_max=20)
        self.profiles.append(
            offender_services.profile_create(
                partnership=self.partnerships[owner],
                fields=fields,
                actor=Actor(user=self.admins[owner]),
            )
        )

    @precondition(lambda self: self.profiles)
    @rule(data=st.data(), change=st.sampled_from(["archive", "restore", "local", "unlocal"]))
    def change_profile(self, data: st.DataObject, change: str) -> None:
        profile = data.draw(st.sampled_from(self.profiles))
        profile.refresh_from_db()
        actor = Actor(user=self.admins[self._owner(profile)])
        if change == "archive":
            offender_services.profile_archive(profile=profile, actor=actor)
        elif change == "restore":
            offender_services.profile_restore(profile=profile, actor=actor)
        else:
            offender_services.profile_update(
                profile=profile, fields={"local_only": change == "local"}, actor=actor
            )

    @rule(data=st.data(), by=index)
    def link(self, data: st.DataObject, by: int) -> None:
        """A partnership says two profiles are the same person; refused unless it sees both
        (mostly drawn from what it sees, so links are made, not only refused)."""
        partnership = self.partnerships[by]
        likely = data.draw(st.booleans())
        allowed = [
            (one, other)
            for one, other in itertools.permutations(self.profiles, 2)
            if likely and expected_pair_visible(partnership, one.pk, other.pk)
        ]
        if allowed:
            one, other = data.draw(st.sampled_from(allowed))
        else:
            one, other = data.draw(st.permutations(self.profiles))[:2]
        self._try(
            links.link_make,
            partnership=self.partnerships[by],
            profile_id=one.pk,
            other_id=other.pk,
            actor=Actor(user=self.admins[by]),
        )

    @rule(data=st.data(), by=index)
    def unlink(self, data: st.DataObject, by: int) -> None:
        made = list(ProfileLink.objects.all())
        if made:
            self._try(
                links.link_remove,
                partnership=self.partnerships[by],
                link=data.draw(st.sampled_from(made)),
                actor=Actor(user=self.admins[by]),
            )

    @rule(data=st.data(), by=index, police=st.booleans())
    def answer(self, data: st.DataObject, by: int, police: bool) -> None:
        """A partnership's administrator or officer says one of its profiles is a peer's
        ID-sought person; refused unless the pair is one it may see."""
        sought, known = data.draw(st.permutations(self.profiles))[:2]
        if data.draw(st.booleans()):
            sought.refresh_from_db()
            offender_services.profile_update(
                profile=sought,
                fields={"status": ProfileStatus.ID_SOUGHT},
                actor=Actor(user=self.admins[self._owner(sought)]),
            )
        person = (self.police if police else self.admins)[by]
        self._try(
            answers.answer_give,
            membership=Membership.objects.get(user=person, partnership=self.partnerships[by]),
            sought_id=sought.pk,
            known_id=known.pk,
            note="",
            actor=Actor(user=person),
        )

    @rule(data=st.data(), by=index, confirm=st.booleans())
    def decide(self, data: st.DataObject, by: int, confirm: bool) -> None:
        given = list(IdentityAnswer.objects.order_by("pk"))
        if given:
            self._try(
                answers.answer_decide,
                membership=Membership.objects.get(
                    user=self.admins[by], partnership=self.partnerships[by]
                ),
                answer_id=data.draw(st.sampled_from(given)).pk,
                confirm=confirm,
                actor=Actor(user=self.admins[by]),
            )

    @precondition(lambda self: self.profiles)
    @rule(data=st.data(), police=st.booleans())
    def challenge(self, data: st.DataObject, police: bool) -> None:
        """Someone in the owning partnership challenges a profile as inaccurate (refused while
        one is open)."""
        profile = data.draw(st.sampled_from(self.profiles))
        owner = self._owner(profile)
        self._try(
            offender_services.challenge_raise,
            profile=profile,
            reason="Not this person",
            actor=Actor(user=(self.police if police else self.admins)[owner]),
        )

    @rule(data=st.data(), outcome=st.sampled_from(ChallengeOutcome.values))
    def decide_challenge(self, data: st.DataObject, outcome: str) -> None:
        open_ = list(ProfileChallenge.objects.filter(decided_at=None).order_by("pk"))
        if open_:
            challenge = data.draw(st.sampled_from(open_))
            offender_services.challenge_decide(
                challenge=challenge,
                outcome=outcome,
                actor=Actor(user=self.admins[self._owner(challenge.profile)]),
            )

    def _owner(self, profile: OffenderProfile) -> int:
        return next(i for i, p in enumerate(self.partnerships) if p.pk == profile.partnership_id)

    @rule(where=index, role=st.sampled_from([Role.ADMIN, Role.POLICE, Role.MEMBER, None]))
    def move_roamer(self, where: int, role: str | None) -> None:
        """Add, change or end the roaming person's membership in one partnership."""
        assert self.roamer is not None
        partnership = self.partnerships[where]
        current = Membership.objects.filter(
            user=self.roamer, partnership=partnership, ended_at=None
        ).first()
        business = None
        if role == Role.MEMBER:
            business = partnership.businesses.first() or partnership.businesses.create(name="Shop")
        if current is None and role is not None:
            partnership_services.membership_add(
                partnership=partnership, user=self.roamer, role=role, business=business, actor=None
            )
        elif current is not None and role is None:
            partnership_services.membership_end(membership=current, actor=None)
        elif current is not None and role is not None:
            partnership_services.membership_change(
                membership=current, role=role, business=business, actor=None
            )

    @invariant()
    def dataview_equals_the_rule(self) -> None:
        if not self.partnerships:
            return
        people = list(
            Membership.objects.select_related("partnership", "user").filter(
                ended_at=None, role__in=[Role.ADMIN, Role.POLICE]
            )
        )
        assert {m.partnership_id for m in people} == {p.pk for p in self.partnerships}
        for membership in people:
            seen = set(profiles_for_dataview(membership=membership).values_list("pk", flat=True))
            assert seen == expected_visible(membership.partnership), (
                membership.partnership.slug,
                membership.role,
            )
        # The roaming person is in exactly the groups of their active memberships.
        assert self.roamer is not None
        wanted = {
            m.partnership.group_for(m.role).pk
            for m in Membership.objects.select_related("partnership").filter(
                user=self.roamer, ended_at=None
            )
        }
        assert set(self.roamer.groups.values_list("pk", flat=True)) == wanted

    @invariant()
    def links_follow_the_rule(self) -> None:
        """Every link a person sees names two profiles their partnership may see, and every
        such link is seen: a revoke hides it, a new agreement shows it again."""
        if not self.partnerships:
            return
        made = [(link.first_id, link.second_id) for link in ProfileLink.objects.all()]
        for membership in Membership.objects.select_related("partnership").filter(ended_at=None):
            seen = {(x.first_id, x.second_id) for x in links_visible(membership=membership)}
            if membership.role == Role.MEMBER:
                assert seen == set()
                continue
            wanted = {pair for pair in made if expected_pair_visible(membership.partnership, *pair)}
            assert seen == wanted, (membership.partnership.slug, membership.role)

    @invariant()
    def answers_follow_the_rule(self) -> None:
        """An answer is seen by the two partnerships in the conversation only, and only while
        each may see both profiles."""
        if not self.partnerships:
            return
        given = list(IdentityAnswer.objects.select_related("sought"))
        for membership in Membership.objects.select_related("partnership").filter(ended_at=None):
            seen = set(answers_visible(membership=membership).values_list("pk", flat=True))
            if membership.role == Role.MEMBER:
                assert seen == set()
                continue
            here = membership.partnership
            wanted = {
                answer.pk
                for answer in given
                if here.pk in (answer.sought.partnership_id, answer.answered_in_id)
                and expected_pair_visible(here, answer.sought_id, answer.known_id)
            }
            assert seen == wanted, (here.slug, membership.role)

    @invariant()
    def candidates_follow_the_rule(self) -> None:
        """A candidate offered, on a profile's page or in the review queue, is always a profile
        the partnership may see, and across partnerships both sides are shareable. (The first
        and the newest profile each step: every one costs four queries.)"""
        if not self.profiles:
            return
        for by, partnership in enumerate(self.partnerships):
            membership = Membership.objects.get(user=self.admins[by], partnership=partnership)
            visible = expected_visible(partnership)
            for profile in {self.profiles[0].pk, self.profiles[-1].pk} & visible:
                one = OffenderProfile.objects.get(pk=profile)
                for candidate in candidates_for(membership=membership, profile=one):
                    assert expected_pair_visible(partnership, profile, candidate.profile.pk)
            for pair in candidate_queue(membership=membership):
                assert expected_pair_visible(partnership, pair.first_id, pair.second_id)

    @invariant()
    def no_drift(self) -> None:
        drift = drift_check()
        assert drift.clean, drift


@pytest.mark.django_db
@pytest.mark.timeout(600)
def test_sharing_rule_holds_through_random_histories() -> None:
    run_state_machine_as_test(
        SharingMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
