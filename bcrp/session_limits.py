"""How long a sign-in lasts: at most so long after signing in, and ended after so long without
a request. Members, often at a shared till, get the shorter limits (settings.MEMBER_SESSION_*,
shortened by their partnership's setting); administrators, police and operators ADMIN_SESSION_*.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.module_loading import import_string

from bcrp.actors import Actor
from bcrp.audit import audit_record
from bcrp.models import User
from bcrp.roles import MEMBER, user_roles

SIGNED_IN_AT = "limits_signed_in_at"
MAX_AGE = "limits_max_age"
IDLE = "limits_idle"
SEEN_AT = "limits_seen_at"
# The time of the last request is saved at most once a minute (more often for an idle limit
# under four minutes), not on every request: a sign-in may end up to that much early.
SEEN_SAVE_INTERVAL = 60.0


@dataclass(frozen=True)
class SessionLimits:
    max_age: timedelta
    idle: timedelta


def member_max_age(user: User) -> timedelta:
    """The platform's limit for members, shortened to what the person's partnerships set
    (the function settings.MEMBER_SESSION_HOURS_FUNCTION names answers, in hours)."""
    hours_of: Callable[..., int | None] = import_string(settings.MEMBER_SESSION_HOURS_FUNCTION)
    hours = hours_of(user=user)
    ceiling: timedelta = settings.MEMBER_SESSION_MAX_AGE
    return ceiling if hours is None else min(ceiling, timedelta(hours=hours))


def session_limits_for(user: User) -> SessionLimits:
    roles = user_roles(user)
    # A member anywhere may be at a shared till, and so may a person with no role yet.
    if MEMBER in roles or not (roles or user.is_staff):
        return SessionLimits(member_max_age(user), settings.MEMBER_SESSION_IDLE)
    return SessionLimits(settings.ADMIN_SESSION_MAX_AGE, settings.ADMIN_SESSION_IDLE)


def session_limits_start(*, session: SessionBase, user: User) -> None:
    """Called on every sign-in: the limits of the person's roles at that moment apply."""
    limits = session_limits_for(user)
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[MAX_AGE] = limits.max_age.total_seconds()
    session[IDLE] = limits.idle.total_seconds()
    session[SEEN_AT] = now


def duration_text(seconds: float) -> str:
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    count = round(seconds)
    return f"{count} second{'' if count == 1 else 's'}"


def session_end_reason(session: SessionBase, now: float) -> tuple[str, str] | None:
    """(reason, what to tell the person) when the sign-in has run out, else None."""
    signed_in_at, max_age = session.get(SIGNED_IN_AT), session.get(MAX_AGE)
    idle, seen_at = session.get(IDLE), session.get(SEEN_AT)
    if signed_in_at is None or max_age is None or idle is None or seen_at is None:
        # Signed in before sign-ins had limits: no start to count from.
        return "no_limits", "Please sign in again."
    if now - signed_in_at >= max_age:
        return "max_age", (
            f"You were signed out: a sign-in lasts at most {duration_text(max_age)}. "
            "Sign in again to carry on."
        )
    if now - seen_at >= idle:
        return "idle", (
            f"You were signed out after {duration_text(idle)} without activity. "
            "Sign in again to carry on."
        )
    return None


def session_touch(session: SessionBase, now: float) -> None:
    if now - session[SEEN_AT] >= min(SEEN_SAVE_INTERVAL, session[IDLE] / 4):
        session[SEEN_AT] = now


class SessionLimitsMiddleware:
    """Signs out a person whose sign-in has run out before the view runs, so the view sees an
    anonymous visitor and sends them to sign in (htmx requests are sent there as a whole page).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user: Any = request.user
        if user.is_authenticated:
            now = time.time()
            ended = session_end_reason(request.session, now)
            if ended is None:
                session_touch(request.session, now)
            else:
                reason, text = ended
                audit_record(
                    action="auth.session_ended",
                    actor=Actor.from_request(request),
                    target=user,
                    detail={"reason": reason},
                )
                logout(request)
                messages.info(request, text)
                if request.headers.get("HX-Request"):
                    return self.htmx_to_login(request)
        return self.get_response(request)

    @staticmethod
    def htmx_to_login(request: HttpRequest) -> HttpResponse:
        # An htmx request would swap the sign-in page into a fragment: send the page there,
        # to come back to the page the person was on.
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = current.path + (f"?{current.query}" if current.query else "")
        response = HttpResponse(status=204)
        response["HX-Redirect"] = (
            f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': back or request.get_full_path()})}"
        )
        return response
