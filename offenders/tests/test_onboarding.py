"""The platform operator creates a partnership: standard galleries, and an invitation by e-mail
to its first administrator, who chooses their own password and becomes administrator."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client

from bcrp.models import AuditEvent, User
from offenders.models import Gallery
from offenders.onboarding import STANDARD_GALLERIES
from partnerships.models import Invitation, Membership, Partnership, Role
from tests.factories import PASSWORD
from tests.fixtures import client_for, wait_for

NEW = "/operator/partnerships/new/"
FORM = {
    "name": "Echo BCRP",
    "slug": "echo",
    "police_force_area": "Kent",
    "admin_email": "First.Admin@Example.org",
}


def _operator() -> Client:
    operator = User.objects.create_user(email="op@example.org", password=PASSWORD, is_staff=True)
    client = Client()
    assert client.login(request=HttpRequest(), username=operator.email, password=PASSWORD)
    return client


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_operator_creates_a_partnership_whose_first_admin_sets_their_own_password(
    celery_worker_process: dict[str, Any],
) -> None:
    operator = _operator()
    home = operator.get("/").content.decode()
    assert 'id="operator-links"' in home and NEW in home and "/admin/" in home

    response = operator.post(NEW, FORM)
    assert response.status_code == 302
    partnership = Partnership.objects.get(slug="echo")
    assert (partnership.name, partnership.police_force_area) == ("Echo BCRP", "Kent")
    assert sorted(
        Gallery.objects.filter(partnership=partnership).values_list(
            "name", "default_expiry_months", "members_may_see"
        )
    ) == sorted(STANDARD_GALLERIES)
    invitation = Invitation.objects.get(partnership=partnership)
    assert invitation.role == Role.ADMIN and invitation.email == "first.admin@example.org"
    assert not Membership.objects.filter(partnership=partnership).exists()
    assert AuditEvent.objects.filter(action="partnership.create").count() == 1
    # The operator does not join it.
    assert operator.get("/p/echo/").status_code == 404

    # The invitation goes out by the worker; its link is in the e-mail only.
    sent = wait_for(lambda: Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=False))
    assert sent, celery_worker_process["log"].read_text()
    body = "".join(p.read_text() for p in celery_worker_process["mail_dir"].glob("*.log"))
    message = body[body.index("You are invited to Echo BCRP") :]
    assert "first.admin@example.org" in body
    link = re.search(r"(/invite/\S+/)", message)
    assert link is not None

    newcomer = Client()
    accepted = newcomer.post(
        link.group(1),
        {
            "full_name": "Fran First",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
        },
    )
    assert accepted.status_code == 302
    admin = User.objects.get(email="first.admin@example.org")
    assert admin.check_password("a-long-passphrase-9")
    assert Membership.objects.get(user=admin, partnership=partnership).role == Role.ADMIN
    signed_in = newcomer  # signed in by accepting
    assert signed_in.get("/p/echo/people/").status_code == 200
    assert "Most wanted" in signed_in.get("/p/echo/galleries/").content.decode()


def test_the_page_is_for_the_operator_only(admin_a: User, outsider: User) -> None:
    assert Client().get(NEW).status_code == 302  # to sign in
    for person in (admin_a, outsider):
        client = client_for(person)
        assert client.get(NEW).status_code == 404
        assert client.post(NEW, FORM).status_code == 404
    assert not Partnership.objects.filter(slug="echo").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"slug": "alpha"}, "Another partnership already has this address."),
        ({"name": "ALPHA BCRP"}, "Another partnership already has this name."),
        ({"slug": "no spaces"}, "Enter a valid"),
        ({"admin_email": "not an address"}, "Enter a valid email address."),
        ({"name": "x" * 121}, "at most 120 characters"),
        ({"name": "Nul\x00"}, "Null characters are not allowed."),
    ],
)
def test_bad_input_is_refused_saying_why(
    partnership_a: Partnership, change: dict[str, str], message: str
) -> None:
    response = _operator().post(NEW, {**FORM, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Partnership.objects.count() == 1
    assert not Gallery.objects.exists() and not Invitation.objects.exists()
