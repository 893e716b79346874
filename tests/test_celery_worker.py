"""A real task through a real worker on the real broker: the invitation e-mail."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from partnerships.models import Invitation, Membership, Role
from tests.factories import PASSWORD, partnership_make, person_in
from tests.fixtures import wait_for

pytestmark = pytest.mark.worker


@pytest.mark.django_db(transaction=True)
def test_invitation_email_is_sent_by_the_worker_and_its_link_works(
    celery_worker_process: dict[str, Any],
) -> None:
    partnership = partnership_make("delta", "Delta BCRP")
    admin = person_in(partnership, Role.ADMIN, email="admin.delta@example.org")
    client = Client()
    assert client.login(request=HttpRequest(), username=admin.email, password=PASSWORD)

    response = client.post(
        "/p/delta/people/invite/", {"email": "New.Officer@Example.org", "role": "police"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(partnership=partnership)
    assert invitation.email == "new.officer@example.org"

    sent = wait_for(lambda: Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=False))
    assert sent, celery_worker_process["log"].read_text()
    # The worker is shared by the session: other tests' invitations may be in its mail folder.
    messages = [path.read_text() for path in celery_worker_process["mail_dir"].glob("*.log")]
    body = "".join(text for text in messages if "new.officer@example.org" in text)
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
    log = celery_worker_process["log"]

    def image_tasks(state: str) -> int:
        lines = log.read_text().splitlines()
        return sum("offenders.tasks.image_process[" in line and state in line for line in lines)

    received = image_tasks("received")
    image = image_on(ProfileFactory(partnership=partnership), admin)
    # The upload's own task must have run first: on a busy machine it could otherwise run
    # after the reset below and make the thumbnail before the sweep looks.
    assert wait_for(
        lambda: (
            image_tasks("received") > received
            and image_tasks("succeeded") == image_tasks("received")
        )
    ), log.read_text()
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


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_daily_retention_sweep(
    celery_worker_process: dict[str, Any],
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from offenders.models import OffenderProfile
    from offenders.tasks import retention_sweep
    from tests.factories import ProfileFactory

    partnership = partnership_make("foxtrot", "Foxtrot BCRP")
    stale = ProfileFactory(partnership=partnership)
    OffenderProfile.objects.filter(pk=stale.pk).update(
        last_activity_at=timezone.now() - timedelta(days=400)
    )
    retention_sweep.delay()
    archived = wait_for(lambda: OffenderProfile.objects.filter(pk=stale.pk, status="archived"))
    assert archived, celery_worker_process["log"].read_text()
    assert AuditEvent.objects.filter(action="profile.archive_retention").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_forgotten_password_link_is_mailed_by_the_worker_and_works(
    celery_worker_process: dict[str, Any],
) -> None:
    person = person_in(partnership_make("golf", "Golf BCRP"), Role.MEMBER, email="tills@x.org")
    response = Client().post("/password-reset/", {"email": "tills@x.org"})
    assert response.status_code == 302

    def link() -> str:
        for path in celery_worker_process["mail_dir"].glob("*.log"):
            for line in path.read_text().splitlines():
                if "tills@x.org" in path.read_text() and "/password-reset/" in line:
                    return line[line.index("/password-reset/") :].strip()
        return ""

    path = wait_for(link)
    assert path, celery_worker_process["log"].read_text()
    client = Client()
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    new = "another-long-pass-phrase"
    done = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    signed_in = Client()
    assert signed_in.login(request=HttpRequest(), username=person.email, password=new)


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_weekly_digest_beat_asks_for(
    celery_worker_process: dict[str, Any],
) -> None:
    from django.conf import settings

    from bulletins.models import BulletinDigest
    from config.celery import app
    from offenders import services as offender_services
    from offenders.models import ProfileStatus
    from tests.factories import GalleryFactory, ProfileFactory

    partnership = partnership_make("hotel", "Hotel BCRP")
    admin = person_in(partnership, Role.ADMIN)
    person_in(partnership, Role.MEMBER, email="tills@hotel.example.org")
    sought = ProfileFactory(
        partnership=partnership,
        first_name="Sid",
        last_name="Sought",
        status=ProfileStatus.ID_SOUGHT,
    )
    offender_services.placement_add(
        profile=sought, gallery=GalleryFactory(partnership=partnership), actor=Actor(user=admin)
    )
    # What beat sends on Monday morning: the task by the name in its schedule.
    app.send_task(settings.CELERY_BEAT_SCHEDULE["bulletin-digest-weekly"]["task"])
    sent = wait_for(lambda: BulletinDigest.objects.filter(partnership=partnership).first())
    assert sent, celery_worker_process["log"].read_text()
    body = "".join(path.read_text() for path in celery_worker_process["mail_dir"].glob("*.log"))
    assert "tills@hotel.example.org" in body and "Sid Sought" in body


def _use_broker(url: str) -> None:
    """Point the app's publishers at `url` (forgetting pooled connections to the old one)."""
    from config.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_report_with_photos_is_saved_while_the_broker_is_down_and_swept_later(
    celery_worker_process: dict[str, Any], tmp_path: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from config.celery import app
    from incidents.models import Incident, IncidentPhoto
    from incidents.tasks import incident_photos_sweep
    from tests.factories import jpeg_bytes

    partnership = partnership_make("foxtrot", "Foxtrot BCRP")
    member = person_in(partnership, Role.MEMBER, email="member.foxtrot@example.org")
    client = Client()
    assert client.login(request=HttpRequest(), username=member.email, password=PASSWORD)
    working_broker = app.conf.broker_url
    _use_broker(f"redis+socket://{tmp_path}/nobody-listens-here.sock")
    try:
        response = client.post(
            "/p/foxtrot/incidents/new/",
            {
                "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "category": "violence",
                "description": "Pushed a member of staff.",
                "value_lost": "0",
                "value_recovered": "0",
                "photos": [
                    SimpleUploadedFile(f"cctv{n}.jpg", jpeg_bytes(n), "image/jpeg") for n in (1, 2)
                ],
            },
            follow=True,
        )
    finally:
        _use_broker(working_broker)
    assert response.status_code == 200
    assert "Report saved" in response.content.decode()
    incident = Incident.objects.get(partnership=partnership)
    assert incident.photos.count() == 2
    assert not IncidentPhoto.objects.filter(incident=incident, processed_at__isnull=False).exists()

    # The broker is back: the sweep finds the photos nobody processed, the worker does them.
    assert incident_photos_sweep(older_than=0) == 2
    done = wait_for(
        lambda: (
            IncidentPhoto.objects.filter(incident=incident, processed_at__isnull=False).count() == 2
        )
    )
    assert done, celery_worker_process["log"].read_text()
