"""Two-factor sign-in for the roles that need it (django-otp TOTP codes, checked for real)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from bcrp.models import AuditEvent, User
from tests.fixtures import client_for

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("two_factor_on"),
]


@pytest.fixture
def two_factor_on() -> Any:
    with override_settings(TWO_FACTOR_ROLES=["admin", "police", "operator"]):
        yield


def code_now(device: TOTPDevice, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():06d}"


def test_an_administrator_sets_up_an_app_then_gets_in(admin_a: User) -> None:
    client = client_for(admin_a)
    first = client.get("/p/alpha/dataview/?build=slim")
    assert first.status_code == 302
    assert first["Location"] == "/two-factor/?next=%2Fp%2Falpha%2Fdataview%2F%3Fbuild%3Dslim"

    setup = client.get(first["Location"]).content.decode()
    assert "Set up two-factor sign-in" in setup and 'src="data:image/svg+xml;base64,' in setup
    device = TOTPDevice.objects.get(user=admin_a, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/")

    wrong = client.post("/two-factor/", {"code": "000000", "next": "/p/alpha/dataview/"})
    assert wrong.status_code == 400 and "That code did not match" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code above started a short back-off
    device.throttling_failure_timestamp = None
    device.save()
    right = client.post("/two-factor/", {"code": code_now(device), "next": "/p/alpha/dataview/"})
    assert right.status_code == 302 and right["Location"] == "/p/alpha/dataview/"
    assert client.get("/p/alpha/dataview/").status_code == 200
    assert TOTPDevice.objects.get(user=admin_a).confirmed
    assert AuditEvent.objects.filter(action="auth.two_factor_setup", actor=admin_a).exists()


def test_each_sign_in_asks_for_a_fresh_code(police_a: User) -> None:
    device = TOTPDevice.objects.create(user=police_a, name="app", confirmed=True)
    client = client_for(police_a)
    page = client.get("/two-factor/").content.decode()
    assert "Type the six-digit code" in page and "data:image/svg" not in page  # no new QR code
    code = code_now(device)
    assert client.post("/two-factor/", {"code": code}).status_code == 302
    assert client.get("/p/alpha/").status_code == 200
    # The same code cannot be used again by someone who saw it.
    other = client_for(police_a)
    replay = other.post("/two-factor/", {"code": code})
    assert replay.status_code == 400
    assert other.get("/p/alpha/").status_code == 302


def test_wrong_codes_in_a_row_are_slowed_down(police_a: User) -> None:
    device = TOTPDevice.objects.create(user=police_a, name="app", confirmed=True)
    client = client_for(police_a)
    client.post("/two-factor/", {"code": "111111"})
    client.post("/two-factor/", {"code": "222222"})
    # Now even the right code has to wait.
    blocked = client.post("/two-factor/", {"code": code_now(device)})
    assert blocked.status_code == 400 and "wait a minute" in blocked.content.decode()


def test_members_and_roles_left_out_sign_in_with_a_password(member_a: User) -> None:
    assert client_for(member_a).get("/p/alpha/").status_code == 200


@override_settings(TWO_FACTOR_ROLES=[])
def test_switched_off_nobody_is_asked(admin_a: User) -> None:
    assert client_for(admin_a).get("/p/alpha/").status_code == 200


def test_pages_for_signing_in_stay_reachable(admin_a: User) -> None:
    client = client_for(admin_a)
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/two-factor/").status_code == 200
    assert client.post("/logout/").status_code == 302


def test_htmx_requests_are_sent_to_the_code_page_whole(admin_a: User) -> None:
    response = client_for(admin_a).get("/p/alpha/dataview/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/two-factor/?next=")


def test_next_never_leaves_the_site(admin_a: User) -> None:
    device = TOTPDevice.objects.create(user=admin_a, name="app", confirmed=True)
    client = client_for(admin_a)
    response = client.post(
        "/two-factor/", {"code": code_now(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_platform_operators_need_it_for_the_admin(db: None) -> None:
    from tests.factories import PASSWORD, UserFactory

    operator = UserFactory(email="op@example.org", is_staff=True, is_superuser=True)
    client = Client()
    assert (
        client.post("/login/", {"username": operator.email, "password": PASSWORD}).status_code
        == 302
    )
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/")["Location"].startswith("/two-factor/")
