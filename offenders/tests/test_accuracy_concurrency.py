"""Challenges of accuracy racing consent changes, on real PostgreSQL, each writer on its own
connection: a peer never keeps a row for a profile under challenge, nor lacks one it is owed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from bcrp.actors import Actor
from bcrp.models import User
from offenders import services
from offenders.models import ChallengeOutcome, OffenderProfile, ProfileChallenge
from partnerships.models import Partnership, Role
from sharing import services as sharing_services
from sharing.models import ProfileGroupPermission
from sharing.permissions import drift_check
from tests.factories import partnership_make, person_in

ROUNDS = 40
PROFILES = 3

pytestmark = pytest.mark.django_db(transaction=True)


class Worker(threading.Thread):
    def __init__(self, step: Callable[[int], None]) -> None:
        super().__init__(daemon=True)
        self.step = step
        self.stop = threading.Event()
        self.steps = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.step(self.steps)
                self.steps += 1
        except BaseException as error:  # reported by the test thread
            self.error = error
        finally:
            connection.close()


@pytest.fixture
def towns() -> Iterator[dict[str, object]]:
    owner = partnership_make("owner", "Owner BCRP")
    peer = partnership_make("peer", "Peer BCRP")
    admin_owner = person_in(owner, Role.ADMIN)
    world: dict[str, object] = {
        "owner": owner,
        "peer": peer,
        "admin_owner": admin_owner,
        "police_owner": person_in(owner, Role.POLICE),
        "admin_peer": person_in(peer, Role.ADMIN),
        "ids": [
            services.profile_create(
                partnership=owner,
                fields={"first_name": "Subject", "last_name": str(n), "age_min": 30},
                actor=Actor(user=admin_owner),
            ).pk
            for n in range(PROFILES)
        ],
    }
    yield world
    connection.close()


def forbidden_peer_rows(peer: Partnership) -> int:
    """Rows letting the peer see a profile that is under challenge: the rule forbids each."""
    return ProfileGroupPermission.objects.filter(
        group_id__in=[peer.admin_group_id, peer.police_group_id],
        content_object__under_challenge=True,
    ).count()


def test_a_challenge_racing_a_consent_accept_leaves_no_row_the_rule_forbids(
    towns: dict[str, object],
) -> None:
    owner, peer = towns["owner"], towns["peer"]
    admin_owner, police_owner, admin_peer = (
        towns["admin_owner"],
        towns["police_owner"],
        towns["admin_peer"],
    )
    assert isinstance(owner, Partnership) and isinstance(peer, Partnership)
    assert isinstance(admin_owner, User) and isinstance(police_owner, User)
    assert isinstance(admin_peer, User)
    ids: list[int] = towns["ids"]  # type: ignore[assignment]

    def challenge_and_decide(n: int) -> None:
        """Police raise a challenge on the next profile; the one raised before is rejected."""
        profile = OffenderProfile.objects.get(pk=ids[n % len(ids)])
        if profile.under_challenge:
            challenge = ProfileChallenge.objects.get(profile=profile, decided_at=None)
            services.challenge_decide(
                challenge=challenge,
                outcome=ChallengeOutcome.REJECTED,
                actor=Actor(user=admin_owner),
            )
        else:
            services.challenge_raise(
                profile=profile, reason=f"Round {n}", actor=Actor(user=police_owner)
            )

    worker = Worker(challenge_and_decide)
    worker.start()
    try:
        for n in range(ROUNDS):
            sharing_services.consent_request(
                partnership=peer,
                partner=owner,
                agreement_reference=f"ISA-{n}",
                actor=Actor(user=admin_peer),
            )
            sharing_services.consent_accept(
                partnership=owner, partner=peer, actor=Actor(user=admin_owner)
            )
            assert forbidden_peer_rows(peer) == 0, n
            drift = drift_check()
            assert drift.clean, (n, drift)
            sharing_services.consent_revoke(
                partnership=peer, partner=owner, actor=Actor(user=admin_peer)
            )
    finally:
        worker.stop.set()
        worker.join(timeout=30)
    assert worker.error is None, worker.error
    assert worker.steps >= ROUNDS // 5, worker.steps  # really ran alongside
    assert forbidden_peer_rows(peer) == 0
    assert drift_check().clean
