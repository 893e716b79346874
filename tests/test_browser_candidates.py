"""Headless Chromium at 360 px: an administrator reviews possible same-person pairs. The two
profiles stand one above the other with their photos, "Same person" links a pair and "Not the
same" sets one aside, each answered with htmx in place, and nothing is wider than the screen."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bcrp.actors import Actor
from partnerships.models import Role
from sharing import services
from sharing.candidates import candidate_pairs_refresh
from sharing.models import CandidateDismissal, ProfileLink
from tests.factories import ProfileFactory, image_on, partnership_make, person_in
from tests.test_browser_sharing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTH = 360


def test_an_administrator_links_one_pair_and_sets_another_aside_on_a_phone(
    live_server: Any, browser: Any
) -> None:
    kilo = partnership_make("kilo", "Kilo BCRP")
    lima = partnership_make("lima", "Lima BCRP")
    admin_kilo = person_in(kilo, Role.ADMIN, email="admin.kilo@x.org")
    admin_lima = person_in(lima, Role.ADMIN, email="admin.lima@x.org")
    services.consent_request(
        partnership=kilo, partner=lima, agreement_reference="ISA-9", actor=Actor(user=admin_kilo)
    )
    services.consent_accept(partnership=lima, partner=kilo, actor=Actor(user=admin_lima))
    born = date(1987, 4, 11)
    ours = ProfileFactory(
        partnership=kilo, first_name="Stephen", last_name="Marchbanks", date_of_birth=born
    )
    theirs = ProfileFactory(
        partnership=lima, first_name="Steve", last_name="Marchbanks", date_of_birth=born
    )
    lookalike = ProfileFactory(
        partnership=lima, first_name="Steven", last_name="Marchbank", date_of_birth=born
    )
    image_on(ours, admin_kilo, seed=3)
    image_on(theirs, admin_lima, seed=3)
    assert candidate_pairs_refresh([ours.pk]) == 2

    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True)
    page = context.new_page()
    base = live_server.url
    log_in(page, base, admin_kilo)
    page.goto(f"{base}/p/kilo/intelligence/candidates/")
    cards = page.get_by_test_id("candidate")
    assert cards.count() == 2
    best = cards.first
    assert "Steve Marchbanks" in best.inner_text() and "Lima BCRP" in best.inner_text()
    assert "photos alike" in best.inner_text() and "same date of birth" in best.inner_text()
    assert best.locator("img.candidate-photo").count() == 2
    sides = best.get_by_test_id("candidate-side").all()
    top, bottom = sides[0].bounding_box(), sides[1].bounding_box()
    assert top and bottom and bottom["y"] >= top["y"] + top["height"]  # stacked at 360 px
    assert page.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
    Path("var/screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path="var/screenshots/candidates-360.png", full_page=True)

    page.evaluate("window.notReloaded = true")
    best.get_by_role("button", name="Same person").click()
    page.get_by_text("Linked as the same person.").wait_for()
    assert cards.count() == 1
    cards.first.get_by_role("button", name="Not the same").click()
    page.get_by_text("Noted: not the same person.").wait_for()
    assert cards.count() == 0
    assert page.evaluate("window.notReloaded") is True  # answered in place, with htmx
    assert ProfileLink.objects.filter(
        first_id=min(ours.pk, theirs.pk), second_id=max(ours.pk, theirs.pk)
    ).exists()
    assert CandidateDismissal.objects.filter(
        partnership=kilo, first_id=min(ours.pk, lookalike.pk)
    ).exists()
    context.close()
