"""How the audit trail names partnerships, people's memberships, businesses and premises."""

from __future__ import annotations

from typing import Any

from django.db.models import BigIntegerField, CharField, F, OuterRef, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, NullIf

from bcrp.audit_phrases import audit_detail_name_register, audit_names_register
from partnerships.models import Business, Membership, Partnership, Premises


def partnership_name_of(object_id: Any) -> Subquery[Any]:
    return Subquery(Partnership.objects.filter(pk=object_id).values("name")[:1])


def member_name_of(object_id: Any) -> Subquery[Any]:
    named = Coalesce(
        NullIf(F("user__full_name"), Value("")), F("user__email"), output_field=CharField()
    )
    return Subquery(
        Membership.objects.filter(pk=object_id).annotate(person=named).values("person")[:1]
    )


def business_name_of(object_id: Any) -> Subquery[Any]:
    return Subquery(Business.objects.filter(pk=object_id).values("name")[:1])


def premises_name_of(object_id: Any) -> Subquery[Any]:
    return Subquery(Premises.objects.filter(pk=object_id).values("name")[:1])


def partner_name() -> Subquery[Any]:
    """The other partnership of a sharing event, from its detail's `partner_id`."""
    partner_id = Cast(KeyTextTransform("partner_id", OuterRef("detail")), BigIntegerField())
    return Subquery(Partnership.objects.filter(pk=partner_id).values("name")[:1])


audit_names_register(object_type=Partnership._meta.label_lower, name_of=partnership_name_of)
audit_names_register(object_type=Membership._meta.label_lower, name_of=member_name_of)
audit_names_register(object_type=Business._meta.label_lower, name_of=business_name_of)
audit_names_register(object_type=Premises._meta.label_lower, name_of=premises_name_of)
audit_detail_name_register(placeholder="partner", name=partner_name)
