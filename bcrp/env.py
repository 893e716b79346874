"""Settings from environment variables; a secret may also come from a file named by NAME_FILE."""

import os
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env_str(name, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def s3_storage_from_env() -> dict[str, Any] | None:
    """The "private" storage on S3-compatible object storage when S3_ENDPOINT_URL is set."""
    endpoint_url = env_str("S3_ENDPOINT_URL")
    if not endpoint_url:
        return None
    bucket = env_str("S3_BUCKET")
    if not bucket:
        raise ImproperlyConfigured("S3_ENDPOINT_URL is set but S3_BUCKET is not.")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "endpoint_url": endpoint_url,
            "bucket_name": bucket,
            "access_key": env_str("S3_ACCESS_KEY_ID"),
            "secret_key": env_str("S3_SECRET_ACCESS_KEY"),
            "region_name": env_str("S3_REGION", "us-east-1"),
            "location": env_str("S3_PREFIX"),
            # Most S3-compatible servers (SeaweedFS, MinIO) address buckets by path, not by host.
            "addressing_style": env_str("S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            # No ACL header: objects stay as private as the bucket, and nothing links to them
            # (the files are read back only by our views).
            "default_acl": None,
            # As on the local disk, a name in use is never overwritten: two workers making the
            # same thumbnail each keep their own file, and the one that loses the claim deletes
            # only its own (photos/services.py).
            "file_overwrite": False,
        },
    }
