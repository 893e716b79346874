"""A real task through a real worker on the real broker: the invitation e-mail."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bcrp.models import AuditEvent, User
from partnerships.models import Invitation, Membership, Role
from tests.conftest import wait_for
from tests.factories import PASSWORD, partnership_make, person_in

pytestmark = pytest.mark.worker


@pytest.mark.django_db(transaction=True)
def test_invitation_email_is_sent_by_the_worker_and_its_link_works(
    celery_worker_process: dict[str, Any],
) -> None:
    partnership = partnership_make("delta", "Delta BCRP")
    admin = person_in(partnership, Role.ADMIN, email="admin.delta@example.org")
    client = Client()
    assert client.login(username=admin.email, password=PASSWORD)

    response = client.post(
        "/p/delta/people/invite/", {"email": "New.Officer@Example.org", "role": "police"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(partnership=partnership)
    assert invitation.email == "new.officer@example.org"

    sent = wait_for(lambda: Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=False))
    assert sent, celery_worker_process["log"].read_text()
    messages = list(celery_worker_process["mail_dir"].glob("*.log"))
    body = "".join(path.read_text() for path in messages)
    assert "new.officer@example.org" in body
    link = next(line for line in body.splitlines() if "/invite/" in line)
    path = link[link.index("/invite/") :].strip()

    newcomer = Client()
    assert "Join Delta BCRP" in newcomer.get(path).content.decode()
    response = newcomer.post(
        path,
        {
            "full_name": "PC New",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.officer@example.org")
    assert Membership.objects.get(user=user, partnership=partnership).role == Role.POLICE
    assert newcomer.get("/p/delta/").status_code == 200
    # One time only.
    assert Client().get(path).status_code == 404
    assert AuditEvent.objects.filter(action="membership.add", actor=user).exists()
