"""Who does something: the person, the partnership they act in and the address they came from,
built once per request and handed to every service and audit record as one `actor`."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest

from bcrp.models import User

# What a request does with a record: selectors answer differently for each (NetBox's
# `restrict(user, action)`); anything but VIEW is for the owning partnership's administrators.
Action = Literal["view", "change", "export"]
VIEW: Action = "view"
CHANGE: Action = "change"
EXPORT: Action = "export"


def client_ip(request: HttpRequest | None) -> str | None:
    """The address a request came from, for the audit trail and the sign-in lockout.

    Behind TRUSTED_PROXY_HOPS proxies, each appending to X-Forwarded-For, the client is that many
    entries from the right; anything to its left was written by the client and is not trusted.
    """
    if request is None:
        return None
    hops = settings.TRUSTED_PROXY_HOPS
    if hops:
        forwarded = [
            entry.strip()
            for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if entry.strip()
        ]
        if len(forwarded) >= hops:
            try:
                return str(ipaddress.ip_address(forwarded[-hops]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or None


@dataclass(frozen=True)
class Actor:
    """The person behind a write. `user` is None for someone not signed in (a failed sign-in, a
    password reset request); `partnership` is the one in the address, None outside /p/<slug>/;
    `ip` is None for commands run on the server."""

    user: User | None
    partnership: Model | None = None
    ip: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest, *, partnership: Model | None = None) -> Actor:
        signed_in: Any = request.user
        user = signed_in if isinstance(signed_in, User) else None
        return cls(user=user, partnership=partnership, ip=client_ip(request))
