"""Evidence at upload: each incident photo keeps the bytes exactly as received, encrypted, with
their SHA-256, type, name and size, beside the re-encoded copy members see."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from bcrp.crypto import read_encrypted
from bcrp.models import User
from incidents.models import Incident, IncidentPhoto
from partnerships.models import Partnership
from tests.factories import jpeg_bytes
from tests.fixtures import TEST_MEDIA_ROOT, client_for

EXIF_MAKE, EXIF_ORIENTATION = 0x010F, 0x0112


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (40, 30), (10, 120, 200, 128)).save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    """A phone's JPEG: camera make and a rotation in EXIF, which re-encoding does not keep."""
    exif = Image.Exif()
    exif[EXIF_MAKE] = "TillCam"
    exif[EXIF_ORIENTATION] = 6
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def report(**extra: Any) -> dict[str, Any]:
    return {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "category": "theft",
        "description": "Took razor blades.",
        "value_lost": "20",
        "value_recovered": "0",
        **extra,
    }


def stored_files() -> set[str]:
    return {str(p) for p in TEST_MEDIA_ROOT.rglob("*") if p.is_file()}


def test_received_bytes_are_kept_exactly_with_their_hash_type_name_and_size(
    partnership_a: Partnership, member_a: User
) -> None:
    uploads = {"till-cam.png": png_bytes(), "phone photo.jpg": jpeg_with_exif()}
    response = client_for(member_a).post(
        "/p/alpha/incidents/new/",
        report(
            photos=[
                SimpleUploadedFile(name, data, "application/octet-stream")
                for name, data in uploads.items()
            ]
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    photos = list(Incident.objects.get().photos.order_by("pk"))
    assert [p.received_name for p in photos] == list(uploads)
    assert [p.received_type for p in photos] == ["image/png", "image/jpeg"]
    for photo, sent in zip(photos, uploads.values(), strict=True):
        received = read_encrypted(photo.received)
        assert received == sent
        assert photo.received_size == len(sent)
        assert photo.sha256 == hashlib.sha256(sent).hexdigest()
        # Stored encrypted: the file on disk is not the picture.
        assert sent not in (TEST_MEDIA_ROOT / photo.received).read_bytes()
        copy = read_encrypted(photo.original)
        assert copy != sent
        assert hashlib.sha256(copy).hexdigest() != photo.sha256
    with Image.open(io.BytesIO(read_encrypted(photos[1].received))) as kept:
        assert kept.getexif()[EXIF_MAKE] == "TillCam"


def test_a_refused_photo_among_good_ones_leaves_no_received_file(
    partnership_a: Partnership, member_a: User
) -> None:
    before = stored_files()
    response = client_for(member_a).post(
        "/p/alpha/incidents/new/",
        report(
            photos=[
                SimpleUploadedFile("good.jpg", jpeg_bytes(5), "image/jpeg"),
                SimpleUploadedFile("also-good.png", png_bytes(), "image/png"),
                SimpleUploadedFile("still.jpg", b"MZ\x90\x00 a program, not a still", "image/jpeg"),
            ]
        ),
    )
    assert response.status_code == 400
    assert "still.jpg" in response.content.decode()
    assert not Incident.objects.exists() and not IncidentPhoto.objects.exists()
    # Nothing new on disk: no copy, no thumbnail, no original as received.
    assert stored_files() == before
