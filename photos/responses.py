"""Serving a stored photo's bytes, once a view has decided the person may see it."""

from __future__ import annotations

from django.http import Http404, HttpResponse

from bcrp.crypto import read_encrypted
from photos.models import StoredPhoto


def photo_response(photo: StoredPhoto, *, thumbnail: bool, filename: str) -> HttpResponse:
    """A stored photo's bytes, decrypted, never cached by browsers or proxies."""
    if thumbnail and not photo.thumbnail:
        raise Http404("The thumbnail is still being made.")
    data = read_encrypted(photo.thumbnail if thumbnail else photo.original)
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
