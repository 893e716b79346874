"""Writes of the stored-photo pipeline: thumbnails made in the background, the sweep that finds
photos whose thumbnail task was lost, and deleting stored files no row uses any more.

Each function takes the photo model (any StoredPhoto), so profiles and incidents share them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.utils import timezone

from bcrp.crypto import delete_stored, read_encrypted, rewrite_rotated, write_encrypted
from photos.images import thumbnail_make
from photos.models import StoredPhoto


def photos_requeue(model: type[StoredPhoto], task: Any, older_than: timedelta) -> int:
    """Queue `task` again for every photo row still without a thumbnail after `older_than`:
    its first task was lost with the broker or a worker."""
    stale = model._default_manager.filter(
        processed_at=None, created_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)
    count = 0
    for pk in stale.iterator():
        task.delay(pk)
        count += 1
    return count


def thumbnail_process(model: type[StoredPhoto], pk: int) -> bool:
    """Make the thumbnail of one stored photo row.

    Idempotent: a conditional UPDATE claims the row, so two workers never both keep one; True
    only for the call that made it.
    """
    photos = model._default_manager
    photo = photos.filter(pk=pk, processed_at=None).first()
    if photo is None:
        return False
    thumb = thumbnail_make(read_encrypted(photo.original))
    stored = write_encrypted(photo.original.replace(".original.bin", ".thumb.bin"), thumb)
    claimed = photos.filter(pk=pk, processed_at=None).update(
        thumbnail=stored, processed_at=timezone.now()
    )
    if not claimed:
        delete_stored(stored)
    return bool(claimed)


def photo_files_delete_unused(model: type[StoredPhoto], names: set[str]) -> None:
    """Delete stored photo files that no row of `model` uses any more (seeded networks share
    one stored portrait between many rows, so a file goes only with its last row)."""
    if not names:
        return
    photos = model._default_manager
    used = set(photos.filter(original__in=names).values_list("original", flat=True)) | set(
        photos.filter(thumbnail__in=names).values_list("thumbnail", flat=True)
    )
    for name in names - used:
        delete_stored(name)


def stored_photo_models() -> list[type[StoredPhoto]]:
    """Every kind of stored photo the installed apps keep (profile images, incident photos)."""
    return [model for model in apps.get_models() if issubclass(model, StoredPhoto)]


def photo_files_rotate(*, progress: Callable[[StoredPhoto], None] | None = None) -> int:
    """Re-encrypt every stored photo file, of every kind, under the newest key in
    IMAGE_ENCRYPTION_KEYS; returns the number of files rewritten. Safe to run again."""
    rewritten = 0
    for model in stored_photo_models():
        photos = model._default_manager.only(*model.FILE_FIELDS).order_by("pk")
        for photo in photos.iterator(chunk_size=200):
            for name in (getattr(photo, field) for field in model.FILE_FIELDS):
                if not name:
                    continue
                rewrite_rotated(name)
                rewritten += 1
            if progress is not None:
                progress(photo)
    return rewritten
