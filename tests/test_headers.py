"""Every response about a partnership is never stored by browsers or proxies, and every page
carries the Content-Security-Policy and Permissions-Policy and no inline code that the policy
would block.

Tenant URLs come from the URLconf walk in test_tenancy_urls, so new pages are covered without new
tests; what they render is checked as well as the templates they come from, which catches HTML
written in Python (widgets) too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.test import Client

from bcrp.actors import Actor
from bcrp.models import User
from partnerships import services
from partnerships.models import Partnership, Role
from tests.fixtures import client_for
from tests.test_tenancy_urls import insider_url, tenant_routes
from tests.test_tenancy_urls import world as world  # the fixture, shared with the URL walk

TEMPLATES = Path(settings.BASE_DIR) / "templates"
EVENT_HANDLER = re.compile(r"on[a-z]+")
INLINE_ATTRIBUTE = re.compile(r"(?<![\w-])(on[a-z]+|style|(?:data-)?hx-on[\w:.-]*)\s*=", re.I)
# {# #} is one line only; {% comment %} may span several.
TEMPLATE_COMMENT = re.compile(r"{#[^\n]*?#}|{%\s*comment\s*%}(?s:.*?){%\s*endcomment\s*%}")
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineCodeFinder(HTMLParser):
    """Collects what a policy without 'unsafe-inline' or 'unsafe-eval' blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value or "" for name, value in attrs}
        for name, value in names.items():
            if EVENT_HANDLER.fullmatch(name) or name == "style":
                self.found.append(f"<{tag} {name}={value!r}>")
            elif name.startswith(("hx-on", "data-hx-on")):
                self.found.append(f"<{tag} {name}> (htmx compiles it to a function)")
            elif value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        data_block = names.get("type", "").lower() in DATA_SCRIPT_TYPES
        if tag == "script" and "src" not in names and not data_block:
            self.found.append("<script> with inline code")
        if tag == "style":
            self.found.append("<style> element")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def csp_directives(response: HttpResponse) -> dict[str, list[str]]:
    policy = response.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def header_problems(response: HttpResponse, url: str) -> list[str]:
    problems = []
    if response.get("Cache-Control") != "private, no-store":
        problems.append(f"{url}: Cache-Control {response.get('Cache-Control')!r}")
    if "default-src" not in csp_directives(response):
        problems.append(f"{url}: no Content-Security-Policy")
    if "camera=(self)" not in response.get("Permissions-Policy", ""):
        problems.append(f"{url}: Permissions-Policy {response.get('Permissions-Policy')!r}")
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        problems += [f"{url}: {found}" for found in inline_code(response.content.decode())]
    return problems


def test_every_tenant_url_is_never_stored_and_carries_the_policies(
    world: dict[str, list[Any]],
    partnership_a: Partnership,
    admin_a: User,
    member_a: User,
    police_a: User,
) -> None:
    """Every route, as each role (so 200s, 403s and redirects alike), and as an outsider."""
    clients = {user.email: client_for(user) for user in (admin_a, member_a, police_a)}
    clients["anonymous"] = Client()
    problems, pages = [], 0
    for route, _pattern in tenant_routes():
        url = insider_url(route, partnership_a, admin_a, world)
        for who, client in clients.items():
            response = client.get(url)
            problems += [f"{who} {problem}" for problem in header_problems(response, url)]
            pages += response.status_code == 200
    assert not problems, "\n".join(problems)
    assert pages > len(tenant_routes()), "too few pages answered 200 to say anything"


def test_csv_download_is_never_stored(police_a: User) -> None:
    response = client_for(police_a).get("/p/alpha/stats.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "private, no-store"


def test_pages_outside_a_partnership_are_never_stored(
    settings: Any, partnership_a: Partnership, admin_a: User
) -> None:
    _invitation, token = services.invitation_create(
        partnership=partnership_a,
        email="new@example.org",
        role=Role.MEMBER,
        actor=Actor(user=admin_a),
    )
    signed_in = client_for(admin_a)
    for client, url in (
        (Client(), "/login/"),
        (Client(), "/password-reset/"),
        (Client(), f"/invite/{token}/"),
        (signed_in, "/"),
        (signed_in, "/two-factor/"),  # shows the secret key and QR code
    ):
        settings.TWO_FACTOR_ROLES = ["admin"] if url == "/two-factor/" else []
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "default-src" in csp_directives(response), url
        assert "camera=(self)" in response["Permissions-Policy"], url
        assert inline_code(response.content.decode()) == [], url


def test_a_public_view_may_still_choose_its_own_caching(db: None) -> None:
    """Outside /p/ a view's own Cache-Control stands (health checks keep Django's never_cache)."""
    response = Client().get("/healthz")
    assert response["Cache-Control"].startswith("max-age=0")
    assert "no-store" in response["Cache-Control"]


def test_the_policy_is_strict(partnership_a: Partnership, admin_a: User) -> None:
    response = client_for(admin_a).get("/p/alpha/")
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    policy = response["Content-Security-Policy"]
    for loophole in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:"):
        assert loophole not in policy.split(), loophole
    features = dict(
        item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
    )
    assert features["camera"] == "(self)"
    for feature in ("geolocation", "microphone", "payment", "usb"):
        assert features[feature] == "()", feature


def template_problems(text: str) -> list[str]:
    text = TEMPLATE_COMMENT.sub("", text)
    problems = [match.group(0) for match in INLINE_ATTRIBUTE.finditer(text)]
    return problems + inline_code(text)


def test_no_template_has_inline_scripts_handlers_or_styles() -> None:
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 30
    problems = [
        f"{path.relative_to(TEMPLATES)}: {problem}"
        for path in templates
        for problem in template_problems(path.read_text())
    ]
    assert not problems, "\n".join(problems)


def test_the_template_scan_finds_what_the_policy_blocks() -> None:
    for snippet in (
        '<button onclick="go()">',
        "<p style='color: red'>",
        '<form hx-on::after-request="this.reset()">',
        '<form hx-on:htmx:config-request="x()">',
        "<script>alert(1)</script>",
        "<style>p { color: red }</style>",
        '<a href="javascript:go()">',
        '<img src="x" ONERROR="go()">',
    ):
        assert template_problems(snippet), snippet
    for snippet in (
        '<script src="/static/js/app.js" defer></script>',
        '<script id="stats-data" type="application/json">{"a": 1}</script>',
        '<form data-confirm="Delete this photo?">',
        "{# htmx adds no <style> and no onclick= #}",
        '<p>Reported on="Monday"</p>',
    ):
        assert not template_problems(snippet), snippet
