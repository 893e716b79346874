"""How django-axes names the account a sign-in attempt was for."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bcrp.models import address_key


def lockout_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """The e-mail address as typed, trimmed and lower-cased: "Ann@X" and "ann@x " are one
    account to the lockout, as they are to sign-in."""
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = request.POST.get("username")
    return address_key(typed)


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """The page a locked-out sign-in gets: 429, what happened, when to try again, what to do."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "lockout_minutes": minutes},
        status=429,
    )
