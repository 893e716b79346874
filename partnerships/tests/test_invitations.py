"""Invitations: one-time, expiring, withdrawable, bound to the address they were sent to."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import User
from partnerships import services
from partnerships.models import Invitation, Membership, Partnership, Role
from tests.factories import UserFactory
from tests.fixtures import client_for


def invite(partnership: Partnership, admin: User, email: str, role: str = Role.POLICE) -> str:
    _invitation, token = services.invitation_create(
        partnership=partnership, email=email, role=role, actor=Actor(user=admin)
    )
    return token


def test_token_is_stored_only_as_a_hash(partnership_a: Partnership, admin_a: User) -> None:
    token = invite(partnership_a, admin_a, "x@example.org")
    invitation = Invitation.objects.get()
    assert token not in invitation.token_hash
    assert len(invitation.token_hash) == 64


def test_expired_and_withdrawn_links_are_404(partnership_a: Partnership, admin_a: User) -> None:
    expired = invite(partnership_a, admin_a, "late@example.org")
    Invitation.objects.filter(email="late@example.org").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    withdrawn = invite(partnership_a, admin_a, "gone@example.org")
    response = client_for(admin_a).post(
        f"/p/alpha/people/invitations/{Invitation.objects.get(email='gone@example.org').pk}/withdraw/"
    )
    assert response.status_code == 302
    for token in (expired, withdrawn, "not-a-token"):
        assert Client().get(f"/invite/{token}/").status_code == 404


def test_existing_account_must_sign_in_as_the_invitee(
    partnership_a: Partnership, admin_a: User
) -> None:
    invitee = UserFactory(email="known@example.org")
    someone_else = UserFactory(email="else@example.org")
    token = invite(partnership_a, admin_a, "known@example.org")

    response = client_for(someone_else).post(f"/invite/{token}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not Membership.objects.filter(user=someone_else, partnership=partnership_a).exists()

    response = client_for(invitee).post(f"/invite/{token}/")
    assert response.status_code == 302
    assert Membership.objects.get(user=invitee, partnership=partnership_a).role == Role.POLICE
    with pytest.raises(ValidationError):
        services.invitation_accept(token=token, actor=Actor(user=invitee))


def test_weak_password_is_a_readable_error(partnership_a: Partnership, admin_a: User) -> None:
    token = invite(partnership_a, admin_a, "new@example.org")
    response = Client().post(
        f"/invite/{token}/", {"full_name": "N", "password1": "123", "password2": "123"}
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_cannot_invite_someone_already_in(partnership_a: Partnership, admin_a: User) -> None:
    response = client_for(admin_a).post(
        "/p/alpha/people/invite/", {"email": admin_a.email, "role": "police"}
    )
    assert response.status_code == 400
    assert "already belongs" in response.content.decode()
