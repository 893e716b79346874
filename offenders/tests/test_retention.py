"""Retention: inactive profiles are archived, and the archived purged after 30 days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.crypto import private_storage
from bcrp.models import AuditEvent, User
from incidents.models import IncidentOffender
from incidents.services import incident_link
from offenders import services as offender_services
from offenders.models import Exclusion, OffenderImage, OffenderProfile, ProfileStatus
from offenders.retention import RECYCLE_DAYS, retention_archive, retention_purge
from partnerships.locks import partnerships_lock
from partnerships.models import Partnership, Role
from sharing import services as sharing_services
from sharing.permissions import drift_check, profiles_sync
from sharing.tests.test_sharing import dataview_refs
from tests.factories import (
    ProfileFactory,
    image_on,
    incident_reported,
    membership_of,
    partnership_make,
    person_in,
)
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db


def idle(profile: OffenderProfile, days: int) -> OffenderProfile:
    OffenderProfile.objects.filter(pk=profile.pk).update(
        last_activity_at=timezone.now() - timedelta(days=days)
    )
    return profile


def archived_days_ago(profile: OffenderProfile, days: int) -> OffenderProfile:
    partnerships_lock([profile.partnership_id])  # as the archive service would
    OffenderProfile.objects.filter(pk=profile.pk).update(
        status=ProfileStatus.ARCHIVED, archived_at=timezone.now() - timedelta(days=days)
    )
    profiles_sync([profile.pk])
    return profile


@pytest.fixture
def towns(db: None) -> dict[str, Any]:
    a, b = partnership_make("ashby", "Ashby BCRP"), partnership_make("brent", "Brent BCRP")
    Partnership.objects.filter(pk=b.pk).update(retention_months=24)
    admin_a = person_in(a, Role.ADMIN, email="admin.ashby@example.org")
    admin_b = person_in(b, Role.ADMIN, email="admin.brent@example.org")
    sharing_services.consent_request(
        partnership=a, partner=b, agreement_reference="", actor=Actor(user=admin_a)
    )
    sharing_services.consent_accept(partnership=b, partner=a, actor=Actor(user=admin_b))
    return {"a": a, "b": b, "admin_a": admin_a, "admin_b": admin_b}


def test_profiles_idle_past_their_partnerships_period_are_archived_and_leave_peers(
    towns: dict[str, Any],
) -> None:
    a, b, admin_b = towns["a"], towns["b"], towns["admin_b"]
    stale = idle(ProfileFactory(partnership=a), 400)  # 13 months; Ashby keeps 12
    fresh = idle(ProfileFactory(partnership=a), 300)
    b_stale = idle(ProfileFactory(partnership=b), 400)  # Brent keeps 24 months
    excluded = ProfileFactory(partnership=a)
    offender_services.exclusion_issue(
        profile=excluded,
        kind="exclusion",
        reason="Threats to staff",
        actor=Actor(user=towns["admin_a"]),
    )
    idle(excluded, 400)  # idle, but an exclusion is still in force
    assert stale.reference in dataview_refs(admin_b, "brent")

    assert retention_archive() == 1
    states = dict(OffenderProfile.objects.values_list("pk", "status"))
    assert states[stale.pk] == ProfileStatus.ARCHIVED
    assert {states[p.pk] for p in (fresh, b_stale, excluded)} == {ProfileStatus.KNOWN}
    # The peer no longer sees it, in the same transaction; the rule still holds.
    assert stale.reference not in dataview_refs(admin_b, "brent")
    assert fresh.reference in dataview_refs(admin_b, "brent")
    assert drift_check().clean
    event = AuditEvent.objects.get(action="profile.archive_retention")
    assert event.object_id == str(stale.pk) and event.partnership_id == a.pk
    assert retention_archive() == 0  # twice is harmless


def test_archived_profiles_are_purged_after_the_recycle_bin_with_their_photos(
    towns: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    a, admin_a = towns["a"], towns["admin_a"]
    doomed = ProfileFactory(partnership=a)
    image = image_on(doomed, admin_a, seed=3)
    files = [image.original, image.thumbnail]
    assert all(private_storage().exists(name) for name in files)
    offender_services.exclusion_issue(
        profile=doomed, kind="warning", reason="Shoplifting", actor=Actor(user=admin_a)
    )
    member = person_in(a, Role.MEMBER, email="member.ashby@example.org")
    incident = incident_reported(membership_of(member, a))
    incident_link(incident=incident, profile=doomed, actor=Actor(user=admin_a))
    archived_days_ago(doomed, RECYCLE_DAYS + 1)
    in_bin = archived_days_ago(ProfileFactory(partnership=a), RECYCLE_DAYS - 1)
    reference = doomed.reference

    with django_capture_on_commit_callbacks(execute=True):
        assert retention_purge() == 1
    assert not OffenderProfile.objects.filter(pk=doomed.pk).exists()
    assert not OffenderImage.objects.filter(pk=image.pk).exists()
    assert not Exclusion.objects.filter(profile_id=doomed.pk).exists()
    assert not IncidentOffender.objects.filter(profile_id=doomed.pk).exists()
    assert not any(private_storage().exists(name) for name in files)
    # The incident itself stays (the shop's report), without the person.
    incident.refresh_from_db()
    assert incident.profiles.count() == 0
    # What remains on the record is the reference, not the person.
    purge = AuditEvent.objects.get(action="profile.purge")
    assert purge.detail == {"reference": reference}
    assert OffenderProfile.objects.filter(pk=in_bin.pk).exists()
    assert drift_check().clean
    assert retention_purge() == 0


def test_restoring_takes_a_profile_out_of_the_recycle_bin(towns: dict[str, Any]) -> None:
    a, admin_a = towns["a"], towns["admin_a"]
    profile = ProfileFactory(partnership=a)
    offender_services.profile_archive(profile=profile, actor=Actor(user=admin_a))
    page = client_for(admin_a).get(f"/p/ashby/profiles/{profile.pk}/").content.decode()
    purge_on = (timezone.localdate() + timedelta(days=RECYCLE_DAYS)).strftime("%-d %b %Y")
    assert f"deleted for good on {purge_on}" in page
    archived_days_ago(profile, RECYCLE_DAYS + 5)
    profile.refresh_from_db()
    offender_services.profile_restore(profile=profile, actor=Actor(user=admin_a))
    assert retention_purge() == 0 and retention_archive() == 0
    page = client_for(admin_a).get(f"/p/ashby/profiles/{profile.pk}/").content.decode()
    assert "deleted for good" not in page


def test_peers_are_not_told_when_a_shared_profile_will_be_purged(towns: dict[str, Any]) -> None:
    profile = ProfileFactory(partnership=towns["a"])
    admin_b: User = towns["admin_b"]
    # Archived profiles leave peers entirely: the page is 404 for them.
    offender_services.profile_archive(profile=profile, actor=Actor(user=towns["admin_a"]))
    assert client_for(admin_b).get(f"/p/brent/profiles/{profile.pk}/").status_code == 404
