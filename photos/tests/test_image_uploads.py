"""Photo uploads through the real view: what is refused, what is stored, and how it is stored.

Every upload goes through POST /p/<slug>/profiles/<pk>/photos/ as a real person. Refused files
must leave nothing behind (no row, no file under MEDIA_ROOT, no `image.add` audit event); accepted
files are re-encoded to a metadata-free JPEG, encrypted at rest, and survive key rotation.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings
from PIL import Image, UnidentifiedImageError

from bcrp.crypto import read_encrypted
from bcrp.models import AuditEvent, User
from offenders.models import OffenderImage, OffenderProfile
from offenders.services import image_process_now
from partnerships.models import Partnership
from tests.factories import ProfileFactory, incident_reported, jpeg_bytes, membership_of
from tests.fixtures import TEST_MEDIA_ROOT, client_for

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

MIB = 1024 * 1024
JPEG_MAGIC = b"\xff\xd8\xff"
MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    b"xref\n0 4\n"
    b"0000000000 65535 f \n"
    b"0000000009 00000 n \n"
    b"0000000058 00000 n \n"
    b"0000000115 00000 n \n"
    b"trailer << /Size 4 /Root 1 0 R >>\n"
    b"startxref\n186\n%%EOF\n"
)


# --- crafted inputs -------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def bilevel_png(width: int, height: int) -> bytes:
    """A real 1-bit greyscale PNG, written by hand: all-black rows compress to almost nothing."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


@functools.cache
def noisy_jpeg() -> bytes:
    """A JPEG big enough (random pixels) that cutting it in half cuts deep into the scan data."""
    pixels = random.Random(7).randbytes(256 * 256 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (256, 256), pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    whole = noisy_jpeg()
    return whole[: len(whole) // 2]


@functools.cache
def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("payload.txt", "not a photo " * 50)
    return out.getvalue()


def jpeg_zip_polyglot() -> bytes:
    return jpeg_bytes(3) + zip_archive()


def padded_jpeg(total: int) -> bytes:
    head = jpeg_bytes(4)
    return head + b"\x00" * (total - len(head))


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel 9"  # Model
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    image = Image.new("RGB", (80, 60), (30, 120, 200))
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def half_transparent(mode: str) -> Image.Image:
    """64x64: the left half fully transparent, the right half opaque red."""
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (32, 0, 64, 64))
    if mode == "P":
        # Palette image; index 0 (from the transparent half) marked transparent in tRNS.
        paletted = Image.new("P", (64, 64), 0)
        paletted.putpalette([0, 0, 0, 255, 0, 0])
        paletted.paste(1, (32, 0, 64, 64))
        paletted.info["transparency"] = 0
        return paletted
    return image


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


# --- helpers and fixtures -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media_is_the_test_dir() -> None:
    # Everything below writes files; make sure they go to the throwaway directory.
    assert Path(settings.MEDIA_ROOT) == TEST_MEDIA_ROOT


@pytest.fixture
def profile(partnership_a: Partnership) -> OffenderProfile:
    return ProfileFactory.create(partnership=partnership_a)


@pytest.fixture
def admin_client(admin_a: User) -> Client:
    return client_for(admin_a)


def upload_url(profile: OffenderProfile) -> str:
    return f"/p/{profile.partnership.slug}/profiles/{profile.pk}/photos/"


def media_files() -> set[Path]:
    return {path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()}


def post_photos(
    client: Client, profile: OffenderProfile, *files: SimpleUploadedFile, htmx: bool = False
) -> Response:
    headers = {"HX-Request": "true"} if htmx else {}
    photos = list(files) if len(files) > 1 else files[0]
    return client.post(upload_url(profile), {"photos": photos}, headers=headers)


def jpeg_upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "image/jpeg")


def assert_nothing_stored(profile: OffenderProfile, files_before: set[Path]) -> None:
    assert not OffenderImage.objects.filter(profile=profile).exists()
    assert media_files() == files_before
    assert not AuditEvent.objects.filter(action="image.add").exists()


def only_image(profile: OffenderProfile) -> OffenderImage:
    images = list(OffenderImage.objects.filter(profile=profile))
    assert len(images) == 1, images
    return images[0]


# --- 1. refused files -----------------------------------------------------------------------

