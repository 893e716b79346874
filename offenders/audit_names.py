"""How the audit trail names profiles and galleries, and finds a profile by its reference."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from bcrp.audit_phrases import audit_finder_register, audit_names_register
from bcrp.models import AuditEvent
from offenders.models import Gallery, OffenderProfile

PROFILE_TYPE = OffenderProfile._meta.label_lower


def profile_reference_of(object_id: Any) -> Subquery[Any]:
    return Subquery(OffenderProfile.objects.filter(pk=object_id).values("reference")[:1])


def gallery_name_of(object_id: Any) -> Subquery[Any]:
    return Subquery(Gallery.objects.filter(pk=object_id).values("name")[:1])


def profiles_with_reference(reference: str) -> QuerySet[Any]:
    """The profile with this reference, or the one merged away under it (its events keep its
    id; the merge's event records which id and reference it had)."""
    reference = reference.strip()
    merged = AuditEvent.objects.filter(
        action="profile.merge", detail__merged__iexact=reference
    ).values_list(Cast(KT("detail__merged_id"), CharField()), flat=True)
    return (
        OffenderProfile.objects.filter(reference__iexact=reference)
        .values_list(Cast("pk", CharField()), flat=True)
        .union(merged)
    )


audit_names_register(object_type=PROFILE_TYPE, name_of=profile_reference_of)
audit_names_register(object_type=Gallery._meta.label_lower, name_of=gallery_name_of)
audit_finder_register(name="profile", object_type=PROFILE_TYPE, find=profiles_with_reference)
