"""Writing the audit trail. Services call audit_record inside their own transaction."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from bcrp.models import AuditEvent

if TYPE_CHECKING:
    from bcrp.models import User


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


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    partnership: models.Model | None = None,
    target: models.Model | None = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        partnership_id=partnership.pk if partnership is not None else None,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        ip=ip,
        detail=detail or {},
    )
