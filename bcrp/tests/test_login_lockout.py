"""Repeated failed sign-ins lock that account out from that address for a while (django-axes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from bcrp.actors import client_ip
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
    assert "choose a new one" in page and "tell your partnership's administrator" in page
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


@override_settings(TRUSTED_PROXY_HOPS=1)
def test_behind_a_proxy_the_client_address_counts_not_the_proxys(worker: User) -> None:
    def via_proxy(forwarded: str) -> object:
        return RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    # The proxy appends what it saw; what the client wrote to the left is ignored.
    assert client_ip(via_proxy("6.6.6.6, 198.51.100.20")) == SHOP
    assert client_ip(via_proxy("not-an-address")) == "10.0.0.2"
    assert client_ip(via_proxy("")) == "10.0.0.2"
    with override_settings(TRUSTED_PROXY_HOPS=0):
        assert client_ip(via_proxy("198.51.100.20")) == "10.0.0.2"

    def through_proxy(ip: str, password: str) -> int:
        client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=ip)
        return client.post("/login/", {"username": worker.email, "password": password}).status_code

    for _ in range(settings.AXES_FAILURE_LIMIT):
        through_proxy(SHOP, "wrong-password")
    assert through_proxy(SHOP, PASSWORD) == 429
    assert through_proxy(ELSEWHERE, PASSWORD) == 302
    assert AuditEvent.objects.filter(action="auth.locked_out", ip=SHOP).exists()
