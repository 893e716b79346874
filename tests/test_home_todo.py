"""The partnership home as a to-do list: each item appears when there is work and leaves when
the work is done; police see what is new since their last visit; the page costs the same
number of queries however much is waiting."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from bcrp.actors import Actor
from bcrp.models import User
from bulletins.services import (
    bulletin_acknowledge,
    bulletin_post,
    bulletin_withdraw,
    member_group_save,
)
from incidents.models import Incident
from incidents.packs import pack_build, pack_request
from incidents.services import incident_review
from offenders import services as offender_services
from offenders.exports import export_build, export_request, exports_sweep
from offenders.models import AppealOutcome, OffenderProfile, ProfileStatus
from offenders.retention import retention_purge
from partnerships.models import Membership, Partnership, Role
from sharing import services as sharing_services
from tests.factories import (
    GalleryFactory,
    ProfileFactory,
    incident_reported,
    membership_of,
    partnership_make,
    person_in,
)
from tests.fixtures import client_for


def home(user: User) -> str:
    response = client_for(user).get("/p/alpha/")
    assert response.status_code == 200
    return response.content.decode()


def todo_of(user: User) -> str:
    """The to-do part of the home page."""
    match = re.search(r'<section class="todo".*?</section>', home(user), re.S)
    assert match is not None
    return match.group(0)


def test_an_incident_waiting_for_review_is_listed_oldest_first_until_accepted(
    admin_a: User, member_a: User, partnership_a: Partnership
) -> None:
    reporter = membership_of(member_a, partnership_a)
    older, newer = incident_reported(reporter), incident_reported(reporter)
    Incident.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=3))
    todo = todo_of(admin_a)
    assert "Incidents waiting for review" in todo
    assert "waiting 3 days" in todo
    assert todo.index(f"/p/alpha/incidents/{older.pk}/") < todo.index(
        f"/p/alpha/incidents/{newer.pk}/"
    )

    incident_review(incident=older, accept=True, actor=Actor(user=admin_a))
    incident_review(incident=newer, accept=False, reason="Duplicate", actor=Actor(user=admin_a))
    todo = todo_of(admin_a)
    assert "Incidents waiting for review" not in todo
    assert "/incidents/" not in todo


def test_a_sharing_request_is_listed_until_answered(
    admin_a: User, admin_b: User, partnership_a: Partnership, partnership_b: Partnership
) -> None:
    sharing_services.consent_request(
        partnership=partnership_b,
        partner=partnership_a,
        agreement_reference="ISA-9",
        actor=Actor(user=admin_b),
    )
    todo = todo_of(admin_a)
    assert "Bravo BCRP asks to share with you" in todo
    assert "/p/alpha/partners/bravo/" in todo

    sharing_services.consent_accept(
        partnership=partnership_a, partner=partnership_b, actor=Actor(user=admin_a)
    )
    assert "Sharing requests to answer" not in todo_of(admin_a)


def test_a_declined_sharing_request_leaves_the_list(
    admin_a: User, admin_b: User, partnership_a: Partnership, partnership_b: Partnership
) -> None:
    sharing_services.consent_request(
        partnership=partnership_b,
        partner=partnership_a,
        agreement_reference="ISA-9",
        actor=Actor(user=admin_b),
    )
    assert "Sharing requests to answer" in todo_of(admin_a)
    sharing_services.consent_decline(
        partnership=partnership_a, partner=partnership_b, actor=Actor(user=admin_a)
    )
    assert "Sharing requests to answer" not in todo_of(admin_a)


def test_a_critical_bulletin_is_listed_with_how_many_members_have_not_read_it(
    admin_a: User, member_a: User, partnership_a: Partnership
) -> None:
    second = person_in(partnership_a, Role.MEMBER)
    bulletin = bulletin_post(
        partnership=partnership_a,
        title="Two men taking razors",
        body="Seen on the high street.",
        critical=True,
        actor=Actor(user=admin_a),
    )
    bulletin_post(
        partnership=partnership_a,
        title="Quiet week",
        body="Nothing to report.",
        critical=False,
        actor=Actor(user=admin_a),
    )
    todo = todo_of(admin_a)
    assert "Two men taking razors: 2 members yet to confirm" in todo
    assert f"/p/alpha/bulletins/{bulletin.pk}/" in todo
    assert "Quiet week" not in todo

    bulletin_acknowledge(
        bulletin=bulletin,
        membership=membership_of(member_a, partnership_a),
        actor=Actor(user=member_a),
    )
    assert "Two men taking razors: 1 member yet to confirm" in todo_of(admin_a)
    bulletin_acknowledge(
        bulletin=bulletin, membership=membership_of(second, partnership_a), actor=Actor(user=second)
    )
    assert "Critical bulletins" not in todo_of(admin_a)


def test_a_critical_bulletin_counts_only_the_members_it_is_sent_to_until_withdrawn(
    admin_a: User, member_a: User, partnership_a: Partnership
) -> None:
    person_in(partnership_a, Role.MEMBER)  # outside the group: never asked to confirm
    pubs = member_group_save(
        partnership=partnership_a,
        group=None,
        name="Pubs",
        memberships=[membership_of(member_a, partnership_a)],
        actor=Actor(user=admin_a),
    )
    bulletin = bulletin_post(
        partnership=partnership_a,
        title="Glass attack at closing time",
        body="Pubs only.",
        critical=True,
        actor=Actor(user=admin_a),
        groups=[pubs],
    )
    assert "Glass attack at closing time: 1 member yet to confirm" in todo_of(admin_a)
    bulletin_withdraw(bulletin=bulletin, actor=Actor(user=admin_a))
    assert "Critical bulletins" not in todo_of(admin_a)


def test_a_placement_ending_within_14_days_is_listed_until_removed_or_extended(
    admin_a: User, partnership_a: Partnership
) -> None:
    today = timezone.localdate()
    gallery = GalleryFactory(partnership=partnership_a, name="Pubwatch")
    ending, later, extended = (ProfileFactory(partnership=partnership_a) for _ in range(3))
    actor = Actor(user=admin_a)
    soon = offender_services.placement_add(
        profile=ending, gallery=gallery, expires_on=today + timedelta(days=5), actor=actor
    )
    offender_services.placement_add(
        profile=later, gallery=gallery, expires_on=today + timedelta(days=15), actor=actor
    )
    again = offender_services.placement_add(
        profile=extended, gallery=gallery, expires_on=today + timedelta(days=2), actor=actor
    )
    todo = todo_of(admin_a)
    assert f"{ending} in Pubwatch" in todo
    assert "ends in 5 days" in todo
    assert f"{extended} in Pubwatch" in todo
    assert str(later) not in todo

    offender_services.placement_remove(placement=soon, actor=actor)
    # Extended: taken out and put back for longer.
    offender_services.placement_remove(placement=again, actor=actor)
    offender_services.placement_add(
        profile=extended, gallery=gallery, expires_on=today + timedelta(days=90), actor=actor
    )
    assert "Gallery placements ending" not in todo_of(admin_a)


def test_a_placement_that_has_passed_is_no_longer_listed(
    admin_a: User, partnership_a: Partnership
) -> None:
    today = timezone.localdate()
    profile = ProfileFactory(partnership=partnership_a)
    gallery = GalleryFactory(partnership=partnership_a, name="Pubwatch")
    placement = offender_services.placement_add(
        profile=profile, gallery=gallery, expires_on=today, actor=Actor(user=admin_a)
    )
    assert "ends today" in todo_of(admin_a)
    type(placement).objects.filter(pk=placement.pk).update(expires_on=today - timedelta(days=1))
    assert "Gallery placements ending" not in todo_of(admin_a)


def test_a_notice_ending_within_14_days_is_listed_until_it_lapses(
    admin_a: User, partnership_a: Partnership
) -> None:
    today = timezone.localdate()
    profile = ProfileFactory(partnership=partnership_a)
    notice = offender_services.exclusion_issue(
        profile=profile,
        kind="warning",
        reason="Theft",
        starts_on=today - relativedelta(months=12) + timedelta(days=5),
        actor=Actor(user=admin_a),
    )
    assert notice.ends_on == today + timedelta(days=4)
    todo = todo_of(admin_a)
    assert f"Warning for {profile}" in todo
    assert f"/p/alpha/notices/{notice.pk}/" in todo
    assert "ends in 4 days" in todo

    offender_services.exclusions_lapse(today=today + timedelta(days=5))
    assert "Notices ending" not in todo_of(admin_a)


def test_an_appeal_is_listed_until_decided(admin_a: User, partnership_a: Partnership) -> None:
    today = timezone.localdate()
    profile = ProfileFactory(partnership=partnership_a)
    actor = Actor(user=admin_a)
    notice = offender_services.exclusion_issue(
        profile=profile, kind="exclusion", reason="Violence", actor=actor
    )
    assert "Appeals waiting" not in todo_of(admin_a)
    offender_services.exclusion_appeal(notice=notice, lodged_on=today, actor=actor)
    todo = todo_of(admin_a)
    assert f"Appeal against the exclusion for {profile}".lower() in todo.lower()
    assert f"/p/alpha/notices/{notice.pk}/" in todo

    offender_services.exclusion_appeal(
        notice=notice,
        lodged_on=today,
        outcome=AppealOutcome.DISMISSED,
        decided_on=today,
        actor=actor,
    )
    assert "Appeals waiting" not in todo_of(admin_a)


def test_a_profile_in_the_recycle_bin_is_listed_with_its_date_until_restored(
    admin_a: User, partnership_a: Partnership
) -> None:
    profile = ProfileFactory(partnership=partnership_a)
    offender_services.profile_archive(profile=profile, actor=Actor(user=admin_a))
    profile.refresh_from_db()
    assert profile.archived_at is not None
    goes = timezone.localdate(profile.archived_at + timedelta(days=30))
    todo = todo_of(admin_a)
    # The page escapes the name (O'Donnell is O&#x27;Donnell in it).
    assert f"{escape(str(profile))}: restore it to keep it" in todo
    assert f"deleted for good on {goes:%-d %B %Y}" in todo
    assert f"/p/alpha/profiles/{profile.pk}/" in todo

    offender_services.profile_restore(profile=profile, actor=Actor(user=admin_a))
    assert "recycle bin" not in todo_of(admin_a)


def test_a_profile_purged_from_the_recycle_bin_leaves_the_list(
    admin_a: User, partnership_a: Partnership
) -> None:
    profile = ProfileFactory(partnership=partnership_a)
    offender_services.profile_archive(profile=profile, actor=Actor(user=admin_a))
    assert "recycle bin" in todo_of(admin_a)
    retention_purge(now=timezone.now() + timedelta(days=31))
    assert not OffenderProfile.objects.filter(pk=profile.pk).exists()
    assert "recycle bin" not in todo_of(admin_a)


def test_a_subject_access_export_is_listed_when_ready_until_downloaded(
    admin_a: User, partnership_a: Partnership
) -> None:
    profile = ProfileFactory(partnership=partnership_a)
    export = export_request(profile=profile, request_reference="Letter", actor=Actor(user=admin_a))
    assert "Subject access exports" not in todo_of(admin_a), "not ready yet"
    export_build(export.pk)
    todo = todo_of(admin_a)
    assert f"Everything held on {profile.reference}" in todo
    assert f"/p/alpha/exports/{export.token}/" in todo

    download = client_for(admin_a).get(f"/p/alpha/exports/{export.token}/download/")
    assert download.status_code == 200
    assert "Subject access exports" not in todo_of(admin_a)


def test_an_expired_subject_access_export_leaves_the_list(
    admin_a: User, partnership_a: Partnership
) -> None:
    profile = ProfileFactory(partnership=partnership_a)
    export = export_request(profile=profile, request_reference="", actor=Actor(user=admin_a))
    export_build(export.pk)
    assert "Subject access exports" in todo_of(admin_a)
    exports_sweep(now=timezone.now() + timedelta(days=8))
    assert "Subject access exports" not in todo_of(admin_a)


def test_an_evidence_pack_is_listed_when_ready_until_downloaded(
    admin_a: User, member_a: User, partnership_a: Partnership
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a), photos=1)
    pack = pack_request(incident=incident, actor=Actor(user=admin_a))
    pack_build(pack.pk)
    todo = todo_of(admin_a)
    assert "Evidence packs ready to download" in todo
    assert f"/p/alpha/packs/{pack.token}/" in todo

    assert client_for(admin_a).get(f"/p/alpha/packs/{pack.token}/pdf/").status_code == 200
    assert "Evidence packs ready" not in todo_of(admin_a)


def test_nothing_waiting_says_so(admin_a: User) -> None:
    assert 'data-testid="todo-empty"' in todo_of(admin_a)


def test_a_peers_work_never_shows_on_our_list(
    admin_a: User, admin_b: User, partnership_b: Partnership
) -> None:
    member_b = person_in(partnership_b, Role.MEMBER)
    incident_reported(membership_of(member_b, partnership_b))
    offender_services.profile_archive(
        profile=ProfileFactory(partnership=partnership_b), actor=Actor(user=admin_b)
    )
    assert 'data-testid="todo-empty"' in todo_of(admin_a)


def test_members_see_no_to_do_list(member_a: User, admin_a: User) -> None:
    page = home(member_a)
    assert 'class="todo"' not in page
    assert "You are member" in page


def test_police_see_what_is_new_since_their_last_visit(
    police_a: User, member_a: User, admin_a: User, partnership_a: Partnership
) -> None:
    reporter = membership_of(member_a, partnership_a)
    old = incident_reported(reporter)
    Incident.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    recent = incident_reported(reporter)
    sought = offender_services.profile_create(
        partnership=partnership_a,
        fields={"first_name": "Ivy", "status": ProfileStatus.ID_SOUGHT},
        actor=Actor(user=admin_a),
    )

    first = todo_of(police_a)
    assert "New in the last 14 days" in first
    assert f"/p/alpha/incidents/{recent.pk}/" in first
    assert f"/p/alpha/incidents/{old.pk}/" not in first
    assert f"/p/alpha/profiles/{sought.pk}/" in first
    visited = Membership.objects.get(user=police_a).home_seen_at
    assert visited is not None

    second = todo_of(police_a)
    assert "New since your last visit" in second
    assert "/incidents/" not in second
    assert "/profiles/" not in second

    newer = incident_reported(reporter)
    sought_again = offender_services.profile_create(
        partnership=partnership_a,
        fields={"first_name": "Rex", "status": ProfileStatus.ID_SOUGHT},
        actor=Actor(user=admin_a),
    )
    offender_services.profile_create(
        partnership=partnership_a, fields={"first_name": "Known"}, actor=Actor(user=admin_a)
    )
    third = todo_of(police_a)
    assert f"/p/alpha/incidents/{newer.pk}/" in third
    assert f"/p/alpha/profiles/{sought_again.pk}/" in third
    assert third.count("/p/alpha/profiles/") == 1, "only ID-sought profiles"
    # The administrators' work is not the officer's list.
    assert "waiting for review" not in third


def _work_add(
    partnership: Partnership,
    admin: User,
    member: User,
    partner_admin: User,
    count: int,
    start: int,
) -> None:
    """`count` more of every kind of work the administrators' list shows."""
    actor = Actor(user=admin)
    today = timezone.localdate()
    reporter = membership_of(member, partnership)
    gallery = GalleryFactory(partnership=partnership)
    for n in range(start, start + count):
        incident_reported(reporter)
        profile = ProfileFactory(partnership=partnership)
        offender_services.placement_add(
            profile=profile, gallery=gallery, expires_on=today + timedelta(days=3), actor=actor
        )
        notice = offender_services.exclusion_issue(
            profile=profile,
            kind="exclusion",
            reason="Theft",
            starts_on=today - relativedelta(months=12) + timedelta(days=3),
            actor=actor,
        )
        offender_services.exclusion_appeal(notice=notice, lodged_on=today, actor=actor)
        export_build(export_request(profile=profile, request_reference="", actor=actor).pk)
        offender_services.profile_archive(
            profile=ProfileFactory(partnership=partnership), actor=actor
        )
        bulletin_post(
            partnership=partnership, title=f"Alert {n}", body="Look out", critical=True, actor=actor
        )
        other = partnership_make(f"peer-{n}", f"Peer {n}")
        sharing_services.consent_request(
            partnership=other,
            partner=partnership,
            agreement_reference=f"ISA-{n}",
            actor=Actor(user=person_in(other, Role.ADMIN)),
        )
    incident = Incident.objects.filter(partnership=partnership).first()
    assert incident is not None
    pack_build(pack_request(incident=incident, actor=actor).pk)


def _home_queries(user: User) -> tuple[int, str]:
    client = client_for(user)
    client.get("/p/alpha/")
    # An officer's list is what is new since the last visit: make everything new again.
    Membership.objects.filter(user=user).update(home_seen_at=timezone.now() - timedelta(days=1))
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/p/alpha/")
    assert response.status_code == 200
    return len(captured), response.content.decode()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.POLICE])
def test_the_home_costs_the_same_queries_with_5_or_50_items_waiting(
    role: str,
    admin_a: User,
    member_a: User,
    police_a: User,
    admin_b: User,
    partnership_a: Partnership,
) -> None:
    viewer = admin_a if role == Role.ADMIN else police_a
    _work_add(partnership_a, admin_a, member_a, admin_b, 5, 0)
    few, page = _home_queries(viewer)
    assert page.count('data-testid="todo-section"') == (9 if role == Role.ADMIN else 1)
    _work_add(partnership_a, admin_a, member_a, admin_b, 45, 5)
    many, page = _home_queries(viewer)
    assert few == many
    if role == Role.ADMIN:
        assert "and 40 more" in page, "ten shown of fifty, and how many more"
