"""Merges running at the same time as each other and as a consent revoke, on real PostgreSQL,
each in its own thread and connection: the rows left are consistent and equal the rule."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from bcrp.actors import Actor
from bcrp.models import User
from offenders.merge import profile_merge
from offenders.models import OffenderProfile
from partnerships.models import Partnership, Role
from sharing import services as sharing_services
from sharing.links import link_make
from sharing.models import ProfileGroupPermission, ProfileLink
from sharing.permissions import drift_check
from sharing.selectors import links_visible
from tests.factories import ProfileFactory, membership_of, partnership_make, person_in

ROUNDS = 5

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*steps: Callable[[], Any]) -> list[BaseException | None]:
    """Run the steps together, each on its own connection; returns each one's error or None."""
    start = threading.Barrier(len(steps))
    errors: list[BaseException | None] = [None] * len(steps)

    def run(index: int) -> None:
        try:
            start.wait()
            steps[index]()
        except BaseException as error:  # reported to the test thread
            errors[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(steps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    return errors


@pytest.fixture
def world() -> Iterator[dict[str, Any]]:
    owner = partnership_make("owner", "Owner BCRP")
    peer = partnership_make("peer", "Peer BCRP")
    yield {
        "owner": owner,
        "peer": peer,
        "admin": person_in(owner, Role.ADMIN),
        "second_admin": person_in(owner, Role.ADMIN),
        "admin_peer": person_in(peer, Role.ADMIN),
    }
    connection.close()


def share(owner: Partnership, peer: Partnership, admin: User, admin_peer: User) -> None:
    sharing_services.consent_request(
        partnership=owner, partner=peer, agreement_reference="ISA-9", actor=Actor(user=admin)
    )
    sharing_services.consent_accept(partnership=peer, partner=owner, actor=Actor(user=admin_peer))


def linked_trio(owner: Partnership, peer: Partnership, admin: User) -> list[OffenderProfile]:
    """Two profiles of the owner, linked, and the second linked to a peer's profile."""
    one, two = (ProfileFactory(partnership=owner) for _ in range(2))
    theirs = ProfileFactory(partnership=peer)
    actor = Actor(user=admin, partnership=owner)
    link_make(partnership=owner, profile_id=one.pk, other_id=two.pk, actor=actor)
    link_make(partnership=owner, profile_id=two.pk, other_id=theirs.pk, actor=actor)
    return [one, two, theirs]


def test_two_merges_of_one_pair_at_once_leave_one_profile(world: dict[str, Any]) -> None:
    owner, peer = world["owner"], world["peer"]
    share(owner, peer, world["admin"], world["admin_peer"])
    for _ in range(ROUNDS):
        one, two, theirs = linked_trio(owner, peer, world["admin"])
        errors = at_once(
            partial(
                profile_merge,
                partnership=owner,
                kept_id=one.pk,
                merged_id=two.pk,
                actor=Actor(user=world["admin"]),
            ),
            partial(
                profile_merge,
                partnership=owner,
                kept_id=two.pk,
                merged_id=one.pk,
                actor=Actor(user=world["second_admin"]),
            ),
        )
        assert sum(error is None for error in errors) == 1, errors
        refused = next(error for error in errors if error is not None)
        assert isinstance(refused, ValidationError), refused
        survivors = list(OffenderProfile.objects.filter(pk__in=[one.pk, two.pk]))
        assert len(survivors) == 1
        kept = survivors[0]
        links = list(ProfileLink.objects.filter(first_id__in=[one.pk, two.pk, theirs.pk]))
        assert [sorted((x.first_id, x.second_id)) for x in links] == [sorted((kept.pk, theirs.pk))]
        assert drift_check().clean


def test_a_merge_racing_a_revoke_leaves_the_rows_the_rule_allows(world: dict[str, Any]) -> None:
    owner, peer = world["owner"], world["peer"]
    for _ in range(ROUNDS):
        share(owner, peer, world["admin"], world["admin_peer"])
        one, two, theirs = linked_trio(owner, peer, world["admin"])
        errors = at_once(
            partial(
                profile_merge,
                partnership=owner,
                kept_id=one.pk,
                merged_id=two.pk,
                actor=Actor(user=world["admin"]),
            ),
            partial(
                sharing_services.consent_revoke,
                partnership=peer,
                partner=owner,
                actor=Actor(user=world["admin_peer"]),
            ),
        )
        assert errors == [None, None]
        assert not OffenderProfile.objects.filter(pk=two.pk).exists()
        assert ProfileLink.objects.filter(first_id=min(one.pk, theirs.pk)).exists()
        # The revoke won in the end: neither side sees the other's profile, nor the link.
        assert not ProfileGroupPermission.objects.filter(
            group_id__in=[peer.admin_group_id, peer.police_group_id], content_object=one
        ).exists()
        for user, partnership in ((world["admin"], owner), (world["admin_peer"], peer)):
            membership = membership_of(user, partnership)
            assert (
                not links_visible(membership=membership)
                .filter(first_id__in=[one.pk, theirs.pk])
                .exists()
            )
        assert drift_check().clean
