"""Warnings and exclusions: escalation by the scheme's dates, lapse, appeal, printable notice."""

from __future__ import annotations

from datetime import date

import pytest

from bcrp.actors import Actor
from bcrp.models import User
from offenders import services
from offenders.models import NoticeKind, NoticeStatus, OffenderProfile
from offenders.services import exclusion_issue, exclusions_lapse
from offenders.tasks import notices_lapse
from partnerships.models import Partnership
from tests.factories import GalleryFactory, PremisesFactory, ProfileFactory
from tests.fixtures import client_for


@pytest.fixture
def scheme(partnership_a: Partnership) -> Partnership:
    Partnership.objects.filter(pk=partnership_a.pk).update(warning_months=12, exclusion_months=6)
    partnership_a.refresh_from_db()
    return partnership_a


@pytest.fixture
def subject(scheme: Partnership) -> OffenderProfile:
    return ProfileFactory(partnership=scheme)


def test_second_warning_within_the_period_becomes_an_exclusion(
    subject: OffenderProfile, admin_a: User
) -> None:
    first = exclusion_issue(
        profile=subject,
        kind="warning",
        reason="Abuse",
        starts_on=date(2026, 1, 10),
        actor=Actor(user=admin_a),
    )
    assert first.kind == NoticeKind.WARNING
    assert first.ends_on == date(2027, 1, 9)  # 12 months on record
    second = exclusion_issue(
        profile=subject,
        kind="warning",
        reason="Theft",
        starts_on=date(2026, 12, 1),
        actor=Actor(user=admin_a),
    )
    assert second.kind == NoticeKind.EXCLUSION
    assert second.escalated_from == first
    assert (second.starts_on, second.ends_on) == (date(2026, 12, 1), date(2027, 5, 31))


def test_warning_after_the_period_stays_a_warning(subject: OffenderProfile, admin_a: User) -> None:
    exclusion_issue(
        profile=subject,
        kind="warning",
        reason="Abuse",
        starts_on=date(2025, 1, 10),
        actor=Actor(user=admin_a),
    )
    later = exclusion_issue(
        profile=subject,
        kind="warning",
        reason="Theft",
        starts_on=date(2026, 1, 10),
        actor=Actor(user=admin_a),
    )
    assert later.kind == NoticeKind.WARNING and later.escalated_from is None


def test_beat_task_ends_an_exclusion_after_its_end_date(
    subject: OffenderProfile, admin_a: User
) -> None:
    notice = exclusion_issue(
        profile=subject,
        kind="exclusion",
        reason="Violence",
        starts_on=date(2026, 1, 1),
        actor=Actor(user=admin_a),
    )
    assert notice.ends_on == date(2026, 6, 30)
    assert exclusions_lapse(today=date(2026, 6, 30)) == 0  # still in force on its last day
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ACTIVE
    assert exclusions_lapse(today=date(2026, 7, 1)) == 1
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.LAPSED
    assert exclusions_lapse(today=date(2026, 7, 1)) == 0  # safe to run twice


def test_the_daily_task_lapses_notices_that_ended_before_today(
    subject: OffenderProfile, admin_a: User
) -> None:
    old = exclusion_issue(
        profile=subject,
        kind="exclusion",
        reason="Violence",
        starts_on=date(2020, 1, 1),
        actor=Actor(user=admin_a),
    )
    assert notices_lapse() == 1
    old.refresh_from_db()
    assert old.status == NoticeStatus.LAPSED


def test_exclusion_status_shows_in_gallery_list_and_dataview(
    scheme: Partnership, admin_a: User, member_a: User
) -> None:
    profile = ProfileFactory(partnership=scheme, first_name="Barred")
    services.placement_add(
        profile=profile, gallery=GalleryFactory(partnership=scheme), actor=Actor(user=admin_a)
    )
    notice = exclusion_issue(
        profile=profile, kind="exclusion", reason="Violence", actor=Actor(user=admin_a)
    )
    expected = f"Excluded until {notice.ends_on:%-d %b %Y}"
    for user, url in (
        (member_a, "/p/alpha/gallery/"),
        (member_a, f"/p/alpha/profiles/{profile.pk}/"),
        (admin_a, "/p/alpha/profiles/"),
        (admin_a, "/p/alpha/dataview/"),
        (admin_a, f"/p/alpha/profiles/{profile.pk}/"),
    ):
        assert expected in client_for(user).get(url).content.decode(), url


def test_issue_through_the_page_print_and_appeal(
    subject: OffenderProfile, admin_a: User, police_a: User, member_a: User
) -> None:
    premises = PremisesFactory(business=member_a.memberships.get().business, name="Corner Shop")
    client = client_for(admin_a)
    response = client.post(
        f"/p/alpha/profiles/{subject.pk}/notices/",
        {
            "kind": "exclusion",
            "reason": "Threatened staff",
            "starts_on": "2026-03-01",
            "premises": [premises.pk],
            "served_by": "PC Lee",
            "served_on": "2026-03-01",
        },
    )
    assert response.status_code == 302
    notice = subject.notices.get()
    assert list(notice.premises.all()) == [premises] and not notice.all_premises
    sheet = client_for(police_a).get(response["Location"]).content.decode()
    assert "Exclusion notice" in sheet and "Corner Shop" in sheet and "31 August 2026" in sheet
    assert client_for(member_a).get(response["Location"]).status_code == 403
    assert client_for(police_a).post(response["Location"], {}).status_code == 403

    client.post(
        response["Location"],
        {
            "appeal_lodged_on": "2026-03-10",
            "appeal_outcome": "upheld",
            "appeal_decided_on": "2026-03-20",
        },
    )
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.WITHDRAWN and notice.appeal_outcome == "upheld"
    assert subject.notice_in_force is None
