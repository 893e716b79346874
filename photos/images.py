"""Checking, cleaning and hashing uploaded photos.

A photo is judged by its content, never its name: it must decode fully as JPEG, PNG, WebP or
HEIC (what iPhones take), within the size and pixel limits, and must not carry an archive or
document inside it. What is stored is a fresh JPEG re-encoded from the pixels, so EXIF (GPS
included), ICC profiles, comments and anything appended are gone.
"""

from __future__ import annotations

import hashlib
import io
import warnings
import zipfile
from dataclasses import dataclass, field

import imagehash
import pillow_heif
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

# HEIC/HEIF through pillow-heif; no thumbnails of its own, and only the primary image is read.
pillow_heif.register_heif_opener(thumbnails=False)
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heif"}
JPEG_QUALITY = 88


@dataclass(frozen=True)
class PreparedImage:
    jpeg: bytes
    sha256: str
    phash: int
    width: int
    height: int
    # The bytes exactly as received (sha256 is theirs): kept as evidence for incident photos.
    received: bytes = field(repr=False)
    received_type: str
    received_name: str

    def row_fields(self) -> dict[str, int | str]:
        """What a stored photo row (StoredPhoto) records of it, besides the file."""
        return {
            "sha256": self.sha256,
            "phash": self.phash,
            "width": self.width,
            "height": self.height,
        }


def _reject(name: str, message: str, code: str) -> ValidationError:
    return ValidationError(f"{name}: {message}", code=code)


def _signed64(value: int) -> int:
    """PostgreSQL's bigint is signed; keep the 64 hash bits, reinterpreted."""
    return value - (1 << 64) if value >= (1 << 63) else value


def perceptual_hash(image: Image.Image) -> int:
    return _signed64(int(str(imagehash.dhash(image)), 16))


def _looks_disguised(data: bytes) -> bool:
    # A JPEG/ZIP polyglot decodes as a picture but opens as an archive; PDF readers accept a
    # header anywhere in the first kilobyte.
    return zipfile.is_zipfile(io.BytesIO(data)) or b"%PDF-" in data[:1024]


def image_prepare(upload: UploadedFile[bytes]) -> PreparedImage:
    """Validate an upload and return it re-encoded; raises ValidationError a person can act on."""
    name = upload.name or "The file"
    max_bytes = settings.IMAGE_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > max_bytes:
        size_mb = (upload.size or 0) / 1024 / 1024
        raise _reject(
            name,
            f"is {size_mb:.1f} MB; a photo can be at most {max_bytes // 1024 // 1024} MB.",
            "too_large",
        )
    upload.seek(0)
    data = upload.read()
    if _looks_disguised(data):
        raise _reject(
            name,
            "contains an archive or document as well as a picture; it was refused.",
            "disguised",
        )

    max_pixels = settings.IMAGE_MAX_PIXELS
    too_many_pixels = _reject(
        name,
        f"has too many pixels (the limit is {max_pixels // 1_000_000} million); "
        "resize it and try again.",
        "too_many_pixels",
    )
    not_a_photo = _reject(
        name,
        "is not a complete JPEG, PNG, WebP or HEIC picture (it may be damaged or another kind of "
        "file).",
        "not_an_image",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
                if probe.width * probe.height > max_pixels:
                    raise too_many_pixels
                probe.verify()
            decoded = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            received_format = str(decoded.format)
            decoded.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except ValidationError:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise not_a_photo from None

    image: Image.Image = ImageOps.exif_transpose(decoded)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    side = settings.IMAGE_MAX_SIDE
    image.thumbnail((side, side))

    out = io.BytesIO()
    # No exif= or icc_profile= arguments: the new file carries pixels only.
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return PreparedImage(
        jpeg=out.getvalue(),
        sha256=hashlib.sha256(data).hexdigest(),
        phash=perceptual_hash(image),
        width=image.width,
        height=image.height,
        received=data,
        received_type=MEDIA_TYPES.get(received_format, "application/octet-stream"),
        received_name=(upload.name or "")[-200:],
    )


def thumbnail_make(jpeg: bytes) -> bytes:
    side = settings.IMAGE_THUMBNAIL_SIDE
    with Image.open(io.BytesIO(jpeg), formats=("JPEG",)) as image:
        image.thumbnail((side, side))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()
