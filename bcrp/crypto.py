"""Encryption at rest for stored files (photos, exports, evidence packs), all kept in the
"private" storage (local disk or S3-compatible), which only ever holds ciphertext.

Fernet (AES-128-CBC with HMAC-SHA256) through MultiFernet: the first key in
IMAGE_ENCRYPTION_KEYS encrypts, every key decrypts, and `rotate` re-encrypts under the first.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

__all__ = [
    "InvalidToken",
    "decrypt",
    "delete_stored",
    "encrypt",
    "private_storage",
    "read_encrypted",
    "rewrite_rotated",
    "rotate",
    "write_encrypted",
]

# The storage alias (settings.STORAGES) of every file the application keeps.
PRIVATE_STORAGE = "private"


def private_storage() -> Storage:
    return storages[PRIVATE_STORAGE]


def _fernet() -> MultiFernet:
    keys = settings.IMAGE_ENCRYPTION_KEYS
    if not keys:
        raise RuntimeError("IMAGE_ENCRYPTION_KEYS is empty: images cannot be stored.")
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    return _fernet().decrypt(token)


def rotate(token: bytes) -> bytes:
    return _fernet().rotate(token)


def write_encrypted(name: str, data: bytes) -> str:
    """Store `data` encrypted under `name`; returns the name the storage actually used."""
    return private_storage().save(name, ContentFile(encrypt(data)))


def read_encrypted(name: str) -> bytes:
    with private_storage().open(name, "rb") as handle:
        return decrypt(handle.read())


def rewrite_rotated(name: str) -> None:
    """Re-encrypt one stored file in place under the newest key (same name, so no row changes)."""
    storage = private_storage()
    with storage.open(name, "rb") as handle:
        rotated = rotate(handle.read())
    with storage.open(name, "wb") as handle:
        handle.write(rotated)


def delete_stored(name: str) -> None:
    private_storage().delete(name)
