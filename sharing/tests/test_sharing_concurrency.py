"""Sharing writes running at the same time, on real PostgreSQL, each in its own thread and
connection: the guardian rows equal the rule after every step, a revoked peer keeps nothing,
and sweeps over every partnership never deadlock with the writes on one or two of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from offenders import services as offender_services
from offenders.models import OffenderProfile, ProfileStatus
from offenders.retention import retention_archive
from partnerships import services as partnership_services
from partnerships.locks import SharingLockMissing, partnerships_lock
from partnerships.models import Membership, Partnership, Role
from sharing import services
from sharing.models import ProfileGroupPermission
from sharing.permissions import birthdays_sync, drift_check, pair_revoke, profiles_sync
from tests.factories import UserFactory, partnership_make, person_in

ROUNDS = 50
PROFILES = 4

pytestmark = pytest.mark.django_db(transaction=True)


class Worker(threading.Thread):
    """Someone repeating `step(n)` through the services, on their own connection, until told
    to stop."""

    def __init__(self, name: str, step: Callable[[int], None]) -> None:
        super().__init__(name=name, daemon=True)
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


def editing(
    ids: list[int], change: Callable[[OffenderProfile, int], None]
) -> Callable[[int], None]:
    """Each step edits the next profile, freshly read as a page would show it."""
    return lambda n: change(OffenderProfile.objects.get(pk=ids[n % len(ids)]), n // len(ids))


@contextmanager
def running(*workers: Worker) -> Iterator[None]:
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        for worker in workers:
            worker.stop.set()
        for worker in workers:
            worker.join(timeout=30)
    for worker in workers:
        assert worker.error is None, (worker.name, worker.error)
        assert not worker.is_alive()
        assert worker.steps >= ROUNDS // 5, (worker.name, worker.steps)  # really ran alongside


def _peer_rows(owner: Partnership, peer: Partnership) -> int:
    return ProfileGroupPermission.objects.filter(
        group_id__in=[peer.admin_group_id, peer.police_group_id],
        content_object__partnership=owner,
    ).count()


@pytest.fixture
def towns() -> Iterator[dict[str, object]]:
    owner = partnership_make("owner", "Owner BCRP")
    peer = partnership_make("peer", "Peer BCRP")
    world: dict[str, object] = {
        "owner": owner,
        "peer": peer,
        "admin_owner": person_in(owner, Role.ADMIN),
        "second_admin_owner": person_in(owner, Role.ADMIN),
        "admin_peer": person_in(peer, Role.ADMIN),
        "police_peer": person_in(peer, Role.POLICE),
    }
    world["profile_ids"] = [
        offender_services.profile_create(
            partnership=owner,
            fields={"first_name": "Subject", "last_name": str(n), "age_min": 25, "age_max": 35},
            actor=Actor(user=world["admin_owner"]),  # type: ignore[arg-type]
        ).pk
        for n in range(PROFILES)
    ]
    yield world
    connection.close()


def test_consents_and_profile_edits_at_once_never_leave_a_row_the_rule_forbids(
    towns: dict[str, object],
) -> None:
    """Two administrators of the owner keep editing its profiles (local only, archive and
    restore, date of birth either side of 18) while the partnerships agree and revoke 50 times."""
    owner, peer = towns["owner"], towns["peer"]
    assert isinstance(owner, Partnership) and isinstance(peer, Partnership)
    admin_owner, second_admin = towns["admin_owner"], towns["second_admin_owner"]
    admin_peer = towns["admin_peer"]
    assert isinstance(admin_owner, User) and isinstance(second_admin, User)
    assert isinstance(admin_peer, User)
    ids: list[int] = towns["profile_ids"]  # type: ignore[assignment]
    adult_cutoff = timezone.localdate() - relativedelta(years=18)
    birthdays = (adult_cutoff + relativedelta(days=1), adult_cutoff - relativedelta(days=1))

    def visibility(profile: OffenderProfile, n: int) -> None:
        if n % 2:
            offender_services.profile_update(
                profile=profile,
                fields={"local_only": not profile.local_only},
                actor=Actor(user=admin_owner),
            )
        elif profile.status == ProfileStatus.ARCHIVED:
            offender_services.profile_restore(profile=profile, actor=Actor(user=admin_owner))
        else:
            offender_services.profile_archive(profile=profile, actor=Actor(user=admin_owner))

    def birthday(profile: OffenderProfile, n: int) -> None:
        born: date = birthdays[n % 2]  # 17 today, then 18 since yesterday
        offender_services.profile_update(
            profile=profile, fields={"date_of_birth": born}, actor=Actor(user=second_admin)
        )

    with running(
        Worker("visibility", editing(ids, visibility)),
        Worker("birthday", editing(ids[::-1], birthday)),
    ):
        for n in range(ROUNDS):
            services.consent_request(
                partnership=peer,
                partner=owner,
                agreement_reference=f"ISA-{n}",
                actor=Actor(user=admin_peer),
            )
            services.consent_accept(partnership=owner, partner=peer, actor=Actor(user=admin_owner))
            drift = drift_check()
            assert drift.clean, (n, "after accept", drift)
            if n % 2:
                services.consent_revoke(
                    partnership=owner, partner=peer, actor=Actor(user=admin_owner)
                )
            else:
                services.consent_revoke(
                    partnership=peer, partner=owner, actor=Actor(user=admin_peer)
                )
            drift = drift_check()
            assert drift.clean, (n, "after revoke", drift)
    assert _peer_rows(owner, peer) == 0
    assert drift_check().clean


def test_sweeps_memberships_and_consents_in_any_order_never_deadlock(
    towns: dict[str, object],
) -> None:
    """Retention and the birthday sweep lock every partnership while pairs are locked by
    consent changes in both directions and memberships come and go."""
    owner, peer = towns["owner"], towns["peer"]
    assert isinstance(owner, Partnership) and isinstance(peer, Partnership)
    admin_owner, admin_peer = towns["admin_owner"], towns["admin_peer"]
    assert isinstance(admin_owner, User) and isinstance(admin_peer, User)
    third = partnership_make("third", "Third BCRP")
    admin_third = person_in(third, Role.ADMIN)
    roamer = UserFactory()
    ids: list[int] = towns["profile_ids"]  # type: ignore[assignment]
    admins = {owner.pk: admin_owner, peer.pk: admin_peer, third.pk: admin_third}
    pairs = [(owner, peer), (third, owner), (peer, third), (owner, third)]

    def restore(profile: OffenderProfile, n: int) -> None:
        if profile.status == ProfileStatus.ARCHIVED:
            offender_services.profile_restore(profile=profile, actor=Actor(user=admin_owner))
        else:
            offender_services.profile_update(
                profile=profile,
                fields={"local_only": not profile.local_only},
                actor=Actor(user=admin_owner),
            )

    def sweep(n: int) -> None:
        # Left untouched for over a year, so retention archives it (and the editor restores).
        OffenderProfile.objects.filter(pk=ids[n % len(ids)]).update(
            last_activity_at=timezone.now() - timedelta(days=400)
        )
        retention_archive()
        with transaction.atomic():
            birthdays_sync()

    def roam(n: int) -> None:
        where = (owner, peer, third)[n % 3]
        membership = Membership.objects.filter(user=roamer, partnership=where, ended_at=None)
        if current := membership.first():
            partnership_services.membership_end(membership=current, actor=None)
        else:
            partnership_services.membership_add(
                partnership=where, user=roamer, role=Role.POLICE, actor=None
            )

    with running(
        Worker("editor", editing(ids, restore)), Worker("sweeps", sweep), Worker("roamer", roam)
    ):
        for n in range(ROUNDS):
            a, b = pairs[n % len(pairs)]
            services.consent_request(
                partnership=a, partner=b, agreement_reference="", actor=Actor(user=admins[a.pk])
            )
            services.consent_accept(partnership=b, partner=a, actor=Actor(user=admins[b.pk]))
            services.consent_revoke(partnership=b, partner=a, actor=Actor(user=admins[b.pk]))
            drift = drift_check()
            assert drift.clean, (n, drift)
    assert AuditEvent.objects.filter(action="profile.archive_retention").exists()
    assert drift_check().clean


def test_archiving_from_a_page_opened_before_another_edit_keeps_that_edit(
    towns: dict[str, object],
) -> None:
    admin_owner, second_admin = towns["admin_owner"], towns["second_admin_owner"]
    assert isinstance(admin_owner, User) and isinstance(second_admin, User)
    ids: list[int] = towns["profile_ids"]  # type: ignore[assignment]
    opened_first = OffenderProfile.objects.get(pk=ids[0])
    offender_services.profile_update(
        profile=OffenderProfile.objects.get(pk=ids[0]),
        fields={"local_only": True, "date_of_birth": date(1990, 5, 1)},
        actor=Actor(user=second_admin),
    )
    offender_services.profile_archive(profile=opened_first, actor=Actor(user=admin_owner))
    profile = OffenderProfile.objects.get(pk=ids[0])
    assert profile.status == ProfileStatus.ARCHIVED
    assert profile.local_only and profile.date_of_birth == date(1990, 5, 1)
    change = AuditEvent.objects.filter(action="profile.change").latest("pk")
    assert change.detail == {"fields": ["status"]}


def test_rows_change_only_under_the_partnerships_sharing_lock(towns: dict[str, object]) -> None:
    owner, peer = towns["owner"], towns["peer"]
    assert isinstance(owner, Partnership) and isinstance(peer, Partnership)
    ids: list[int] = towns["profile_ids"]  # type: ignore[assignment]
    with pytest.raises(TransactionManagementError, match="open one first"):
        partnerships_lock([owner.pk])  # outside a transaction it would end at once
    with transaction.atomic(), pytest.raises(SharingLockMissing):
        profiles_sync(ids)
    with transaction.atomic():
        partnerships_lock([peer.pk])
        with pytest.raises(SharingLockMissing, match=rf"\[{owner.pk}\]"):
            profiles_sync(ids)  # the owner's lock, not any lock
        with pytest.raises(SharingLockMissing):
            pair_revoke(owner, peer)
    with transaction.atomic():
        partnerships_lock([owner.pk])
    with transaction.atomic(), pytest.raises(SharingLockMissing):
        profiles_sync(ids)  # that lock ended with its transaction
    with transaction.atomic():
        partnerships_lock([peer.pk, owner.pk])
        assert profiles_sync(ids) == (0, 0)
        assert pair_revoke(owner, peer) == 0
