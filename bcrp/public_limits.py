"""Limits on the pages anyone may open without signing in (a notice's public page, a scheme's
privacy notice), counted per client address in Redis by django-ratelimit, so every web node
shares one count."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_ratelimit.core import is_ratelimited

from bcrp.actors import client_ip


def public_client_key(group: str, request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def over_hourly_limit(request: HttpRequest, group: str, per_hour: int) -> bool:
    """Counts this request against the address's hourly allowance for `group`; True once
    the allowance is spent."""
    limited: bool = is_ratelimited(
        request, group=group, key=public_client_key, rate=f"{per_hour}/h", increment=True
    )
    return limited


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """The 429 page, saying when to try again."""
    # A fixed window of an hour: it has ended by this time at the latest.
    again = timezone.localtime() + timedelta(hours=1)
    response = render(request, "public/too_many.html", {"again": again}, status=429)
    response["Retry-After"] = "3600"
    return response
