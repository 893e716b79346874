"""Headless Chromium: the main pages work under the Content-Security-Policy, with nothing blocked.

An administrator goes through the dashboard, the Dataview (a filter changed with htmx), a profile
(deleting a photo asks first, uploading one empties the form), a printable notice, the statistics
charts and a partner's page (its bars; ending sharing asks first); a member opens the incident
form and the gallery, and the platform operator the Django admin. Chromium reports every
violation in the console and as a securitypolicyviolation event: both are collected, and a
deliberate inline script at the start shows they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bcrp.actors import Actor
from bcrp.models import User
from offenders import services as offender_services
from offenders.models import OffenderImage
from partnerships.models import Partnership, Role
from sharing import services as sharing_services
from sharing.models import SharingConsent
from tests.factories import (
    PASSWORD,
    GalleryFactory,
    ProfileFactory,
    UserFactory,
    image_on,
    incident_reported,
    jpeg_bytes,
    membership_of,
    partnership_make,
    person_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every document before its own scripts: keeps what the policy blocked.
VIOLATION_LISTENER = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


class Watch:
    """Console errors, uncaught exceptions and policy violations of one page, across loads."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(VIOLATION_LISTENER)
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))

    def console(self, message: Any) -> None:
        text = message.text
        if message.type == "error" and "favicon.ico" not in (message.location or {}).get("url", ""):
            self.problems.append(f"console: {text}")
        elif "Content Security Policy" in text or "Permissions-Policy" in text:
            self.problems.append(f"console {message.type}: {text}")

    def check(self, where: str) -> list[str]:
        """What went wrong on the page now showing (and since the last check), then forget it."""
        violations = self.page.evaluate("window.__violations || []")
        found = [f"{where}: {problem}" for problem in self.problems + violations]
        self.problems.clear()
        self.page.evaluate("window.__violations = []")
        return found


@pytest.fixture
def network() -> dict[str, Any]:
    alpha = partnership_make("alpha", "Alpha BCRP")
    bravo = partnership_make("bravo", "Bravo BCRP")
    admin = person_in(alpha, Role.ADMIN, email="admin.alpha@example.org")
    admin_bravo = person_in(bravo, Role.ADMIN, email="admin.bravo@example.org")
    member = person_in(alpha, Role.MEMBER, email="member.alpha@example.org")
    profile = ProfileFactory(partnership=alpha, first_name="Percival", last_name="Quince")
    ProfileFactory(partnership=alpha, first_name="Slim", last_name="Stoat", build="slim")
    for n in range(3):
        ProfileFactory(partnership=bravo, first_name=f"Bravo{n}", last_name="Barnaby")
    gallery = GalleryFactory(partnership=alpha, name="Excluded offenders")
    offender_services.placement_add(profile=profile, gallery=gallery, actor=Actor(user=admin))
    images = [image_on(profile, admin, seed=n) for n in (1, 2)]
    notice = offender_services.exclusion_issue(
        profile=profile, kind="warning", reason="Theft of razor blades", actor=Actor(user=admin)
    )
    incident_reported(membership_of(member, alpha), value_lost=84)
    incident_reported(membership_of(member, alpha), category="abuse", value_lost=0)
    sharing_services.consent_request(
        partnership=alpha, partner=bravo, agreement_reference="ISA-1", actor=Actor(user=admin)
    )
    sharing_services.consent_accept(partnership=bravo, partner=alpha, actor=Actor(user=admin_bravo))
    return {
        "alpha": alpha,
        "bravo": bravo,
        "admin": admin,
        "member": member,
        "profile": profile,
        "images": images,
        "notice": notice,
    }


