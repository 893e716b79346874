"""Evidence packs: what the PDF says, that the ZIP holds the exhibits exactly as uploaded with
their hashes, who may reach a pack, that downloads are recorded, and that packs are deleted."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from bcrp.actors import Actor
from bcrp.crypto import encrypt, private_storage, read_encrypted
from bcrp.models import AuditEvent, User
from incidents.models import (
    EvidencePack,
    ImpactStatement,
    Incident,
    IncidentPhoto,
    WitnessStatement,
)
from incidents.packs import PACK_KEEP_DAYS, pack_build, pack_request, packs_sweep
from incidents.services import incident_link, incident_submit
from offenders.models import ExportStatus, OffenderProfile, ProfileStatus
from offenders.retention import RECYCLE_DAYS, retention_purge
from partnerships.models import Partnership
from sharing.models import ProfileGroupPermission
from tests.factories import ProfileFactory, jpeg_bytes, membership_of
from tests.fixtures import client_for, wait_for

ACCOUNT = (
    "I am the store manager. At 16:20 I saw a man fill a rucksack with coffee jars and walk "
    "past the tills without paying."
)


def png_bytes(seed: int) -> bytes:
    image = Image.new("RGB", (80, 60), (seed * 30 % 256, 90, 160))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif(seed: int) -> bytes:
    image = Image.open(io.BytesIO(jpeg_bytes(seed, size=(96, 72))))
    exif = Image.Exif()
    exif[0x0110] = "Till camera 2"  # Model: stripped from the copy members see
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def evidence_incident(
    member: User, partnership: Partnership, **fields: Any
) -> tuple[Incident, list[bytes]]:
    """An incident reported with a PNG and a JPEG carrying EXIF (so the re-encoded copies
    differ from the originals), a signed statement and an impact statement."""
    uploads = [png_bytes(1), jpeg_with_exif(2)]
    incident = incident_submit(
        membership=membership_of(member, partnership),
        fields={
            "occurred_at": timezone.now() - timedelta(days=1),
            "category": "theft",
            "description": "Took coffee jars.",
            "value_lost": 54,
            "value_recovered": 0,
            "police_reference": "CR/0412/25",
            **fields,
        },
        premises=None,
        photos=[
            SimpleUploadedFile("till-cam.png", uploads[0], "image/png"),
            SimpleUploadedFile("door-cam.jpg", uploads[1], "image/jpeg"),
        ],
        actor=Actor(user=member, partnership=partnership),
    )
    WitnessStatement.objects.create(
        incident=incident,
        maker=member,
        name="Jane Smith",
        occupation="Store manager",
        exhibit_prefix="JS",
        account=ACCOUNT,
        signed_name="Jane Smith",
        signed_at=timezone.now(),
        signed_by=member,
    )
    ImpactStatement.objects.create(
        incident=incident,
        maker=member,
        effect_on_staff="The new cashier no longer works evenings.",
        effect_on_business="We now lock the coffee away.",
    )
    return incident, uploads


def pdf_lines(data: bytes) -> str:
    """The PDF's text as a reader extracts it, line breaks where the page has them."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_text(data: bytes) -> str:
    """The PDF's text with wrapped lines joined, to find sentences."""
    return " ".join(pdf_lines(data).split())


def built(pack: EvidencePack) -> EvidencePack:
    assert pack_build(pack.pk) is True
    pack.refresh_from_db()
    assert pack.status == ExportStatus.READY, pack.error
    return pack


@pytest.fixture
def evidence(partnership_a: Partnership, member_a: User) -> tuple[Incident, list[bytes]]:
    return evidence_incident(member_a, partnership_a)


