"""The invitation form starts at Member: administrator rights are given only on purpose."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bcrp.models import User
from partnerships.models import Invitation, Partnership, Role
from tests.factories import BusinessFactory, partnership_make, person_in
from tests.fixtures import client_for
from tests.test_browser_sharing import log_in


def test_the_role_starts_at_member(partnership_a: Partnership, admin_a: User) -> None:
    html = client_for(admin_a).get("/p/alpha/people/invite/").content.decode()
    select = re.search(r'<select name="role".*?</select>', html, re.S)
    assert select is not None
    assert re.findall(r'<option value="(\w+)" selected', select[0]) == ["member"]


def test_a_wrong_address_keeps_the_role_that_was_chosen(
    partnership_a: Partnership, admin_a: User
) -> None:
    response = client_for(admin_a).post(
        "/p/alpha/people/invite/", {"email": "not an address", "role": "police"}
    )
    assert response.status_code == 400
    assert '<option value="police" selected>' in response.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_administrator_invites_a_member_without_touching_the_role(
    live_server: Any, page: Any
) -> None:
    november = partnership_make("november", "November BCRP")
    admin = person_in(november, Role.ADMIN, email="admin.november@example.org")
    shop = BusinessFactory(partnership=november, name="Corner Shop")
    log_in(page, live_server.url, admin)
    page.goto(f"{live_server.url}/p/november/people/")
    page.get_by_role("button", name="Invite a person").click()
    assert page.locator("select[name=role]").input_value() == "member"
    page.fill("input[name=email]", "new.member@example.org")
    page.select_option("select[name=business]", str(shop.pk))
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_url(f"{live_server.url}/p/november/people/")
    invitation = Invitation.objects.get(email="new.member@example.org")
    assert invitation.role == Role.MEMBER and invitation.business_id == shop.pk
