"""Repeated failed sign-ins lock that account out from that address for a while (django-axes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from bcrp.models import AuditEvent, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SHOP = "198.51.100.20"
ELSEWHERE = "203.0.113.77"


def attempt(email: str, password: str, ip: str = SHOP) -> int:
    client = Client(REMOTE_ADDR=ip)
    response = client.post("/login/", {"username": email, "password": password})
    return response.status_code


def fail_until_locked(email: str) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(email, "wrong-password") == 200  # the form again, with its error
    assert attempt(email, "wrong-password") == 429


@pytest.fixture
def worker(db: None) -> User:
    return UserFactory(email="till.worker@example.org")


def test_fifth_failure_locks_the_account_from_that_address_with_a_readable_page(
    worker: User,
) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    fail_until_locked(worker.email)
    # Even the right password is refused now, with a page that says what to do.
    client = Client(REMOTE_ADDR=SHOP)
    response = client.post("/login/", {"username": worker.email, "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "cannot sign in from here for the next 15 minutes" in page
    assert "ask your partnership" in page
    assert "_auth_user_id" not in client.session
    # On the record: the attempt that locked it and the one refused while locked.
    locked = AuditEvent.objects.filter(action="auth.locked_out")
    assert [(e.object_id, e.ip) for e in locked] == [(str(worker.pk), SHOP)] * 2


def test_the_lockout_is_per_account_and_address(worker: User) -> None:
    colleague = UserFactory(email="colleague@example.org")
    # Typing the address in capitals does not get round the lockout.
    fail_until_locked("Till.Worker@Example.org ")
    assert attempt(worker.email, PASSWORD) == 429
    # A colleague on the same shop network still signs in, and so does the worker elsewhere.
    assert attempt(colleague.email, PASSWORD) == 302
    assert attempt(worker.email, PASSWORD, ip=ELSEWHERE) == 302


def test_sign_in_works_again_after_the_cool_off(worker: User) -> None:
    fail_until_locked(worker.email)
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert attempt(worker.email, PASSWORD) == 302


def test_a_success_resets_the_count(worker: User) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(worker.email, "wrong-password")
    assert attempt(worker.email, PASSWORD) == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(worker.email, "wrong-password") == 200
    assert attempt(worker.email, PASSWORD) == 302


def test_addresses_sign_in_whatever_their_case(worker: User) -> None:
    assert attempt("  Till.Worker@EXAMPLE.org", PASSWORD) == 302