def sign_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_main_pages_work_under_the_policy_with_nothing_blocked(
    live_server: Any, page: Any, browser: Any, network: dict[str, Any], tmp_path: Path
) -> None:
    watched = Watch(page)
    base = live_server.url
    alpha: Partnership = network["alpha"]
    problems: list[str] = []

    # Dashboard; and the watch sees a violation when there is one.
    sign_in(page, base, network["admin"])
    assert page.get_by_role("link", name="Alpha BCRP").first.is_visible()
    problems += watched.check("dashboard")
    page.evaluate(
        "document.head.appendChild(Object.assign(document.createElement('script'),"
        " {textContent: 'window.ranInline = true'}))"
    )
    page.wait_for_function("() => window.__violations.length > 0")
    assert page.evaluate("window.ranInline === undefined"), "the inline script ran"
    control = watched.check("control")
    assert any("Content Security Policy" in problem for problem in control), control
    assert any(problem.endswith("script-src-elem inline") for problem in control), control

    # Dataview: htmx runs without eval, swaps the results in and leaves empty filters out.
    page.goto(f"{base}/p/alpha/dataview/")
    assert page.get_by_test_id("result-count").inner_text() == "5"
    assert page.evaluate("htmx.config.allowEval === false")
    page.evaluate("window.sameDocument = true")
    page.select_option("select[name=build]", "slim")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=result-count]').textContent.trim() === '1'"
    )
    assert page.evaluate("window.sameDocument === true"), "the page was reloaded"
    page.wait_for_url(lambda url: urlsplit(url).query == "build=slim")
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert page.evaluate("localStorage.getItem('htmx-history-cache')") is None
    problems += watched.check("dataview")

    # Profile: thumbnails load; deleting a photo asks, and Cancel keeps it.
    profile = network["profile"]
    page.goto(f"{base}/p/alpha/profiles/{profile.pk}/")
    thumbnails = page.get_by_test_id("thumbnail")
    assert thumbnails.count() == 2
    for n in range(2):
        assert thumbnails.nth(n).evaluate("img => img.complete && img.naturalWidth > 0")
    questions: list[str] = []

    def answer(dialog: Any, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.get_by_role("button", name="✕").first.click()
    assert questions == ["Delete this photo?"]
    assert OffenderImage.objects.filter(profile=profile).count() == 2
    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    page.get_by_role("button", name="✕").first.click()
    page.wait_for_url(f"{base}/p/alpha/profiles/{profile.pk}/")
    page.get_by_text("Photo deleted.").wait_for()
    assert OffenderImage.objects.filter(profile=profile).count() == 1
    # Uploading with htmx swaps the photo strip in and empties the form for the next one.
    photo = tmp_path / "cctv.jpg"
    photo.write_bytes(jpeg_bytes(seed=5, size=(320, 240)))
    page.set_input_files("#id_photos", str(photo))
    page.get_by_role("button", name="Upload").click()
    page.locator("#photo-strip").get_by_text("1 photo added.").wait_for()
    assert page.evaluate("document.querySelector('#id_photos').files.length") == 0
    assert OffenderImage.objects.filter(profile=profile).count() == 2
    problems += watched.check("profile")

    # A printable notice: the Print button prints.
    page.goto(f"{base}/p/alpha/notices/{network['notice'].pk}/")
    page.evaluate("window.print = () => { window.printed = true }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.printed === true")
    problems += watched.check("notice")

    # Statistics: Chart.js draws every chart, then the tables fold away.
    page.goto(f"{base}/p/alpha/stats/")
    page.wait_for_function(
        "() => document.querySelectorAll('details[data-stats-table][open]').length === 0"
    )
    charts = page.locator("canvas[id^=chart-]")
    assert charts.count() == 5
    for n in range(5):
        box = charts.nth(n).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
    assert page.evaluate("Object.keys(Chart.instances).length") == 5
    problems += watched.check("stats")

    # Partner page: the bars are drawn to scale (Bravo gives 3, Alpha gives 2 shareable).
    page.goto(f"{base}/p/alpha/partners/bravo/")
    gain = page.get_by_test_id("gain-bar").bounding_box()
    give = page.get_by_test_id("give-bar").bounding_box()
    assert gain and give and 1.4 < gain["width"] / give["width"] < 1.6
    # Ending sharing asks first: Cancel keeps it, OK ends it.
    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.get_by_role("button", name="End sharing").click()
    assert "End sharing now?" in questions[-1]
    assert SharingConsent.objects.filter(grantor=alpha, ended_at=None).count() == 1
    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    page.get_by_role("button", name="End sharing").click()
    page.get_by_role("button", name="Request sharing").wait_for()
    assert SharingConsent.objects.filter(grantor=alpha, ended_at=None).count() == 0
    problems += watched.check("partner")

    # A member's incident form.
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    try:
        phone = context.new_page()
        phone.set_default_timeout(15_000)
        on_phone = Watch(phone)
        sign_in(phone, base, network["member"])
        phone.goto(f"{base}/p/alpha/incidents/new/")
        assert phone.get_by_role("button", name="Send report").is_visible()
        problems += on_phone.check("incident form")
        phone.goto(f"{base}/p/alpha/gallery/")
        assert phone.get_by_text("Percival").first.is_visible()
        problems += on_phone.check("gallery")
    finally:
        context.close()

    # The platform operator's Django admin: a list and a form with its widgets.
    operator = UserFactory(email="operator@example.org", is_staff=True, is_superuser=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        desk = context.new_page()
        desk.set_default_timeout(15_000)
        at_desk = Watch(desk)
        desk.goto(f"{base}/admin/login/")
        desk.fill("#id_username", operator.email)
        desk.fill("#id_password", PASSWORD)
        desk.click("input[type=submit]")
        desk.wait_for_url(f"{base}/admin/")
        desk.goto(f"{base}/admin/partnerships/partnership/")
        desk.get_by_role("link", name="Alpha BCRP").click()
        desk.get_by_role("button", name="Save", exact=True).wait_for()
        problems += at_desk.check("admin")
    finally:
        context.close()

    assert not problems, "\n".join(problems)
