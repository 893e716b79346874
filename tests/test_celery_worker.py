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


@pytest.mark.django_db(transaction=True)
def test_sweep_remakes_thumbnails_whose_task_was_lost(
    celery_worker_process: dict[str, Any],
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from offenders.models import OffenderImage
    from offenders.tasks import images_sweep
    from tests.factories import ProfileFactory, image_on

    partnership = partnership_make("echo", "Echo BCRP")
    admin = person_in(partnership, Role.ADMIN)
    image = image_on(ProfileFactory(partnership=partnership), admin)
    # As if the broker had been down when the photo was saved: no thumbnail, task never ran.
    OffenderImage.objects.filter(pk=image.pk).update(
        processed_at=None, thumbnail="", created_at=timezone.now() - timedelta(hours=1)
    )
    assert images_sweep() == 1
    remade = wait_for(
        lambda: OffenderImage.objects.filter(pk=image.pk, processed_at__isnull=False).first()
    )
    assert remade, celery_worker_process["log"].read_text()
    assert remade.thumbnail
