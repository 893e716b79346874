"""Headless Chromium at 360 px: a person makes an API token on the tokens page, a system uses it
on the live API, and once revoked on the page it is refused."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest

from bcrp.actors import Actor
from partnerships import services
from partnerships.models import ApiToken, Role
from tests.factories import partnership_make, person_in
from tests.test_browser_edit_forms import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def api_status(url: str, secret: str) -> tuple[int, str]:
    """The status of a GET sent as a system would, and its WWW-Authenticate header."""
    # S310: the URL is the live test server's, never a file: or other scheme.
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, response.headers.get("WWW-Authenticate", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("WWW-Authenticate", "")


def assert_fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways at {PHONE['width']} px: {width}"


def test_a_token_made_on_the_page_works_on_the_api_until_revoked_there(
    live_server: Any, browser: Any
) -> None:
    alpha = partnership_make("alpha", "Alpha BCRP")
    bravo = partnership_make("bravo", "Bravo BCRP")
    admin = person_in(alpha, Role.ADMIN, email="admin.a@example.org")
    admin_b = person_in(bravo, Role.ADMIN, email="admin.b@example.org")
    services.membership_add(
        partnership=bravo, user=admin, role=Role.POLICE, actor=Actor(user=admin_b)
    )
    profiles = f"{live_server.url}/api/v1/p/alpha/profiles/"

    context = browser.new_context(viewport=PHONE, is_mobile=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, live_server, admin)
        page.get_by_role("link", name="API tokens").click()
        page.wait_for_url("**/account/tokens/")
        assert page.get_by_text("You have no API tokens.").is_visible()
        assert_fits(page)

        # Only the scopes the chosen membership's role may give are offered.
        sharing = page.locator('input[name="scopes"][value="sharing:read"]')
        page.select_option("#id_membership", label="Bravo BCRP (Police liaison)")
        assert not sharing.is_visible() and sharing.is_disabled()
        page.select_option("#id_membership", label="Alpha BCRP (Administrator)")
        assert sharing.is_visible() and sharing.is_enabled()

        page.fill("#id_name", "Force records system")
        page.get_by_label("Read profiles, photos, galleries and notices").check()
        page.select_option("#id_expires_in_days", label="30 days")
        page.get_by_role("button", name="Create token").click()
        shown = page.get_by_test_id("token-secret")
        secret = shown.inner_text().strip()
        assert secret.startswith("bcrp_") and len(secret) == 48
        assert_fits(page)
        page.get_by_role("button", name="Copy").click()
        page.get_by_role("button", name="Copied").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == secret

        assert api_status(profiles, secret) == (200, "")
        token = ApiToken.objects.get()
        assert token.membership.partnership == alpha and token.scopes == ["profiles:read"]

        page.goto(f"{live_server.url}/account/tokens/")
        assert secret not in page.content()
        card = page.get_by_test_id("api-token")
        assert "Force records system" in card.inner_text() and "In use" in card.inner_text()
        page.once("dialog", lambda dialog: dialog.accept())
        card.get_by_role("button", name="Revoke").click()
        page.get_by_text('Token "Force records system" revoked').wait_for()
        assert "Revoked" in page.get_by_test_id("api-token").inner_text()
        assert_fits(page)

        status, challenge = api_status(profiles, secret)
        assert status == 401 and challenge.startswith("Bearer")
    finally:
        context.close()
