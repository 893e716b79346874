"""The fields every stored photo row has, whatever it is a photo of."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class StoredPhoto(models.Model):
    """A photo re-encoded without metadata, stored encrypted, and addressed only by `token`,
    a random string, so that nothing in a photo URL can be guessed."""

    token = models.CharField(max_length=43, unique=True, editable=False)
    original = models.CharField("stored image", max_length=200, editable=False)
    thumbnail = models.CharField("stored thumbnail", max_length=200, blank=True, editable=False)
    sha256 = models.CharField("SHA-256 of the upload", max_length=64, editable=False)
    phash = models.BigIntegerField("perceptual hash", null=True, blank=True, editable=False)
    width = models.PositiveIntegerField("width")
    height = models.PositiveIntegerField("height")
    created_at = models.DateTimeField("uploaded", default=timezone.now)
    processed_at = models.DateTimeField("thumbnail made", null=True, blank=True)

    # The fields naming stored files, every one encrypted (key rotation rewrites them all).
    FILE_FIELDS: tuple[str, ...] = ("original", "thumbnail")

    class Meta:
        abstract = True
