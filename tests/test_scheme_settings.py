"""The scheme settings page: each setting takes effect, each change is audited with its old and
new value (and nothing is audited when nothing changed), and bad input is a form error."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from bcrp.session_limits import MAX_AGE
from offenders import services as offender_services
from offenders.models import Gallery, NoticeKind
from partnerships.models import Partnership
from tests.factories import PASSWORD, GalleryFactory, ProfileFactory
from tests.fixtures import client_for

URL = "/p/alpha/settings/"


def current_values(partnership: Partnership, **changes: Any) -> dict[str, Any]:
    """The form as the page fills it in, with `changes`."""
    partnership.refresh_from_db()
    values: dict[str, Any] = {
        "name": partnership.name,
        "police_force_area": partnership.police_force_area,
        "notice_contact_phone": partnership.notice_contact_phone,
        "notice_contact_email": partnership.notice_contact_email,
        "postal_address": partnership.postal_address,
        "appeal_instructions": partnership.appeal_instructions,
        "warning_months": partnership.warning_months,
        "exclusion_months": partnership.exclusion_months,
        "appeal_decision_days": partnership.appeal_decision_days,
        "retention_months": partnership.retention_months,
        "member_session_hours": partnership.member_session_hours,
    }
    for flag in ("escalate_repeat_warnings", "records_perceived_ethnicity"):
        if getattr(partnership, flag):
            values[flag] = "on"
    for gallery in Gallery.objects.filter(partnership=partnership):
        values[f"gallery_{gallery.pk}"] = gallery.default_expiry_months
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def settings_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="partnership.settings_change").order_by("pk"))


def test_a_new_exclusion_length_is_used_by_the_next_notice_and_audited(
    admin_a: User, partnership_a: Partnership
) -> None:
    assert partnership_a.exclusion_months == 12
    response = client_for(admin_a).post(URL, current_values(partnership_a, exclusion_months=6))
    assert response.status_code == 302

    # As the notice page does: the profile, with its partnership, read afresh.
    profile = ProfileFactory(partnership=Partnership.objects.get(pk=partnership_a.pk))
    today = timezone.localdate()
    notice = offender_services.exclusion_issue(
        profile=profile, kind="exclusion", reason="Theft", actor=Actor(user=admin_a)
    )
    assert notice.ends_on == today + relativedelta(months=6) - timedelta(days=1)

    [event] = settings_events()
    assert event.actor == admin_a
    assert event.partnership_id == partnership_a.pk
    assert event.detail == {"exclusion_months": [12, 6]}


def test_saving_unchanged_records_nothing(admin_a: User, partnership_a: Partnership) -> None:
    GalleryFactory(partnership=partnership_a)
    response = client_for(admin_a).post(URL, current_values(partnership_a))
    assert response.status_code == 302
    assert settings_events() == []


def test_every_change_is_audited_with_old_and_new_values(
    admin_a: User, partnership_a: Partnership
) -> None:
    gallery = GalleryFactory(partnership=partnership_a, name="Pubwatch", default_expiry_months=6)
    response = client_for(admin_a).post(
        URL,
        current_values(
            partnership_a,
            name="Alpha Town BCRP",
            notice_contact_phone="01632 960000",
            notice_contact_email="scheme@alpha.example.org",
            postal_address="1 High Street\nAlphatown AL1 1AA",
            appeal_instructions="Write to the scheme manager within 28 days.",
            warning_months=9,
            retention_months=24,
            member_session_hours=8,
            records_perceived_ethnicity="on",
            **{f"gallery_{gallery.pk}": 3},
        ),
    )
    assert response.status_code == 302
    [event] = settings_events()
    assert event.detail == {
        "name": ["Alpha BCRP", "Alpha Town BCRP"],
        "notice_contact_phone": ["", "01632 960000"],
        "notice_contact_email": ["", "scheme@alpha.example.org"],
        "postal_address": ["", "1 High Street\nAlphatown AL1 1AA"],
        "appeal_instructions": ["", "Write to the scheme manager within 28 days."],
        "warning_months": [12, 9],
        "retention_months": [12, 24],
        "member_session_hours": [12, 8],
        "records_perceived_ethnicity": [False, True],
        "default expiry of Pubwatch (months)": [6, 3],
    }
    gallery.refresh_from_db()
    assert gallery.default_expiry_months == 3


def test_the_printed_notice_carries_the_contact_details_and_how_to_appeal(
    admin_a: User, partnership_a: Partnership
) -> None:
    client_for(admin_a).post(
        URL,
        current_values(
            partnership_a,
            notice_contact_phone="01632 960000",
            postal_address="1 High Street",
            appeal_instructions="Write to the scheme manager within 28 days.",
        ),
    )
    notice = offender_services.exclusion_issue(
        profile=ProfileFactory(partnership=partnership_a),
        kind="exclusion",
        reason="Theft",
        actor=Actor(user=admin_a),
    )
    page = client_for(admin_a).get(f"/p/alpha/notices/{notice.pk}/").content.decode()
    assert "How to appeal:</strong> Write to the scheme manager within 28 days." in page
    assert "Telephone 01632 960000" in page
    assert "1 High Street" in page


def test_with_escalation_off_a_second_warning_stays_a_warning(
    admin_a: User, partnership_a: Partnership
) -> None:
    profile = ProfileFactory(partnership=partnership_a)
    actor = Actor(user=admin_a)
    offender_services.exclusion_issue(profile=profile, kind="warning", reason="One", actor=actor)
    values = current_values(partnership_a)
    values.pop("escalate_repeat_warnings")
    assert client_for(admin_a).post(URL, values).status_code == 302
    [event] = settings_events()
    assert event.detail == {"escalate_repeat_warnings": [True, False]}

    profile.refresh_from_db()
    second = offender_services.exclusion_issue(
        profile=profile, kind="warning", reason="Two", actor=actor
    )
    assert second.kind == NoticeKind.WARNING
    assert second.escalated_from is None


def test_with_escalation_on_a_second_warning_becomes_an_exclusion(
    admin_a: User, partnership_a: Partnership
) -> None:
    profile = ProfileFactory(partnership=partnership_a)
    actor = Actor(user=admin_a)
    first = offender_services.exclusion_issue(
        profile=profile, kind="warning", reason="One", actor=actor
    )
    second = offender_services.exclusion_issue(
        profile=profile, kind="warning", reason="Two", actor=actor
    )
    assert second.kind == NoticeKind.EXCLUSION
    assert second.escalated_from == first


def test_ethnicity_off_hides_the_field_and_on_shows_it(
    admin_a: User, partnership_a: Partnership
) -> None:
    client = client_for(admin_a)
    assert 'name="perceived_ethnicity"' not in client.get("/p/alpha/profiles/new/").content.decode()
    client.post(URL, current_values(partnership_a, records_perceived_ethnicity="on"))
    assert 'name="perceived_ethnicity"' in client.get("/p/alpha/profiles/new/").content.decode()
    values = current_values(partnership_a)
    values.pop("records_perceived_ethnicity")
    client.post(URL, values)
    assert 'name="perceived_ethnicity"' not in client.get("/p/alpha/profiles/new/").content.decode()


def test_a_members_sign_in_lasts_as_long_as_the_partnership_says(
    admin_a: User, member_a: User, partnership_a: Partnership, client: Any
) -> None:
    client_for(admin_a).post(URL, current_values(partnership_a, member_session_hours=2))

    assert (
        client.post("/login/", {"username": member_a.email, "password": PASSWORD}).status_code
        == 302
    )
    assert client.session[MAX_AGE] == 2 * 3600
    # Ran past it: signed out.
    session = client.session
    session["limits_signed_in_at"] -= 2 * 3600 + 1
    session.save()
    response = client.get("/p/alpha/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert AuditEvent.objects.filter(
        action="auth.session_ended", actor=member_a, detail__reason="max_age"
    ).exists()


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("exclusion_months", "0", "greater than or equal to 1"),
        ("exclusion_months", "61", "less than or equal to 60"),
        ("warning_months", "-3", "greater than or equal to"),
        ("retention_months", "121", "less than or equal to 120"),
        ("appeal_decision_days", "0", "greater than or equal to 1"),
        ("appeal_decision_days", "91", "less than or equal to 90"),
        ("retention_months", "twelve", "Enter a whole number"),
        ("member_session_hours", "0", "greater than or equal to 1"),
        ("member_session_hours", "721", "at most 12 hours"),
        ("member_session_hours", "13", "at most 12 hours"),
        ("appeal_instructions", "Write\x00to us", "Null characters are not allowed"),
        ("name", "", "This field is required"),
        ("appeal_instructions", "x" * 2001, "at most 2000 characters"),
        ("notice_contact_email", "not an address", "valid email"),
    ],
)
def test_bad_input_is_a_form_error(
    field: str, value: str, says: str, admin_a: User, partnership_a: Partnership
) -> None:
    before = Partnership.objects.filter(pk=partnership_a.pk).values().get()
    response = client_for(admin_a).post(URL, current_values(partnership_a, **{field: value}))
    assert response.status_code == 400
    assert says in response.content.decode()
    assert Partnership.objects.filter(pk=partnership_a.pk).values().get() == before
    assert settings_events() == []


def test_the_platform_limit_raised_a_partnership_may_choose_up_to_720_hours(
    admin_a: User, partnership_a: Partnership, settings: Any
) -> None:
    settings.MEMBER_SESSION_MAX_AGE = timedelta(hours=1000)
    client = client_for(admin_a)
    refused = client.post(URL, current_values(partnership_a, member_session_hours=721))
    assert refused.status_code == 400
    assert "less than or equal to 720" in refused.content.decode()
    assert (
        client.post(URL, current_values(partnership_a, member_session_hours=720)).status_code == 302
    )


def test_a_gallery_expiry_out_of_bounds_is_a_form_error(
    admin_a: User, partnership_a: Partnership
) -> None:
    gallery = GalleryFactory(partnership=partnership_a)
    response = client_for(admin_a).post(
        URL, current_values(partnership_a, **{f"gallery_{gallery.pk}": 61})
    )
    assert response.status_code == 400
    gallery.refresh_from_db()
    assert gallery.default_expiry_months == 6


def test_another_partnerships_gallery_cannot_be_changed_from_here(
    admin_a: User, partnership_a: Partnership, partnership_b: Partnership
) -> None:
    theirs = GalleryFactory(partnership=partnership_b, default_expiry_months=6)
    response = client_for(admin_a).post(
        URL, current_values(partnership_a, **{f"gallery_{theirs.pk}": 2})
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.default_expiry_months == 6
    assert settings_events() == []
