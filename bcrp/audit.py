"""Writing the audit trail. Services call audit_record inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from bcrp.actors import Actor
from bcrp.models import AuditEvent


def audit_record(
    *,
    action: str,
    actor: Actor | None = None,
    partnership: models.Model | None = None,
    target: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """One event: who (the actor's person and address; None for the platform's own sweeps), in
    which partnership (the actor's unless given), about what."""
    user = actor.user if actor is not None else None
    if partnership is None and actor is not None:
        partnership = actor.partnership
    return AuditEvent.objects.create(
        action=action,
        actor=user if user is not None and user.pk else None,
        partnership_id=partnership.pk if partnership is not None else None,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        ip=actor.ip if actor is not None else None,
        detail=detail or {},
    )
