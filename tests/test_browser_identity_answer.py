"""Headless Chromium: a peer knows an ID-sought person.

Bravo's administrator, on Alpha's shared ID-sought profile, answers "we know this person" with
Bravo's own record. Alpha's administrator, in a second browser context at phone width, opens the
answer from the home page, sees both profiles side by side and confirms. Both profile pages then
show the link; Alpha ends sharing, and the link disappears for both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bcrp.actors import Actor
from offenders.models import ProfileStatus
from partnerships.models import Role
from sharing import services
from tests.factories import ProfileFactory, partnership_make, person_in
from tests.test_browser_sharing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_peer_answers_an_id_sought_profile_and_the_owner_confirms(
    live_server: Any, page: Any, browser: Any
) -> None:
    alpha = partnership_make("kilo", "Kilo BCRP")
    bravo = partnership_make("lima", "Lima BCRP")
    admin_alpha = person_in(alpha, Role.ADMIN, email="admin.kilo@x.org")
    admin_bravo = person_in(bravo, Role.ADMIN, email="admin.lima@x.org")
    services.consent_request(
        partnership=alpha, partner=bravo, agreement_reference="", actor=Actor(user=admin_alpha)
    )
    services.consent_accept(partnership=bravo, partner=alpha, actor=Actor(user=admin_bravo))
    sought = ProfileFactory(
        partnership=alpha, status=ProfileStatus.ID_SOUGHT, first_name="", last_name=""
    )
    known = ProfileFactory(partnership=bravo, first_name="Lemuel", last_name="Larkspur")
    base = live_server.url

    # Bravo's administrator opens Alpha's ID-sought profile and answers with Bravo's record.
    log_in(page, base, admin_bravo)
    page.goto(f"{base}/p/lima/profiles/{sought.pk}/")
    page.get_by_role("button", name="We know this person").click()
    page.fill("#id_q", "Larkspur")
    page.get_by_role("button", name="Find").click()
    page.get_by_label(f"{known.reference} · Lemuel Larkspur").check()
    page.fill("#id_note", "Banned from our shopping centre since March")
    page.get_by_role("button", name="Send answer").click()
    page.wait_for_url(f"{base}/p/lima/intelligence/answers/*/")
    assert page.get_by_test_id("answer-status").inner_text() == "Waiting for the owner"

    # Alpha's administrator, on a phone, finds it on the home page and confirms.
    context = browser.new_context(viewport={"width": 375, "height": 812})
    try:
        phone = context.new_page()
        phone.set_default_timeout(15_000)
        log_in(phone, base, admin_alpha)
        phone.goto(f"{base}/p/kilo/")
        phone.get_by_role(
            "link", name=f"Lima BCRP knows {sought.reference}: confirm or decline"
        ).click()
        assert "Lemuel Larkspur" in phone.get_by_test_id("answer-known").inner_text()
        assert sought.reference in phone.get_by_test_id("answer-sought").inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        Path("var/screenshots").mkdir(parents=True, exist_ok=True)
        phone.screenshot(path="var/screenshots/identity-answer-375.png", full_page=True)
        phone.get_by_role("button", name="Confirm: same person").click()
        phone.wait_for_load_state()
        assert phone.get_by_test_id("answer-status").inner_text() == "Confirmed"

        phone.goto(f"{base}/p/kilo/profiles/{sought.pk}/")
        assert known.reference in phone.get_by_test_id("linked-profiles").inner_text()
        page.goto(f"{base}/p/lima/profiles/{known.pk}/")
        assert sought.reference in page.get_by_test_id("linked-profiles").inner_text()

        # Alpha ends sharing: the link is gone from both sides at once.
        phone.goto(f"{base}/p/kilo/partners/lima/")
        phone.once("dialog", lambda dialog: dialog.accept())
        phone.get_by_role("button", name="End sharing").click()
        phone.wait_for_url(f"{base}/p/kilo/partners/lima/")
        phone.goto(f"{base}/p/kilo/profiles/{sought.pk}/")
        assert phone.get_by_test_id("linked-profiles").count() == 0
        assert known.reference not in phone.content()
    finally:
        context.close()
    page.goto(f"{base}/p/lima/profiles/{known.pk}/")
    assert page.get_by_test_id("linked-profiles").count() == 0
    assert sought.reference not in page.content()
