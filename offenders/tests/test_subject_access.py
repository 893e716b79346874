"""Subject access exports: everything held on one person, for the owning partnership only."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.crypto import private_storage, read_encrypted
from bcrp.models import AuditEvent, User
from incidents.services import incident_link
from offenders import services as offender_services
from offenders.exports import EXPORT_KEEP_DAYS, export_build, exports_sweep, profile_document
from offenders.models import ExportStatus, SubjectAccessExport
from offenders.retention import RECYCLE_DAYS, retention_purge
from partnerships.models import Partnership
from sharing import services as sharing_services
from tests.factories import (
    ProfileFactory,
    image_on,
    incident_reported,
    membership_of,
)
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(partnership_a: Partnership, admin_a: User, member_a: User) -> Any:
    profile = ProfileFactory(
        partnership=partnership_a,
        first_name="Dean",
        last_name="Fletcher",
        aliases=["Deano"],
        notes="Known to carry a bag lined with foil.",
    )
    image_on(profile, admin_a, seed=4)
    offender_services.exclusion_issue(
        profile=profile,
        kind="warning",
        reason="Shoplifting at the Co-op",
        actor=Actor(user=admin_a),
    )
    incident = incident_reported(
        membership_of(member_a, partnership_a), description="Filled a bag with razor blades."
    )
    incident_link(incident=incident, profile=profile, actor=Actor(user=admin_a))
    return profile


def request_export(admin: User, slug: str, profile_pk: int, reference: str = "SAR-7") -> Any:
    return client_for(admin).post(
        f"/p/{slug}/profiles/{profile_pk}/export/", {"request_reference": reference}
    )


def test_an_administrator_gets_everything_held_on_the_person_as_a_zip(
    subject: Any, admin_a: User
) -> None:
    response = request_export(admin_a, "alpha", subject.pk)
    export = SubjectAccessExport.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/p/alpha/exports/{export.token}/"
    )
    client = client_for(admin_a)
    waiting = client.get(response["Location"]).content.decode()
    assert "<progress" in waiting and 'hx-trigger="every 2s"' in waiting
    assert client.get(response["Location"] + "download/").status_code == 404  # not ready yet

    assert export_build(export.pk) is True
    assert export_build(export.pk) is False  # a second delivery of the task does nothing
    export.refresh_from_db()
    assert export.status == ExportStatus.READY and export.progress == 100
    with private_storage().open(export.file) as on_disk:
        assert not on_disk.read().startswith(b"PK")  # encrypted at rest
    ready = client.get(response["Location"]).content.decode()
    assert "Download the ZIP" in ready and "every 2s" not in ready

    download = client.get(response["Location"] + "download/")
    assert download.status_code == 200
    assert download["Cache-Control"] == "private, no-store"
    assert download["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert sorted(archive.namelist()) == ["README.txt", "photos/photo-1.jpg", "profile.json"]
        document = json.loads(archive.read("profile.json"))
        readme = archive.read("README.txt").decode()
        photo = archive.read("photos/photo-1.jpg")
    assert photo == read_encrypted(subject.images.get().original)
    assert document["reference"] == subject.reference and document["aliases"] == ["Deano"]
    assert document["notes"] == "Known to carry a bag lined with foil."
    assert document["notices"][0]["reason"] == "Shoplifting at the Co-op"
    assert document["incidents"][0]["description"] == "Filled a bag with razor blades."
    assert {"profile.export_request", "incident.link"} & {h["what"] for h in document["history"]}
    assert "SAR-7" in readme
    # Staff identities are not the person's data.
    assert admin_a.email not in json.dumps(document) + readme
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"profile.export_request", "profile.export_download"} <= actions


def test_only_the_owning_partnerships_administrators_reach_an_export(
    subject: Any,
    admin_a: User,
    member_a: User,
    police_a: User,
    admin_b: User,
    outsider: User,
    partnership_a: Partnership,
    partnership_b: Partnership,
) -> None:
    # Even a peer that sees the profile through sharing is not its controller.
    sharing_services.consent_request(
        partnership=partnership_a,
        partner=partnership_b,
        agreement_reference="",
        actor=Actor(user=admin_a),
    )
    sharing_services.consent_accept(
        partnership=partnership_b, partner=partnership_a, actor=Actor(user=admin_b)
    )
    assert client_for(admin_b).get(f"/p/bravo/profiles/{subject.pk}/").status_code == 200
    assert request_export(admin_b, "bravo", subject.pk).status_code == 404
    request_export(admin_a, "alpha", subject.pk)
    export = SubjectAccessExport.objects.get()
    export_build(export.pk)
    pages = [f"/p/alpha/exports/{export.token}/", f"/p/alpha/exports/{export.token}/download/"]
    for url in pages:
        assert client_for(admin_a).get(url).status_code == 200
        assert client_for(outsider).get(url).status_code == 404
        assert client_for(admin_b).get(url).status_code == 404
        assert client_for(admin_b).get(url.replace("/alpha/", "/bravo/")).status_code == 404
        assert client_for(member_a).get(url).status_code in (403, 404)
        assert client_for(police_a).get(url).status_code in (403, 404)
    for user in (member_a, police_a):
        assert request_export(user, "alpha", subject.pk).status_code in (403, 404)
    assert SubjectAccessExport.objects.count() == 1


def test_exports_are_deleted_after_their_keeping_time_and_lost_ones_queued_again(
    subject: Any, admin_a: User
) -> None:
    request_export(admin_a, "alpha", subject.pk)
    request_export(admin_a, "alpha", subject.pk)
    old, lost = SubjectAccessExport.objects.order_by("id")
    export_build(old.pk)
    old.refresh_from_db()
    SubjectAccessExport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=EXPORT_KEEP_DAYS, minutes=1)
    )
    SubjectAccessExport.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    assert exports_sweep() == (1, [lost.pk])
    assert not private_storage().exists(old.file)
    assert list(SubjectAccessExport.objects.values_list("pk", flat=True)) == [lost.pk]


def test_a_purged_profile_takes_its_exports_with_it(
    subject: Any, admin_a: User, django_capture_on_commit_callbacks: Any
) -> None:
    request_export(admin_a, "alpha", subject.pk)
    export = SubjectAccessExport.objects.get()
    export_build(export.pk)
    export.refresh_from_db()
    offender_services.profile_archive(profile=subject, actor=Actor(user=admin_a))
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_purge(timezone.now() + timedelta(days=RECYCLE_DAYS + 1)) == 1
    assert not SubjectAccessExport.objects.exists()
    assert not private_storage().exists(export.file)


def test_a_long_request_reference_is_refused_readably(subject: Any, admin_a: User) -> None:
    client = client_for(admin_a)
    response = client.post(
        f"/p/alpha/profiles/{subject.pk}/export/", {"request_reference": "x" * 500}, follow=True
    )
    assert response.status_code == 200
    assert "at most 80 characters" in response.content.decode()
    assert not SubjectAccessExport.objects.exists()


def test_police_see_no_export_button(subject: Any, police_a: User, admin_a: User) -> None:
    assert (
        "Prepare export"
        in client_for(admin_a).get(f"/p/alpha/profiles/{subject.pk}/").content.decode()
    )
    page = client_for(police_a).get(f"/p/alpha/profiles/{subject.pk}/").content.decode()
    assert "Prepare export" not in page


def test_a_failed_export_says_so_and_what_to_do(subject: Any, admin_a: User) -> None:
    request_export(admin_a, "alpha", subject.pk)
    export = SubjectAccessExport.objects.get()
    private_storage().delete(subject.images.get().original)  # a photo file gone missing
    with pytest.raises(OSError):
        export_build(export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and export.file == ""
    page = client_for(admin_a).get(f"/p/alpha/exports/{export.token}/").content.decode()
    assert "could not be prepared" in page and "Ask again from the profile page" in page
    assert "every 2s" not in page  # no more polling
    assert client_for(admin_a).get(f"/p/alpha/exports/{export.token}/download/").status_code == 404


def test_the_export_holds_what_the_person_sent_from_the_notice_page(
    subject: Any, admin_a: User
) -> None:
    """Their own appeal and access request are the person's data too (UK GDPR Art. 15);
    who answered them is not."""
    notice = subject.notices.get()
    offender_services.subject_request_submit(
        notice=notice,
        kind="access",
        name="Dean Fletcher",
        email="dean@example.net",
        details="Everything you hold on me, please.",
        identity_note="Driving licence, will bring it in.",
        actor=Actor(user=None, ip="10.1.2.3"),
    )
    offender_services.subject_request_submit(
        notice=notice,
        kind="appeal",
        name="Dean Fletcher",
        phone="07700 900123",
        details="I was at work that afternoon.",
        actor=Actor(user=None, ip="10.1.2.3"),
    )
    document = profile_document(subject)
    kinds = [(r["kind"], r["details"]) for r in document["requests"]]
    assert kinds == [
        ("Subject access request", "Everything you hold on me, please."),
        ("Appeal", "I was at work that afternoon."),
    ]
    access = document["requests"][0]
    assert access["email"] == "dean@example.net" and access["answer_due"]
    assert access["identity_offered"] == "Driving licence, will bring it in."
    assert admin_a.email not in json.dumps(document)
