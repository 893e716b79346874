"""Encryption at rest for stored files (offender and incident images).

Fernet (AES-128-CBC with HMAC-SHA256) through MultiFernet: the first key in
IMAGE_ENCRYPTION_KEYS encrypts, every key decrypts, and `rotate` re-encrypts under the first.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

__all__ = ["InvalidToken", "decrypt", "encrypt", "read_encrypted", "rotate", "write_encrypted"]


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
    return default_storage.save(name, ContentFile(encrypt(data)))


def read_encrypted(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return decrypt(handle.read())