REFUSED: list[tuple[str, str, Callable[[], bytes], list[str]]] = [
    (
        "photo.jpg",
        "image/jpeg",
        lambda: MINIMAL_PDF,
        ["photo.jpg: contains an archive or document", "it was refused"],
    ),
    (
        "half.jpg",
        "image/jpeg",
        truncated_jpeg,
        ["half.jpg: is not a complete JPEG, PNG, WebP or HEIC picture"],
    ),
    (
        "bomb.png",
        "image/png",
        lambda: bilevel_png(20_000, 20_000),
        ["bomb.png: has too many pixels (the limit is 40 million)"],
    ),
    (
        "big.png",
        "image/png",
        lambda: bilevel_png(8_000, 6_000),  # 48 million: under Pillow's own limit, over ours
        ["big.png: has too many pixels (the limit is 40 million)"],
    ),
    (
        "huge.jpg",
        "image/jpeg",
        lambda: padded_jpeg(16 * MIB),
        ["huge.jpg: is 16.0 MB", "a photo can be at most 15 MB"],
    ),
    (
        "edge.jpg",
        "image/jpeg",
        lambda: padded_jpeg(15 * MIB + 1),
        ["edge.jpg: is 15.0 MB", "a photo can be at most 15 MB"],
    ),
    (
        "poly.jpg",
        "image/jpeg",
        jpeg_zip_polyglot,
        ["poly.jpg: contains an archive or document"],
    ),
]
REFUSED_IDS = [
    "pdf-renamed-jpg",
    "truncated-jpeg",
    "png-bomb-20000x20000",
    "png-48-megapixel",
    "16-MiB",
    "15-MiB-plus-1-byte",
    "jpeg-zip-polyglot",
]


def test_crafted_inputs_are_what_they_claim() -> None:
    """The refusals below mean something only if the inputs are the real thing."""
    assert MINIMAL_PDF.startswith(b"%PDF-1.4")
    with Image.open(io.BytesIO(noisy_jpeg())) as whole:
        whole.load()  # the untruncated JPEG decodes
    with Image.open(io.BytesIO(truncated_jpeg())) as half, pytest.raises(OSError):
        half.load()
    with Image.open(io.BytesIO(bilevel_png(64, 48))) as small:  # the hand-made PNG is valid
        small.load()
        assert (small.format, small.size) == ("PNG", (64, 48))
    for width, height in ((20_000, 20_000), (8_000, 6_000)):
        bomb = bilevel_png(width, height)
        assert struct.unpack(">II", bomb[16:24]) == (width, height)
        assert len(bomb) < 200_000
    polyglot = jpeg_zip_polyglot()
    assert zipfile.is_zipfile(io.BytesIO(polyglot))
    with Image.open(io.BytesIO(polyglot)) as picture:
        picture.load()
        assert picture.format == "JPEG"
    assert len(padded_jpeg(16 * MIB)) == 16 * MIB
    assert padded_jpeg(16 * MIB).startswith(JPEG_MAGIC)


@pytest.mark.parametrize(("name", "content_type", "make", "expected"), REFUSED, ids=REFUSED_IDS)
def test_refused_upload_gets_400_with_message_and_stores_nothing(
    admin_client: Client,
    profile: OffenderProfile,
    name: str,
    content_type: str,
    make: Callable[[], bytes],
    expected: list[str],
) -> None:
    before = media_files()
    response = post_photos(admin_client, profile, SimpleUploadedFile(name, make(), content_type))
    assert response.status_code == 400
    html = response.content.decode()
    for text in expected:
        assert text in html
    assert_nothing_stored(profile, before)


def test_refused_upload_over_htmx_gets_400_partial_with_message(
    admin_client: Client, profile: OffenderProfile
) -> None:
    before = media_files()
    response = post_photos(admin_client, profile, jpeg_upload(MINIMAL_PDF), htmx=True)
    assert response.status_code == 400
    assert [t.name for t in response.templates] == ["offenders/_images.html"]
    html = response.content.decode()
    assert "photo.jpg: contains an archive or document" in html
    assert "<html" not in html
    assert_nothing_stored(profile, before)


