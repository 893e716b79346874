"""Headless Chromium: the API's reference pages (Swagger UI and Redoc) render the OpenAPI
document from the project's own files, under the Content-Security-Policy, asking nothing of any
other host; Swagger UI's "Try it out" with a pasted token lists a page of profiles."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from bcrp.models import User
from partnerships.models import Partnership
from tests.factories import ProfileFactory, api_token_for
from tests.test_browser_csp import Watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def requests_elsewhere(page: Any, base: str) -> list[str]:
    """Every request the page sends to a host other than the site's and gets an answer to
    (one the policy blocks never leaves the browser)."""
    host = urlsplit(base).netloc
    elsewhere: list[str] = []
    page.on(
        "requestfinished",
        lambda request: (
            elsewhere.append(request.url)
            if urlsplit(request.url).netloc not in (host, "")
            and not request.url.startswith(("data:", "blob:"))
            else None
        ),
    )
    return elsewhere


def test_swagger_ui_renders_the_document_and_tries_a_call(
    live_server: Any, page: Any, partnership_a: Partnership, admin_a: User
) -> None:
    ProfileFactory(partnership=partnership_a, first_name="Percival", last_name="Quince")
    token = api_token_for(admin_a, partnership_a)
    watch = Watch(page)
    elsewhere = requests_elsewhere(page, live_server.url)
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "BCRP platform API" in page.inner_text(".swagger-ui .info .title")
    page.click("button.authorize")
    bearer = page.locator(".auth-container", has_text="Bearer").first
    bearer.locator("input").fill(token)
    bearer.locator("button.authorize").click()
    page.click(".btn-done")
    page.click("#operations-profiles-profiles_list .opblock-summary")
    page.click("#operations-profiles-profiles_list .try-out__btn")
    page.fill("#operations-profiles-profiles_list input[placeholder=slug]", "alpha")
    page.click("#operations-profiles-profiles_list .execute")
    page.wait_for_selector(
        "#operations-profiles-profiles_list .live-responses-table .response-col_status"
    )
    assert "Quince" in page.inner_text("#operations-profiles-profiles_list .live-responses-table")
    assert watch.check("swagger ui") == []
    assert elsewhere == []


def test_redoc_renders_the_document(live_server: Any, page: Any, db: None) -> None:
    watch = Watch(page)
    elsewhere = requests_elsewhere(page, live_server.url)
    page.goto(f"{live_server.url}/api/v1/redoc/")
    page.wait_for_function(
        "() => document.body.innerText.includes('Profiles (the Dataview)')", timeout=30_000
    )
    assert "BCRP platform API" in page.inner_text("body")
    # Redoc's sidebar credit asks for its logo from its CDN: the policy blocks it, so the
    # browser never sends the request (and `elsewhere` stays empty).
    blocked_logo = "cdn.redoc.ly/redoc/logo-mini.svg"
    assert [p for p in watch.check("redoc") if blocked_logo not in p] == []
    assert elsewhere == []
