"""A notice's public page for the person it names: only the listed facts, one answer for every
token that opens nothing, the appeal and subject access request with their deadlines, the limit."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from offenders import services
from offenders.models import (
    Exclusion,
    NoticeStatus,
    SubjectRequest,
    SubjectRequestKind,
    SubjectRequestStatus,
)
from offenders.views import PUBLIC_SUBMISSIONS_PER_HOUR, PUBLIC_VIEWS_PER_HOUR
from partnerships.models import Partnership
from partnerships.services import partnership_settings_change
from tests.factories import BusinessFactory, PremisesFactory, ProfileFactory, image_on
from tests.fixtures import client_for


def public_client(**kwargs: object) -> Client:
    """A visitor from an address of their own: the page's limit counts per address, and its
    counters outlive a test."""
    octets = ".".join(str(secrets.randbelow(254) + 1) for _ in range(3))
    return Client(REMOTE_ADDR=f"10.{octets}", **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def notice(partnership_a: Partnership, admin_a: User) -> Exclusion:
    Partnership.objects.filter(pk=partnership_a.pk).update(
        notice_contact_email="scheme@alpha.example.org"
    )
    profile = ProfileFactory(
        partnership=partnership_a,
        first_name="Zebedee",
        last_name="Quartermain",
        aliases=["Zeb the Knife"],
        notes="Lives with his sister at 4 Mill Lane.",
        distinguishing_features="Scar over the left eyebrow",
    )
    image = image_on(profile, admin_a)
    business = BusinessFactory(partnership=partnership_a, name="Hobbs Retail Group")
    covered = PremisesFactory(
        business=business, name="Hobbs Market Street", postcode="AB1 2CD", address="1 Market St"
    )
    issued = services.exclusion_issue(
        profile=profile,
        kind="exclusion",
        reason="Threatened the manager, Mrs Olga Witness, with a bottle.",
        premises=[covered],
        served_by="Officer Pennyworth",
        served_on=timezone.localdate(),
        actor=Actor(user=admin_a),
    )
    assert image.token
    return issued


def appeal_data(**changes: str) -> dict[str, str]:
    data = {
        "appeal-name": "Z Quartermain",
        "appeal-details": "I was not there that day.",
        "appeal-email": "zq@example.net",
        "appeal-phone": "",
        "appeal-postal_address": "",
    }
    data.update(changes)
    return data


def access_data(**changes: str) -> dict[str, str]:
    data = {
        "access-name": "Z Quartermain",
        "access-details": "A copy of everything you hold on me.",
        "access-identity_note": "Passport",
        "access-email": "",
        "access-phone": "",
        "access-postal_address": "4 Mill Lane\nTownsville",
    }
    data.update(changes)
    return data


def test_the_public_page_shows_only_the_listed_facts(notice: Exclusion, admin_a: User) -> None:
    response = public_client().get(f"/n/{notice.public_token}/")
    assert response.status_code == 200
    text = response.content.decode()
    for shown in (
        "Alpha BCRP",
        "Exclusion notice",
        "Hobbs Market Street, AB1 2CD",
        f"{notice.starts_on:%-d %B %Y}",
        f"{notice.ends_on:%-d %B %Y}",
        "In force",
        "How your information is used",
        "scheme@alpha.example.org",
        'data-testid="appeal-form"',
        'data-testid="access-form"',
    ):
        assert shown in text, shown
    profile = notice.profile
    image = profile.images.get()
    for hidden in (
        "Zebedee",
        "Quartermain",
        "Zeb the Knife",
        "Mill Lane",
        "Scar",
        "Olga",
        "bottle",
        "Pennyworth",
        admin_a.full_name,
        admin_a.email,
        profile.reference,
        image.token,
        "/photos/",
        "Hobbs Retail Group",
        "1 Market St",
        "/p/alpha/",
    ):
        assert hidden not in text, hidden


def test_a_notice_for_all_premises_says_so_and_lists_none(
    partnership_a: Partnership, admin_a: User
) -> None:
    PremisesFactory(business=BusinessFactory(partnership=partnership_a), name="Secret Branch")
    notice = services.exclusion_issue(
        profile=ProfileFactory(partnership=partnership_a),
        kind="warning",
        reason="Theft",
        actor=Actor(user=admin_a),
    )
    text = public_client().get(f"/n/{notice.public_token}/").content.decode()
    assert "All premises of members of Alpha BCRP" in text
    assert "Secret Branch" not in text


def test_the_printed_notice_carries_its_public_address_and_qr_code(
    notice: Exclusion, admin_a: User
) -> None:
    text = client_for(admin_a).get(f"/p/alpha/notices/{notice.pk}/").content.decode()
    assert f"http://testserver/n/{notice.public_token}/" in text
    assert 'class="notice-qr"' in text and "data:image/svg+xml;base64," in text


def test_each_notice_has_its_own_unguessable_token(notice: Exclusion, admin_a: User) -> None:
    other = services.exclusion_issue(
        profile=notice.profile, kind="warning", reason="Theft", actor=Actor(user=admin_a)
    )
    assert other.public_token != notice.public_token
    # token_urlsafe(24): 32 characters of 6 bits each, well over 128 bits.
    assert len(notice.public_token) >= 32


def test_wrong_malformed_expired_and_lapsed_tokens_get_one_answer(
    partnership_a: Partnership, admin_a: User
) -> None:
    today = timezone.localdate()
    admin = Actor(user=admin_a)
    lapsed = services.exclusion_issue(
        profile=ProfileFactory(partnership=partnership_a),
        kind="warning",
        reason="Theft",
        starts_on=today - relativedelta(months=13),
        actor=admin,
    )
    services.exclusions_lapse(today)
    lapsed.refresh_from_db()
    assert lapsed.status == NoticeStatus.LAPSED
    ended_not_swept = services.exclusion_issue(
        profile=ProfileFactory(partnership=partnership_a),
        kind="warning",
        reason="Theft",
        starts_on=today - relativedelta(months=13),
        actor=admin,
    )
    Exclusion.objects.filter(pk=ended_not_swept.pk).update(status=NoticeStatus.ACTIVE)
    withdrawn_long_ago, withdrawn_lately = (
        services.exclusion_issue(
            profile=ProfileFactory(partnership=partnership_a),
            kind="exclusion",
            reason="Theft",
            starts_on=today - timedelta(days=60),
            actor=admin,
        )
        for _ in range(2)
    )
    for withdrawn, days_ago in ((withdrawn_long_ago, 31), (withdrawn_lately, 30)):
        services.exclusion_appeal(
            notice=withdrawn,
            lodged_on=today - timedelta(days=50),
            outcome="upheld",
            decided_on=today - timedelta(days=days_ago),
            actor=admin,
        )

    client = public_client()
    answers = [
        client.get(f"/n/{token}/")
        for token in (
            secrets.token_urlsafe(24),
            "x",
            "a" * 200,
            lapsed.public_token,
            ended_not_swept.public_token,
            withdrawn_long_ago.public_token,
        )
    ]
    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.content for answer in answers}) == 1
    assert b"Notice not found" in answers[0].content
    # Thirty days after the decision the person can still read it.
    lately = client.get(f"/n/{withdrawn_lately.public_token}/")
    assert lately.status_code == 200
    assert b"Upheld (notice withdrawn)" in lately.content
    # A lapsed notice's token refuses a request as well as a view.
    sent = client.post(f"/n/{lapsed.public_token}/appeal/", appeal_data())
    assert sent.status_code == 404 and sent.content == answers[0].content
    assert not SubjectRequest.objects.exists()


def test_an_appeal_reaches_the_administrators_to_do_list_with_its_deadline(
    notice: Exclusion, admin_a: User
) -> None:
    client = public_client()
    response = client.post(f"/n/{notice.public_token}/appeal/", appeal_data())
    assert response.status_code == 302
    today = timezone.localdate()
    appeal = SubjectRequest.objects.get()
    assert (appeal.kind, appeal.status, appeal.notice_id) == ("appeal", "open", notice.pk)
    assert appeal.due_on == today + timedelta(days=14)
    notice.refresh_from_db()
    assert notice.appeal_lodged_on == today
    event = AuditEvent.objects.get(action="subject_request.appeal")
    assert event.actor_id is None and event.ip and event.detail["request_id"] == appeal.pk

    page = client.get(response["Location"]).content.decode()
    assert f"must answer it by {appeal.due_on:%-d %B %Y}" in page
    assert "Waiting for a decision" in page
    assert 'data-testid="appeal-form"' not in page
    # One appeal per notice: a second, while the first waits, is refused with the reason.
    again = client.post(f"/n/{notice.public_token}/appeal/", appeal_data())
    assert again.status_code == 400
    assert "already waiting for a decision" in again.content.decode()
    assert SubjectRequest.objects.count() == 1

    home = client_for(admin_a).get("/p/alpha/").content.decode()
    assert "Requests from people on notices" in home
    assert f"/p/alpha/requests/{appeal.pk}/" in home
    assert f"due in 14 days ({appeal.due_on:%-d %B})" in home
    # Listed once, with its deadline, not again among appeals recorded by staff.
    assert "Appeals waiting for a decision" not in home


def test_a_subject_access_request_is_due_one_calendar_month_after_it_arrives(
    notice: Exclusion, admin_a: User
) -> None:
    response = public_client().post(f"/n/{notice.public_token}/access/", access_data())
    assert response.status_code == 302
    today = timezone.localdate()
    request = SubjectRequest.objects.get()
    assert request.kind == SubjectRequestKind.ACCESS
    assert request.due_on == today + relativedelta(months=1)
    assert request.identity_note == "Passport"
    notice.refresh_from_db()
    assert notice.appeal_lodged_on is None
    assert AuditEvent.objects.filter(action="subject_request.access").count() == 1
    days = (request.due_on - today).days
    home = client_for(admin_a).get("/p/alpha/").content.decode()
    assert f"Subject access request from the person on {notice.profile}" in home
    assert f"due in {days} days ({request.due_on:%-d %B})" in home


def test_a_calendar_month_from_the_31st_ends_on_the_last_day_of_a_short_month() -> None:
    due = services.subject_request_due_on
    assert due(kind="access", received_on=date(2027, 1, 31)) == date(2027, 2, 28)
    assert due(kind="access", received_on=date(2028, 1, 31)) == date(2028, 2, 29)
    assert due(kind="appeal", received_on=date(2027, 1, 31)) == date(2027, 2, 14)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (appeal_data(**{"appeal-name": "Zeb\x00"}), "Null characters are not allowed."),
        (appeal_data(**{"appeal-details": "x" * 4001}), "at most 4000 characters"),
        (appeal_data(**{"appeal-name": "n" * 121}), "at most 120 characters"),
        (appeal_data(**{"appeal-email": ""}), "Give at least one way to reach you"),
        (appeal_data(**{"appeal-email": "not an address"}), "Enter a valid email address."),
        (appeal_data(**{"appeal-details": ""}), "This field is required."),
        ({"appeal-name": ["a", "b"], "appeal-details": "x"}, "Give at least one way"),
    ],
)
def test_a_bad_request_is_refused_with_the_reason(
    notice: Exclusion, data: dict[str, str], error: str
) -> None:
    response = public_client().post(f"/n/{notice.public_token}/appeal/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not SubjectRequest.objects.exists()


def test_a_request_needs_the_page_it_came_from(notice: Exclusion) -> None:
    client = public_client(enforce_csrf_checks=True)
    assert client.post(f"/n/{notice.public_token}/appeal/", appeal_data()).status_code == 403
    page = client.get(f"/n/{notice.public_token}/")
    token = page.cookies["csrftoken"].value
    sent = client.post(
        f"/n/{notice.public_token}/appeal/", {**appeal_data(), "csrfmiddlewaretoken": token}
    )
    assert sent.status_code == 302


def test_the_page_is_limited_per_address(notice: Exclusion) -> None:
    client = public_client()
    url = f"/n/{notice.public_token}/"
    for _ in range(PUBLIC_VIEWS_PER_HOUR):
        assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert "Please try again after" in refused.content.decode()
    # Unknown tokens count too: guessing is no cheaper than reading.
    assert client.get(f"/n/{secrets.token_urlsafe(24)}/").status_code == 429
    assert public_client().get(url).status_code == 200


def test_submissions_are_limited_per_address(notice: Exclusion) -> None:
    client = public_client()
    url = f"/n/{notice.public_token}/access/"
    for _ in range(PUBLIC_SUBMISSIONS_PER_HOUR):
        assert client.post(url, access_data()).status_code == 302
    refused = client.post(url, access_data())
    assert refused.status_code == 429
    assert SubjectRequest.objects.count() == PUBLIC_SUBMISSIONS_PER_HOUR


def test_an_upheld_appeal_withdraws_the_notice_and_the_public_page_says_so(
    notice: Exclusion, admin_a: User
) -> None:
    client = public_client()
    client.post(f"/n/{notice.public_token}/appeal/", appeal_data())
    appeal = SubjectRequest.objects.get()
    admin = client_for(admin_a)
    page = admin.get(f"/p/alpha/requests/{appeal.pk}/").content.decode()
    assert "I was not there that day." in page and "zq@example.net" in page
    assert admin.post(f"/p/alpha/requests/{appeal.pk}/", {"outcome": "upheld"}).status_code == 302
    appeal.refresh_from_db()
    notice.refresh_from_db()
    assert (appeal.status, appeal.outcome, appeal.decided_by) == ("decided", "upheld", admin_a)
    assert notice.status == NoticeStatus.WITHDRAWN
    assert (notice.appeal_outcome, notice.appeal_decided_on) == ("upheld", timezone.localdate())
    assert AuditEvent.objects.filter(action="subject_request.decide").count() == 1
    public = client.get(f"/n/{notice.public_token}/").content.decode()
    assert "Withdrawn on appeal" in public and "Upheld (notice withdrawn)" in public
    assert 'data-testid="appeal-form"' not in public
    assert "Requests from people on notices" not in admin.get("/p/alpha/").content.decode()
    # Decided once: a second decision is refused, not applied.
    again = admin.post(f"/p/alpha/requests/{appeal.pk}/", {"outcome": "dismissed"})
    assert again.status_code == 400
    assert "already been decided" in again.content.decode()


def test_a_dismissed_appeal_keeps_the_notice_and_a_second_appeal_is_refused(
    notice: Exclusion, admin_a: User
) -> None:
    client = public_client()
    client.post(f"/n/{notice.public_token}/appeal/", appeal_data())
    appeal = SubjectRequest.objects.get()
    client_for(admin_a).post(f"/p/alpha/requests/{appeal.pk}/", {"outcome": "dismissed"})
    notice.refresh_from_db()
    assert (notice.status, notice.appeal_outcome) == ("active", "dismissed")
    page = client.get(f"/n/{notice.public_token}/").content.decode()
    assert "Dismissed (notice stands)" in page
    assert "The appeal against this notice has been decided." in page
    again = client.post(f"/n/{notice.public_token}/appeal/", appeal_data())
    assert again.status_code == 400
    assert SubjectRequest.objects.count() == 1


def test_an_appeal_decided_on_the_notice_page_answers_the_persons_appeal(
    notice: Exclusion, admin_a: User
) -> None:
    public_client().post(f"/n/{notice.public_token}/appeal/", appeal_data())
    today = timezone.localdate()
    client_for(admin_a).post(
        f"/p/alpha/notices/{notice.pk}/",
        {
            "appeal_lodged_on": today.isoformat(),
            "appeal_outcome": "dismissed",
            "appeal_decided_on": today.isoformat(),
        },
    )
    appeal = SubjectRequest.objects.get()
    assert (appeal.status, appeal.outcome) == (SubjectRequestStatus.DECIDED, "dismissed")


def test_an_access_request_is_answered_and_offers_the_export(
    notice: Exclusion, admin_a: User
) -> None:
    public_client().post(f"/n/{notice.public_token}/access/", access_data())
    request = SubjectRequest.objects.get()
    admin = client_for(admin_a)
    page = admin.get(f"/p/alpha/requests/{request.pk}/").content.decode()
    assert f'action="/p/alpha/profiles/{notice.profile_id}/export/"' in page
    assert admin.post(f"/p/alpha/requests/{request.pk}/", {"outcome": "upheld"}).status_code == 400
    assert (
        admin.post(f"/p/alpha/requests/{request.pk}/", {"outcome": "answered"}).status_code == 302
    )
    request.refresh_from_db()
    assert (request.status, request.outcome) == ("decided", "answered")


def test_the_notice_page_lists_the_persons_requests_for_administrators_only(
    notice: Exclusion, admin_a: User, police_a: User
) -> None:
    public_client().post(f"/n/{notice.public_token}/access/", access_data())
    request = SubjectRequest.objects.get()
    link = f"/p/alpha/requests/{request.pk}/"
    assert link in client_for(admin_a).get(f"/p/alpha/notices/{notice.pk}/").content.decode()
    police_page = client_for(police_a).get(f"/p/alpha/notices/{notice.pk}/")
    assert police_page.status_code == 200
    assert link not in police_page.content.decode()
    assert client_for(police_a).get(link).status_code == 403


def test_the_partnership_sets_how_long_an_appeal_may_wait(
    notice: Exclusion, partnership_a: Partnership, admin_a: User
) -> None:
    """The scheme settings page holds the appeal's deadline; a new appeal is due that many
    days after it arrives, and the change is on the audit trail."""
    page = client_for(admin_a).get("/p/alpha/settings/").content.decode()
    assert 'name="appeal_decision_days"' in page and 'value="14"' in page
    partnership_settings_change(
        partnership=partnership_a, values={"appeal_decision_days": 21}, actor=Actor(user=admin_a)
    )
    response = public_client().post(f"/n/{notice.public_token}/appeal/", appeal_data())
    assert response.status_code == 302
    appeal = SubjectRequest.objects.get(kind="appeal")
    assert appeal.due_on == timezone.localdate(appeal.received_at) + timedelta(days=21)
    event = AuditEvent.objects.get(action="partnership.settings_change")
    assert event.detail["appeal_decision_days"] == [14, 21]
