"""Stored files on S3-compatible object storage: a real SeaweedFS server (tests/s3.py), the
settings from S3_* variables as in production, and a real worker configured the same way.

The bucket is listed and read directly, so what is asserted is what the bucket really holds:
ciphertext only, nothing of a purged person, every file readable after a key rotation.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request
import zipfile
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from bcrp.actors import Actor
from bcrp.crypto import decrypt, private_storage, read_encrypted
from bcrp.env import s3_storage_from_env
from bcrp.models import User
from incidents.models import EvidencePack
from incidents.packs import pack_build, pack_request
from incidents.services import incident_link
from offenders import services as offender_services
from offenders.exports import export_build
from offenders.models import ExportStatus, OffenderImage, OffenderProfile, SubjectAccessExport
from offenders.retention import RECYCLE_DAYS, retention_purge
from partnerships.models import Partnership, Role
from tests.factories import (
    ProfileFactory,
    image_on,
    incident_reported,
    jpeg_bytes,
    membership_of,
    partnership_make,
    person_in,
)
from tests.fixtures import TEST_MEDIA_ROOT, client_for, wait_for
from tests.s3 import S3Server

JPEG_MAGIC = b"\xff\xd8\xff"
FERNET_PREFIX = b"gAAAAA"


def local_files() -> set[Path]:
    return {path for path in TEST_MEDIA_ROOT.rglob("*") if path.is_file()}


def assert_only_ciphertext(objects: dict[str, bytes]) -> None:
    """Every object is a Fernet token that decrypts under our keys, with no picture, PDF or ZIP
    readable in it."""
    assert objects
    for key, body in objects.items():
        assert body.startswith(FERNET_PREFIX), key
        for plain_marker in (JPEG_MAGIC, b"%PDF", b"PK\x03\x04"):
            assert plain_marker not in body, key
        assert decrypt(body)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_photo_goes_to_the_bucket_encrypted_gets_its_thumbnail_from_the_worker_and_is_served(
    s3_storage: S3Server, celery_worker_s3: dict[str, Any]
) -> None:
    partnership = partnership_make("kilo", "Kilo BCRP")
    admin = person_in(partnership, Role.ADMIN)
    profile = ProfileFactory(partnership=partnership)
    on_disk_before = local_files()
    client = client_for(admin)

    upload = SimpleUploadedFile("till.jpg", jpeg_bytes(7, size=(800, 600)), "image/jpeg")
    response = client.post(f"/p/kilo/profiles/{profile.pk}/photos/", {"photos": upload})
    assert response.status_code == 302
    image = OffenderImage.objects.get(profile=profile)

    processed = wait_for(
        lambda: OffenderImage.objects.filter(pk=image.pk, processed_at__isnull=False).first(),
        timeout=60,
    )
    assert processed, celery_worker_s3["log"].read_text()
    objects = s3_storage.objects()
    assert set(objects) == {processed.original, processed.thumbnail}
    assert_only_ciphertext(objects)
    assert local_files() == on_disk_before  # nothing of it on this machine's disk

    served = client.get(f"/p/kilo/photos/{image.token}/")
    assert served.status_code == 200
    assert served["Cache-Control"] == "private, no-store"
    assert served.content == decrypt(objects[processed.original])
    with Image.open(io.BytesIO(served.content)) as full:
        assert full.size == (800, 600)
    thumb = client.get(f"/p/kilo/photos/{image.token}/thumb/")
    assert thumb.status_code == 200
    with Image.open(io.BytesIO(thumb.content)) as small:
        assert max(small.size) == settings.IMAGE_THUMBNAIL_SIDE < 800

    # The bucket is no way round our views: its objects refuse unsigned requests.
    direct = f"{s3_storage.endpoint_url}/{s3_storage.bucket}/{processed.original}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(direct, timeout=10)  # noqa: S310 (our own test server)
    assert refused.value.code == 403
    # A person outside the partnership gets nothing either.
    outsider = person_in(partnership_make("lima", "Lima BCRP"), Role.ADMIN)
    assert client_for(outsider).get(f"/p/kilo/photos/{image.token}/").status_code == 404


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_subject_access_export_and_an_evidence_pack_are_built_by_the_worker_into_the_bucket(
    s3_storage: S3Server, celery_worker_s3: dict[str, Any]
) -> None:
    partnership = partnership_make("mike", "Mike BCRP")
    admin = person_in(partnership, Role.ADMIN)
    police = person_in(partnership, Role.POLICE)
    member = person_in(partnership, Role.MEMBER)
    subject = ProfileFactory(partnership=partnership, first_name="Dean", last_name="Fletcher")
    photo = image_on(subject, admin, seed=4)
    incident = incident_reported(
        membership_of(member, partnership), photos=1, police_reference="CR/0099/26"
    )
    incident_link(incident=incident, profile=subject, actor=Actor(user=admin))
    client = client_for(admin)

    response = client.post(
        f"/p/mike/profiles/{subject.pk}/export/", {"request_reference": "SAR-12"}
    )
    assert response.status_code == 302
    export = wait_for(
        lambda: SubjectAccessExport.objects.filter(status=ExportStatus.READY).first(), timeout=60
    )
    assert export, celery_worker_s3["log"].read_text()
    download = client.get(f"/p/mike/exports/{export.token}/download/")
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert archive.read("photos/photo-1.jpg") == read_encrypted(photo.original)

    response = client_for(police).post(f"/p/mike/incidents/{incident.pk}/pack/")
    assert response.status_code == 302
    pack = wait_for(
        lambda: EvidencePack.objects.filter(status=ExportStatus.READY).first(), timeout=60
    )
    assert pack, celery_worker_s3["log"].read_text()
    police_client = client_for(police)
    pdf = police_client.get(f"/p/mike/packs/{pack.token}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    exhibits = police_client.get(f"/p/mike/packs/{pack.token}/zip/")
    assert exhibits.status_code == 200
    with zipfile.ZipFile(io.BytesIO(exhibits.content)) as archive:
        assert any(name.startswith("exhibits/") for name in archive.namelist())

    objects = s3_storage.objects()
    assert {export.file, pack.pdf_file, pack.zip_file} <= set(objects)
    assert_only_ciphertext(objects)


@pytest.mark.django_db
def test_after_the_retention_purge_nothing_of_the_person_is_left_in_the_bucket(
    s3_storage: S3Server,
    partnership_a: Partnership,
    admin_a: User,
    member_a: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    doomed = ProfileFactory(partnership=partnership_a)
    kept = ProfileFactory(partnership=partnership_a)
    image_on(doomed, admin_a, seed=1)
    image_on(doomed, admin_a, seed=2)
    kept_image = image_on(kept, admin_a, seed=3)
    incident = incident_reported(membership_of(member_a, partnership_a), photos=1)
    incident_link(incident=incident, profile=doomed, actor=Actor(user=admin_a))
    client_for(admin_a).post(
        f"/p/alpha/profiles/{doomed.pk}/export/", {"request_reference": "SAR-3"}
    )
    export = SubjectAccessExport.objects.get(profile=doomed)
    assert export_build(export.pk)
    pack = pack_request(profile=doomed, actor=Actor(user=admin_a))
    assert pack_build(pack.pk)
    export.refresh_from_db()
    pack.refresh_from_db()
    incident_files = {
        name
        for photo in incident.photos.all()
        for name in (photo.original, photo.thumbnail, photo.received)
    }
    kept_files = {kept_image.original, kept_image.thumbnail} | incident_files
    doomed_files = set(s3_storage.objects()) - kept_files
    assert {export.file, pack.pdf_file, pack.zip_file} <= doomed_files
    assert len(doomed_files) == 2 * 2 + 3  # two photos with thumbnails, an export, a pack

    offender_services.profile_archive(profile=doomed, actor=Actor(user=admin_a))
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_purge(timezone.now() + timedelta(days=RECYCLE_DAYS + 1)) == 1

    assert not OffenderProfile.objects.filter(pk=doomed.pk).exists()
    # Listed from the bucket itself: only the other person's photo and the shop's own report.
    assert set(s3_storage.objects()) == kept_files


@pytest.mark.django_db
def test_key_rotation_rewrites_every_object_in_the_bucket(
    s3_storage: S3Server, partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    image = image_on(ProfileFactory(partnership=partnership_a), admin_a, seed=5)
    incident = incident_reported(membership_of(member_a, partnership_a), photos=1)
    photo = incident.photos.get()
    names = [image.original, image.thumbnail, photo.original, photo.thumbnail, photo.received]
    before = s3_storage.objects()
    assert set(before) == set(names)
    plain = {name: decrypt(body) for name, body in before.items()}

    old_keys = list(settings.IMAGE_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    with override_settings(IMAGE_ENCRYPTION_KEYS=[new_key, *old_keys]):
        out = StringIO()
        call_command("images_rotate_key", stdout=out)
    assert "Re-encrypted 5 files of 2 photos." in out.getvalue()

    after = s3_storage.objects()
    assert set(after) == set(names)  # rewritten in place, under the same keys
    for name in names:
        assert after[name] != before[name]
        # Independent of the app's code: the new key alone opens what the bucket now holds.
        assert Fernet(new_key.encode()).decrypt(after[name]) == plain[name]
    with override_settings(IMAGE_ENCRYPTION_KEYS=[new_key]):
        assert_only_ciphertext(after)

    client = client_for(admin_a)
    with override_settings(IMAGE_ENCRYPTION_KEYS=[new_key]):
        served = client.get(f"/p/alpha/photos/{image.token}/")
        incident_photo = client.get(f"/p/alpha/incident-photos/{photo.token}/")
    assert served.status_code == 200 and served.content == plain[image.original]
    assert incident_photo.status_code == 200 and incident_photo.content == plain[photo.original]
    with override_settings(IMAGE_ENCRYPTION_KEYS=old_keys), pytest.raises(InvalidToken):
        read_encrypted(image.original)


def test_the_private_storage_is_the_bucket_as_configured(s3_storage: S3Server) -> None:
    storage = private_storage()
    assert type(storage).__name__ == "S3Storage"
    assert storage.bucket_name == s3_storage.bucket
    # No ACL of ours ever makes an object public.
    assert storage.default_acl is None


def test_without_s3_endpoint_the_files_stay_on_the_local_disk(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("S3_ENDPOINT_URL", "S3_ENDPOINT_URL_FILE", "S3_BUCKET", "S3_BUCKET_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert s3_storage_from_env() is None

    monkeypatch.setenv("S3_ENDPOINT_URL", "http://objects.example.org")
    with pytest.raises(ImproperlyConfigured, match="S3_BUCKET is not"):
        s3_storage_from_env()

    # Container secrets come from files, as the other settings' do.
    secret = tmp_path / "s3-secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("S3_BUCKET", "bcrp-photos")
    monkeypatch.setenv("S3_SECRET_ACCESS_KEY_FILE", str(secret))
    options = (s3_storage_from_env() or {})["OPTIONS"]
    assert options["bucket_name"] == "bcrp-photos"
    assert options["secret_key"] == "from-a-file"
    assert options["file_overwrite"] is False


def test_product_code_stores_files_only_through_the_private_storage() -> None:
    """A file written through default_storage or a path of its own would stay on one machine's
    disk, unencrypted by bcrp/crypto.py, whatever S3_ENDPOINT_URL says."""
    root = Path(settings.BASE_DIR)
    apps = [
        "config",
        "bcrp",
        "photos",
        "partnerships",
        "offenders",
        "sharing",
        "incidents",
        "bulletins",
    ]
    found = []
    for path in (path for app in apps for path in (root / app).rglob("*.py")):
        if {"tests", "migrations"} & set(path.relative_to(root).parts):
            continue
        text = path.read_text()
        if "default_storage" in text or "FileSystemStorage(" in text or "MEDIA_ROOT" in text:
            found.append(str(path.relative_to(root)))
    assert found == ["config/settings.py"]  # MEDIA_ROOT: the local disk's place, when no S3