def test_valid_upload_stores_row_file_and_audit_event(
    admin_client: Client, profile: OffenderProfile
) -> None:
    """The control for assert_nothing_stored: a good photo does leave all three traces."""
    before = media_files()
    response = post_photos(admin_client, profile, jpeg_upload(jpeg_bytes(5)))
    assert response.status_code == 302
    assert response["Location"] == f"/p/alpha/profiles/{profile.pk}/"
    image = only_image(profile)
    assert media_files() - before == {Path(settings.MEDIA_ROOT) / image.original}
    assert AuditEvent.objects.filter(action="image.add").count() == 1


# --- 2. metadata is stripped ----------------------------------------------------------------


def test_gps_exif_is_stripped_from_the_served_photo(
    admin_client: Client, profile: OffenderProfile
) -> None:
    data = gps_jpeg()
    with Image.open(io.BytesIO(data)) as source:
        gps = source.getexif().get_ifd(0x8825)
        assert gps[1] == "N" and gps[3] == "W"
        assert gps[2] == (51.0, 30.0, 0.0)
    assert b"Exif" in data

    response = post_photos(admin_client, profile, jpeg_upload(data, "located.jpg"))
    assert response.status_code == 302
    image = only_image(profile)

    served = admin_client.get(f"/p/alpha/photos/{image.token}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, no-store"
    body = served.content
    assert body.startswith(JPEG_MAGIC)
    assert b"Exif" not in body
    assert b"PhoneMaker" not in body
    with Image.open(io.BytesIO(body)) as result:
        assert result.format == "JPEG"
        assert result.size == (80, 60)
        assert len(result.getexif()) == 0
        assert result.getexif().get_ifd(0x8825) == {}


# --- 3. encryption at rest and key rotation -------------------------------------------------


def test_stored_bytes_are_encrypted_and_survive_key_rotation(
    admin_client: Client, profile: OffenderProfile
) -> None:
    response = post_photos(admin_client, profile, jpeg_upload(jpeg_bytes(6)))
    assert response.status_code == 302
    image = only_image(profile)
    assert image_process_now(image.pk)  # a thumbnail too, as the worker would make it
    image.refresh_from_db()
    paths = [Path(settings.MEDIA_ROOT) / name for name in (image.original, image.thumbnail)]

    raw_before = [path.read_bytes() for path in paths]
    for raw in raw_before:
        assert not raw.startswith(JPEG_MAGIC)
        assert JPEG_MAGIC not in raw
        assert raw.startswith(b"gAAAAA")  # a Fernet token
        with pytest.raises(UnidentifiedImageError):
            Image.open(io.BytesIO(raw))
    plain_original = read_encrypted(image.original)
    assert plain_original.startswith(JPEG_MAGIC)

    old_keys = list(settings.IMAGE_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    assert new_key not in old_keys
    with override_settings(IMAGE_ENCRYPTION_KEYS=[new_key, *old_keys]):
        out = StringIO()
        call_command("images_rotate_key", stdout=out)
    assert "Re-encrypted 2 files of 1 photos." in out.getvalue()

    raw_after = [path.read_bytes() for path in paths]
    for before, after in zip(raw_before, raw_after, strict=True):
        assert after != before
        assert not after.startswith(JPEG_MAGIC)
    # Independent of the app's code: the new key alone opens the rewritten file.
    assert Fernet(new_key.encode()).decrypt(raw_after[0]) == plain_original

    with override_settings(IMAGE_ENCRYPTION_KEYS=[new_key]):
        served = admin_client.get(f"/p/alpha/photos/{image.token}/")
        thumb = admin_client.get(f"/p/alpha/photos/{image.token}/thumb/")
    assert served.status_code == 200
    assert served.content == plain_original
    with Image.open(io.BytesIO(served.content)) as result:
        result.load()
        assert result.format == "JPEG"
    assert thumb.status_code == 200
    assert thumb.content.startswith(JPEG_MAGIC)

    with override_settings(IMAGE_ENCRYPTION_KEYS=old_keys):
        for name in (image.original, image.thumbnail):
            with pytest.raises(InvalidToken):
                read_encrypted(name)


def test_key_rotation_covers_incident_photos_too(
    admin_client: Client, partnership_a: Partnership, member_a: User
) -> None:
    """Dropping the old key after a rotation must not leave any kind of stored photo unreadable."""
    incident = incident_reported(membership_of(member_a, partnership_a), photos=1)
    photo = incident.photos.get()
    names = (photo.original, photo.thumbnail, photo.received)
    paths = [Path(settings.MEDIA_ROOT) / name for name in names]
    assert all(names)
    raw_before = [path.read_bytes() for path in paths]
    plain = read_encrypted(photo.original)
    received = read_encrypted(photo.received)

    new_key = Fernet.generate_key().decode()
    with override_settings(IMAGE_ENCRYPTION_KEYS=[new_key, *settings.IMAGE_ENCRYPTION_KEYS]):
        out = StringIO()
        call_command("images_rotate_key", stdout=out)
    # The original as received is an exhibit: it is rotated with the copies.
    assert "Re-encrypted 3 files of 1 photos." in out.getvalue()

    raw_after = [path.read_bytes() for path in paths]
    assert all(after != before for before, after in zip(raw_before, raw_after, strict=True))
    assert Fernet(new_key.encode()).decrypt(raw_after[0]) == plain
    assert Fernet(new_key.encode()).decrypt(raw_after[2]) == received == jpeg_bytes(100)
    with override_settings(IMAGE_ENCRYPTION_KEYS=[new_key]):
        served = admin_client.get(f"/p/alpha/incident-photos/{photo.token}/")
    assert served.status_code == 200
    assert served.content == plain


# --- 4. duplicates --------------------------------------------------------------------------


def test_same_file_twice_is_refused_as_already_on_the_profile(
    admin_client: Client, profile: OffenderProfile
) -> None:
    data = jpeg_bytes(8)
    assert post_photos(admin_client, profile, jpeg_upload(data)).status_code == 302
    files_after_first = media_files()

    response = post_photos(admin_client, profile, jpeg_upload(data, "again.jpg"))
    assert response.status_code == 400
    assert "again.jpg: this photo is already on the profile." in response.content.decode()
    only_image(profile)
    assert media_files() == files_after_first
    assert AuditEvent.objects.filter(action="image.add").count() == 1


def test_same_file_twice_in_one_request_adds_one_and_says_why(
    admin_client: Client, profile: OffenderProfile
) -> None:
    data = jpeg_bytes(9)
    response = post_photos(
        admin_client, profile, jpeg_upload(data, "one.jpg"), jpeg_upload(data, "two.jpg"), htmx=True
    )
    assert response.status_code == 200  # one was added
    html = response.content.decode()
    assert "two.jpg: this photo is already on the profile." in html
    assert "1 photo added." in html
    only_image(profile)


# --- 5. at most ten photos ------------------------------------------------------------------


def test_more_than_ten_files_at_once_are_refused(
    admin_client: Client, profile: OffenderProfile
) -> None:
    before = media_files()
    files = [jpeg_upload(jpeg_bytes(seed), f"p{seed}.jpg") for seed in range(1, 12)]
    response = post_photos(admin_client, profile, *files)
    assert response.status_code == 400
    assert "Choose at most 10 photos at a time." in response.content.decode()
    assert_nothing_stored(profile, before)


def test_eleventh_photo_on_a_profile_is_refused(
    admin_client: Client, profile: OffenderProfile
) -> None:
    files = [jpeg_upload(jpeg_bytes(seed), f"p{seed}.jpg") for seed in range(1, 11)]
    assert post_photos(admin_client, profile, *files).status_code == 302
    assert OffenderImage.objects.filter(profile=profile).count() == 10
    before = media_files()

    response = post_photos(admin_client, profile, jpeg_upload(jpeg_bytes(11), "p11.jpg"))
    assert response.status_code == 400
    assert "A profile holds at most 10 photos; delete one first." in response.content.decode()
    assert OffenderImage.objects.filter(profile=profile).count() == 10
    assert media_files() == before
    assert AuditEvent.objects.filter(action="image.add").count() == 10


# --- 6. PNG and WebP are accepted and stored as JPEG ----------------------------------------

ACCEPTED = [
    ("rgba.png", "image/png", "PNG", lambda: encoded(half_transparent("RGBA"), "PNG"), True),
    ("palette.png", "image/png", "PNG", lambda: encoded(half_transparent("P"), "PNG"), True),
    (
        "alpha.webp",
        "image/webp",
        "WEBP",
        lambda: encoded(half_transparent("RGBA"), "WEBP", lossless=True),
        True,
    ),
    (
        "plain.webp",
        "image/webp",
        "WEBP",
        lambda: encoded(Image.new("RGB", (64, 64), (255, 0, 0)), "WEBP", quality=90),
        False,
    ),
]


@pytest.mark.parametrize(
    ("name", "content_type", "source_format", "make", "transparent_left"),
    ACCEPTED,
    ids=["png-rgba-alpha", "png-palette-trns", "webp-lossless-alpha", "webp-lossy"],
)
def test_png_and_webp_are_accepted_and_stored_as_jpeg(
    admin_client: Client,
    profile: OffenderProfile,
    name: str,
    content_type: str,
    source_format: str,
    make: Callable[[], bytes],
    transparent_left: bool,
) -> None:
    data = make()
    with Image.open(io.BytesIO(data)) as source:
        assert source.format == source_format
        if transparent_left:
            corner = source.convert("RGBA").getpixel((8, 32))
            assert isinstance(corner, tuple) and corner[3] == 0

    response = post_photos(admin_client, profile, SimpleUploadedFile(name, data, content_type))
    assert response.status_code == 302
    image = only_image(profile)
    assert (image.width, image.height) == (64, 64)

    stored = read_encrypted(image.original)
    assert stored.startswith(JPEG_MAGIC)
    served = admin_client.get(f"/p/alpha/photos/{image.token}/")
    assert served.status_code == 200
    assert served.content == stored
    with Image.open(io.BytesIO(stored)) as result:
        assert result.format == "JPEG"
        assert result.mode == "RGB"
        left = result.getpixel((8, 32))
        right = result.getpixel((56, 32))
    assert isinstance(left, tuple) and isinstance(right, tuple)
    expected_left = (255, 255, 255) if transparent_left else (255, 0, 0)
    assert all(abs(a - b) <= 12 for a, b in zip(left, expected_left, strict=True)), left
    assert all(abs(a - b) <= 12 for a, b in zip(right, (255, 0, 0), strict=True)), right


# --- 7. only administrators add photos ------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "status"),
    [("member_a", 403), ("police_a", 403), ("admin_b", 404)],
)
def test_non_admins_cannot_add_photos(
    request: pytest.FixtureRequest, profile: OffenderProfile, person: str, status: int
) -> None:
    user: User = request.getfixturevalue(person)
    before = media_files()
    response = post_photos(client_for(user), profile, jpeg_upload(jpeg_bytes(12)))
    assert response.status_code == status
    assert_nothing_stored(profile, before)


# --- 8. HEIC, as iPhones take them --------------------------------------------------------


def heic_with_gps(size: tuple[int, int] = (80, 60)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", size, (255, 0, 0)).save(out, "HEIF", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def test_heic_is_accepted_and_stored_as_a_jpeg_without_its_exif(
    admin_client: Client, profile: OffenderProfile
) -> None:
    data = heic_with_gps()
    assert data[4:12] == b"ftypheic"
    with Image.open(io.BytesIO(data)) as source:
        assert source.format == "HEIF"
        assert source.getexif().get_ifd(0x8825)[1] == "N"

    upload = SimpleUploadedFile("IMG_0042.HEIC", data, "image/heic")
    response = post_photos(admin_client, profile, upload)
    assert response.status_code == 302
    image = only_image(profile)
    stored = read_encrypted(image.original)
    assert stored.startswith(JPEG_MAGIC) and b"Exif" not in stored and b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as result:
        assert result.format == "JPEG" and result.size == (80, 60)
        red = result.getpixel((40, 30))
    assert isinstance(red, tuple) and red[0] > 230 and red[1] < 25 and red[2] < 25


def test_a_truncated_heic_is_refused_readably(
    admin_client: Client, profile: OffenderProfile
) -> None:
    before = media_files()
    data = heic_with_gps((256, 192))
    upload = SimpleUploadedFile("IMG_0043.HEIC", data[: len(data) // 2], "image/heic")
    response = post_photos(admin_client, profile, upload)
    assert response.status_code == 400
    assert "IMG_0043.HEIC: is not a complete JPEG, PNG, WebP or HEIC picture" in (
        response.content.decode()
    )
    assert_nothing_stored(profile, before)
