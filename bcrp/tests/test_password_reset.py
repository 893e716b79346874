"""Forgotten passwords: a one-time link by e-mail; nothing tells an outsider who has an account."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from bcrp.passwords import password_reset_email, password_reset_request
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-pass-phrase-2026"


@pytest.fixture
def worker(db: None) -> User:
    return UserFactory(email="till.worker@example.org")


def reset_link(user: User) -> str:
    mail.outbox.clear()
    assert password_reset_email(user.pk) is True
    (message,) = mail.outbox
    assert message.to == [user.email]
    match = re.search(r"https?://[^/\s]+(/password-reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_the_answer_is_the_same_whether_or_not_the_account_exists(worker: User) -> None:
    known = Client().post("/password-reset/", {"email": "Till.Worker@example.org"})
    unknown = Client().post("/password-reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/password-reset/sent/"
    page = Client().get("/password-reset/sent/").content.decode()
    assert "If that address belongs to an account" in page
    events = AuditEvent.objects.filter(action="auth.password_reset_request").order_by("id")
    assert [e.detail for e in events] == [
        {"known_account": True, "queued": True},
        {"known_account": False, "queued": False},
    ]
    # The address typed is not on the record: it may be somebody else's.
    assert "nobody@example.org" not in str([(e.detail, e.object_id) for e in events])


def test_the_link_sets_a_new_password_once_and_lifts_a_lockout(worker: User) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/login/", {"username": worker.email, "password": "wrong"})
    assert (
        Client().post("/login/", {"username": worker.email, "password": PASSWORD}).status_code
        == 429
    )

    link = reset_link(worker)
    client = Client()
    opened = client.get(link, follow=True)
    assert opened.status_code == 200 and "Choose a new password" in opened.content.decode()
    form_url = opened.redirect_chain[-1][0]
    short = client.post(form_url, {"new_password1": "abc", "new_password2": "abc"})
    assert short.status_code == 400 and "too short" in short.content.decode()
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/password-reset/done/"

    worker.refresh_from_db()
    assert worker.check_password(NEW_PASSWORD) and not worker.check_password(PASSWORD)
    # The pause is over, with the new password only.
    signed_in = Client().post("/login/", {"username": worker.email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert AuditEvent.objects.filter(action="auth.password_reset", actor=worker).exists()
    # Once only.
    again = Client().get(link, follow=True).content.decode()
    assert "has been used already" in again


def test_one_email_per_account_every_few_minutes(worker: User) -> None:
    request = Client().get("/password-reset/").wsgi_request
    assert password_reset_request(email=worker.email, actor=Actor.from_request(request)) is True
    assert password_reset_request(email=worker.email, actor=Actor.from_request(request)) is False


def test_accounts_without_a_password_get_no_link(db: None) -> None:
    invited = UserFactory(email="not.yet@example.org")
    invited.set_unusable_password()
    invited.save()
    request = Client().get("/password-reset/").wsgi_request
    assert password_reset_request(email=invited.email, actor=Actor.from_request(request)) is False
    assert password_reset_email(invited.pk) is False


def test_a_malformed_address_is_a_readable_400(db: None) -> None:
    response = Client().post("/password-reset/", {"email": "not an address"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_sign_in_page_and_lockout_page_point_to_the_reset(worker: User) -> None:
    assert 'href="/password-reset/"' in Client().get("/login/").content.decode()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked = Client().post("/login/", {"username": worker.email, "password": "wrong"})
    assert locked.status_code == 429 and 'href="/password-reset/"' in locked.content.decode()