def test_the_pdf_holds_the_crime_reference_statement_exhibits_and_their_full_hashes(
    evidence: tuple[Incident, list[bytes]], police_a: User, admin_a: User
) -> None:
    incident, uploads = evidence
    profile = ProfileFactory(partnership=incident.partnership, first_name="Dean", last_name="Fox")
    incident_link(incident=incident, profile=profile, actor=Actor(user=admin_a))
    pack = built(
        pack_request(
            incident=incident, actor=Actor(user=police_a, partnership=incident.partnership)
        )
    )
    lines = pdf_lines(pack_pdf(pack))
    text = pdf_text(pack_pdf(pack))
    assert "CR/0412/25" in text
    assert "the tills without paying" in text and "Jane Smith" in text
    assert "for the police and the partnership's administrators only" in text
    assert "The new cashier no longer works evenings." in text
    assert f"{profile.reference} Dean Fox" in text
    for number, data in enumerate(uploads, 1):
        digest = hashlib.sha256(data).hexdigest()
        assert f"JS/{number}" in text
        # Whole on one line of the page, as a reader extracts it.
        assert f"JS/{number} SHA-256 {digest}" in lines.splitlines(), f"JS/{number}"
    assert "Uploaded with the report" in text and "Put in evidence pack" in text
    assert "(this pack)" in text


def pack_pdf(pack: EvidencePack) -> bytes:
    return read_encrypted(pack.pdf_file)


def pack_zip(pack: EvidencePack) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(read_encrypted(pack.zip_file)))


def test_the_zip_holds_the_exhibits_exactly_as_uploaded_with_their_hashes(
    evidence: tuple[Incident, list[bytes]], admin_a: User, tmp_path: Path
) -> None:
    incident, uploads = evidence
    pack = built(pack_request(incident=incident, actor=Actor(user=admin_a)))
    with pack_zip(pack) as archive:
        names = sorted(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        archive.extractall(tmp_path)
    assert names == [
        "README.txt",
        "evidence-pack.pdf",
        "exhibits/JS-1.png",
        "exhibits/JS-2.jpg",
        "manifest.json",
        "manifest.sha256",
    ]
    photos = list(IncidentPhoto.objects.filter(incident=incident).order_by("id"))
    for entry, data, photo in zip(manifest["exhibits"], uploads, photos, strict=True):
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        # Not the copy members see: that one was re-encoded, EXIF and all removed.
        reencoded = read_encrypted(photo.original)
        assert reencoded != data
        assert entry["sha256"] != hashlib.sha256(reencoded).hexdigest()
        assert (tmp_path / entry["file"]).read_bytes() == data
        assert entry["size"] == len(data)
    assert [e["received_name"] for e in manifest["exhibits"]] == ["till-cam.png", "door-cam.jpg"]
    pdf = (tmp_path / "evidence-pack.pdf").read_bytes()
    assert pdf == pack_pdf(pack)
    assert manifest["pdf"]["sha256"] == hashlib.sha256(pdf).hexdigest()
    # Anyone can check the pack with the standard tool.
    check = subprocess.run(
        ["sha256sum", "-c", "manifest.sha256"], cwd=tmp_path, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == 3
    # Both files are stored encrypted.
    for name in (pack.pdf_file, pack.zip_file):
        with private_storage().open(name) as stored:
            head = stored.read(4)
        assert head not in (b"%PDF", b"PK\x03\x04")


def test_building_twice_is_safe(evidence: tuple[Incident, list[bytes]], admin_a: User) -> None:
    incident, _ = evidence
    pack = built(pack_request(incident=incident, actor=Actor(user=admin_a)))
    files = (pack.pdf_file, pack.zip_file)
    assert pack_build(pack.pk) is False
    pack.refresh_from_db()
    assert (pack.pdf_file, pack.zip_file) == files and pack.status == ExportStatus.READY


def test_an_original_that_no_longer_matches_its_hash_fails_the_pack_loudly(
    evidence: tuple[Incident, list[bytes]], admin_a: User
) -> None:
    incident, _ = evidence
    photo = IncidentPhoto.objects.filter(incident=incident).order_by("id").last()
    assert photo is not None
    with private_storage().open(photo.received, "wb") as stored:
        stored.write(encrypt(b"something else entirely"))
    pack = pack_request(incident=incident, actor=Actor(user=admin_a))
    with pytest.raises(Exception, match="does not match"):
        pack_build(pack.pk)
    pack.refresh_from_db()
    assert pack.status == ExportStatus.FAILED and "JS/2" in pack.error
    assert not pack.pdf_file and not pack.zip_file
    page = client_for(admin_a).get(f"/p/alpha/packs/{pack.token}/").content.decode()
    assert "could not be built" in page and "JS/2" in page


def test_an_unsigned_statement_is_printed_as_a_draft(
    partnership_a: Partnership, member_a: User, admin_a: User
) -> None:
    incident, _ = evidence_incident(member_a, partnership_a)
    WitnessStatement.objects.filter(incident=incident).delete()
    WitnessStatement.objects.create(
        incident=incident, maker=member_a, name="Jane Smith", exhibit_prefix="JS", account=ACCOUNT
    )
    text = pdf_text(pack_pdf(built(pack_request(incident=incident, actor=Actor(user=admin_a)))))
    assert "No signed statement" in text and "DRAFT" in text


def test_a_linked_profile_the_requester_may_not_see_is_not_named(
    evidence: tuple[Incident, list[bytes]], police_a: User, admin_a: User
) -> None:
    incident, _ = evidence
    seen = ProfileFactory(partnership=incident.partnership, first_name="Dean", last_name="Fox")
    hidden = ProfileFactory(
        partnership=incident.partnership, first_name="Zebedee", last_name="Quill"
    )
    for profile in (seen, hidden):
        incident_link(incident=incident, profile=profile, actor=Actor(user=admin_a))
    # The officers' group loses sight of one profile (as the sharing rule's rows would say).
    ProfileGroupPermission.objects.filter(
        content_object=hidden, group_id=incident.partnership.police_group_id
    ).delete()
    text = pdf_text(pack_pdf(built(pack_request(incident=incident, actor=Actor(user=police_a)))))
    assert "Dean Fox" in text
    assert "Zebedee" not in text and "Quill" not in text and hidden.reference not in text
    assert "A profile you cannot see" in text
    # The administrator, who sees both, gets both named.
    text = pdf_text(pack_pdf(built(pack_request(incident=incident, actor=Actor(user=admin_a)))))
    assert "Zebedee Quill" in text


def test_a_profile_pack_covers_its_incidents_in_this_partnership(
    partnership_a: Partnership, member_a: User, admin_a: User, police_a: User
) -> None:
    profile = ProfileFactory(partnership=partnership_a, first_name="Dean", last_name="Fox")
    references = []
    for n in range(2):
        incident, _ = evidence_incident(member_a, partnership_a, police_reference=f"CR/{n}/25")
        incident_link(incident=incident, profile=profile, actor=Actor(user=admin_a))
        references.append(incident.police_reference)
    client = client_for(police_a)
    response = client.post(f"/p/alpha/profiles/{profile.pk}/pack/")
    pack = EvidencePack.objects.get(profile=profile)
    assert response.status_code == 302 and response["Location"] == f"/p/alpha/packs/{pack.token}/"
    built(pack)
    text = pdf_text(pack_pdf(pack))
    assert all(reference in text for reference in references)
    assert f"Profile {profile.reference}" in text and "Incident 2 of 2" in text
    with pack_zip(pack) as archive:
        exhibits = [n for n in archive.namelist() if n.startswith("exhibits/")]
    assert len(exhibits) == 4 and len(set(exhibits)) == 4


def test_only_the_partnerships_administrators_and_police_reach_a_pack(
    evidence: tuple[Incident, list[bytes]],
    admin_a: User,
    member_a: User,
    police_a: User,
    admin_b: User,
    outsider: User,
    partnership_b: Partnership,
) -> None:
    incident, _ = evidence
    profile = ProfileFactory(partnership=incident.partnership)
    incident_link(incident=incident, profile=profile, actor=Actor(user=admin_a))
    response = client_for(police_a).post(f"/p/alpha/incidents/{incident.pk}/pack/")
    pack = built(EvidencePack.objects.get())
    assert response["Location"] == f"/p/alpha/packs/{pack.token}/"
    reads = [f"/p/alpha/packs/{pack.token}/{tail}" for tail in ("", "pdf/", "zip/")]
    builds = [f"/p/alpha/incidents/{incident.pk}/pack/", f"/p/alpha/profiles/{profile.pk}/pack/"]
    for user in (admin_a, police_a):
        assert all(client_for(user).get(url).status_code == 200 for url in reads)
    member = client_for(member_a)
    assert [member.get(url).status_code for url in reads] == [403, 403, 403]
    assert [member.post(url).status_code for url in builds] == [403, 403]
    for stranger in (admin_b, outsider):
        client = client_for(stranger)
        assert {client.get(url).status_code for url in reads} == {404}
        assert {client.post(url).status_code for url in builds} == {404}
    # Under their own slug, a peer's administrator finds nothing of ours either.
    peer = client_for(admin_b)
    assert peer.get(f"/p/bravo/packs/{pack.token}/pdf/").status_code == 404
    assert peer.post(f"/p/bravo/incidents/{incident.pk}/pack/").status_code == 404
    assert peer.post(f"/p/bravo/profiles/{profile.pk}/pack/").status_code == 404
    assert EvidencePack.objects.count() == 1


def test_a_peers_shared_profile_gets_no_pack_here(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> None:
    from sharing import services as sharing_services

    sharing_services.consent_request(
        partnership=partnership_a,
        partner=partnership_b,
        agreement_reference="",
        actor=Actor(user=admin_a),
    )
    sharing_services.consent_accept(
        partnership=partnership_b, partner=partnership_a, actor=Actor(user=admin_b)
    )
    theirs = ProfileFactory(partnership=partnership_b)
    client = client_for(admin_a)
    assert client.get(f"/p/alpha/profiles/{theirs.pk}/").status_code == 200
    assert client.post(f"/p/alpha/profiles/{theirs.pk}/pack/").status_code == 404


def test_downloads_are_not_stored_and_are_on_the_record_and_in_the_next_continuity_log(
    evidence: tuple[Incident, list[bytes]], police_a: User, admin_a: User
) -> None:
    incident, _ = evidence
    pack = built(pack_request(incident=incident, actor=Actor(user=police_a)))
    client = client_for(police_a)
    page = client.get(f"/p/alpha/packs/{pack.token}/").content.decode()
    assert "Download the PDF" in page and "Download the ZIP" in page
    for kind, content_type in (("pdf", "application/pdf"), ("zip", "application/zip")):
        response = client.get(f"/p/alpha/packs/{pack.token}/{kind}/")
        assert response.status_code == 200 and response["Content-Type"] == content_type
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Disposition"].endswith(f'.{kind}"')
    downloads = AuditEvent.objects.filter(action="pack.download").order_by("id")
    assert [(e.actor_id, e.detail) for e in downloads] == [
        (police_a.pk, {"pack_id": pack.pk, "file": "pdf"}),
        (police_a.pk, {"pack_id": pack.pk, "file": "zip"}),
    ]
    # A photo opened full size, then a second pack: its log lists the view and the downloads.
    photo = incident.photos.order_by("id").first()
    assert photo is not None
    assert client_for(admin_a).get(f"/p/alpha/incident-photos/{photo.token}/").status_code == 200
    later = built(pack_request(incident=incident, actor=Actor(user=admin_a)))
    text = pdf_text(pack_pdf(later))
    assert "Viewed full size" in text
    assert f"Evidence pack {pack.pk} downloaded (PDF)" in text
    assert f"Evidence pack {pack.pk} downloaded (ZIP)" in text


def test_the_page_shows_progress_and_the_step_while_the_pack_is_built(
    evidence: tuple[Incident, list[bytes]], admin_a: User
) -> None:
    incident, _ = evidence
    pack = pack_request(incident=incident, actor=Actor(user=admin_a))
    EvidencePack.objects.filter(pk=pack.pk).update(
        status=ExportStatus.RUNNING, progress=40, step="Incident 1 of 1: exhibit JS/2"
    )
    client = client_for(admin_a)
    page = client.get(f"/p/alpha/packs/{pack.token}/").content.decode()
    assert '<progress value="40"' in page and "exhibit JS/2" in page and "hx-trigger" in page
    partial = client.get(f"/p/alpha/packs/{pack.token}/", headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<section id="pack-status"')
    for kind in ("pdf", "zip"):
        assert client.get(f"/p/alpha/packs/{pack.token}/{kind}/").status_code == 404


def test_packs_are_deleted_with_their_files_seven_days_after_completion(
    evidence: tuple[Incident, list[bytes]],
    admin_a: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    incident, _ = evidence
    old = built(pack_request(incident=incident, actor=Actor(user=admin_a)))
    recent = built(pack_request(incident=incident, actor=Actor(user=admin_a)))
    lost = pack_request(incident=incident, actor=Actor(user=admin_a))
    EvidencePack.objects.filter(pk=old.pk).update(
        completed_at=timezone.now() - timedelta(days=PACK_KEEP_DAYS, minutes=1)
    )
    EvidencePack.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        deleted, requeue = packs_sweep()
    assert deleted == 1 and requeue == [lost.pk]
    assert not EvidencePack.objects.filter(pk=old.pk).exists()
    assert not private_storage().exists(old.pdf_file) and not private_storage().exists(old.zip_file)
    assert private_storage().exists(recent.pdf_file) and private_storage().exists(recent.zip_file)


def test_a_purged_profiles_packs_and_a_deleted_incidents_packs_go_with_their_files(
    evidence: tuple[Incident, list[bytes]],
    admin_a: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    incident, _ = evidence
    profile = ProfileFactory(partnership=incident.partnership)
    incident_link(incident=incident, profile=profile, actor=Actor(user=admin_a))
    of_profile = built(pack_request(profile=profile, actor=Actor(user=admin_a)))
    OffenderProfile.objects.filter(pk=profile.pk).update(
        status=ProfileStatus.ARCHIVED, archived_at=timezone.now() - timedelta(days=RECYCLE_DAYS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_purge() == 1
    assert not EvidencePack.objects.filter(pk=of_profile.pk).exists()
    assert not private_storage().exists(of_profile.pdf_file)
    assert not private_storage().exists(of_profile.zip_file)

    again = ProfileFactory(partnership=incident.partnership)
    incident_link(incident=incident, profile=again, actor=Actor(user=admin_a))
    packs = [
        built(pack_request(incident=incident, actor=Actor(user=admin_a))),
        built(pack_request(profile=again, actor=Actor(user=admin_a))),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        Incident.objects.filter(pk=incident.pk).delete()
    assert not EvidencePack.objects.exists()
    for pack in packs:
        assert not private_storage().exists(pack.pdf_file)
        assert not private_storage().exists(pack.zip_file)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_builds_the_pack(celery_worker_process: dict[str, Any]) -> None:
    from partnerships.models import Role
    from tests.factories import partnership_make, person_in

    partnership = partnership_make("hotel", "Hotel BCRP")
    member = person_in(partnership, Role.MEMBER)
    police = person_in(partnership, Role.POLICE)
    incident, uploads = evidence_incident(member, partnership)
    response = client_for(police).post(f"/p/hotel/incidents/{incident.pk}/pack/")
    assert response.status_code == 302
    ready = wait_for(
        lambda: EvidencePack.objects.filter(status=ExportStatus.READY).first(), timeout=60
    )
    assert ready, celery_worker_process["log"].read_text()
    with pack_zip(ready) as archive:
        assert archive.read("exhibits/JS-1.png") == uploads[0]
    assert "CR/0412/25" in pdf_text(pack_pdf(ready))


def test_a_pack_asked_for_by_someone_who_has_since_left_is_not_built(
    evidence: tuple[Incident, list[bytes]], police_a: User, admin_a: User
) -> None:
    from partnerships.services import membership_end

    incident, _ = evidence
    pack = pack_request(incident=incident, actor=Actor(user=police_a))
    membership_end(
        membership=membership_of(police_a, incident.partnership), actor=Actor(user=admin_a)
    )
    with pytest.raises(Exception, match="no longer holds a role"):
        pack_build(pack.pk)
    pack.refresh_from_db()
    assert pack.status == ExportStatus.FAILED and not pack.pdf_file
