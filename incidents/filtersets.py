"""Incident search: every filter in the query string, shared by the list page and its CSV."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet

from bcrp.widgets import IsoDateInput, QuickSelect
from incidents.models import Category, Incident, IncidentStatus
from incidents.selectors import premises_for_reporter, reporters_of_partnership
from offenders.selectors import profiles_visible
from partnerships.models import Membership, Role

SEARCH_MAX = 100


# Typed in any case, with spaces around it: what a reference printed on a notice looks like.
REFERENCE_TYPED = RegexValidator(
    r"^[A-Za-z]{1,5}-\d{1,6}$", "Type a profile reference such as WB-00042."
)


class ReporterField(forms.ModelChoiceField):
    """A person by name, with their business, so two people called Sam can be told apart."""

    def label_from_instance(self, obj: Membership) -> str:
        name = obj.user.full_name or obj.user.email
        return f"{name} ({obj.business})" if obj.business else name


class ReporterFilter(django_filters.ModelChoiceFilter):
    field_class = ReporterField


class IncidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Words or police reference", method="search", max_length=SEARCH_MAX
    )
    category = django_filters.ChoiceFilter(choices=Category.choices, empty_label="Any category")
    premises = django_filters.ModelChoiceFilter(
        label="Premises", queryset=None, empty_label="Any premises"
    )
    member = ReporterFilter(
        label="Reported by",
        queryset=None,
        method="reported_by",
        empty_label="Anyone",
    )
    status = django_filters.ChoiceFilter(choices=IncidentStatus.choices, empty_label="Any status")
    date_from = django_filters.DateFilter(
        label="From", field_name="occurred_at", lookup_expr="date__gte", widget=IsoDateInput
    )
    date_to = django_filters.DateFilter(
        label="To", field_name="occurred_at", lookup_expr="date__lte", widget=IsoDateInput
    )
    profile = django_filters.CharFilter(
        label="Linked profile",
        method="linked_profile",
        max_length=12,
        validators=[REFERENCE_TYPED],
        help_text="Its reference, e.g. WB-00042.",
    )

    class Meta:
        model = Incident
        fields: list[str] = []

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        for filter_ in self.filters.values():
            if isinstance(filter_, django_filters.ChoiceFilter | django_filters.ModelChoiceFilter):
                filter_.extra["widget"] = QuickSelect
        self.filters["premises"].queryset = premises_for_reporter(membership=membership)
        if membership.role == Role.MEMBER:
            # A member's list holds only their own reports: there is nobody else to choose.
            del self.filters["member"]
        else:
            self.filters["member"].queryset = reporters_of_partnership(
                partnership=membership.partnership
            )

    @property
    def qs(self) -> QuerySet[Incident]:
        if self.is_bound and not self.form.is_valid():
            # django-filter would drop the filters that failed and apply the rest: a list (or
            # an export) wider than what was asked for. Nothing until the whole form is right.
            return self.queryset.none()
        return super().qs

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(Q(description__icontains=text) | Q(police_reference__icontains=text))

    def reported_by(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(reported_by_id=value.user_id)

    def linked_profile(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        reference = value.strip()
        if not reference:
            return queryset
        # Only a profile this person may see: otherwise the answer would say which incidents an
        # unseen profile is linked to.
        visible = profiles_visible(membership=self.membership).filter(reference__iexact=reference)
        return queryset.filter(offender_links__profile__in=visible).distinct()

    def used(self) -> dict[str, str]:
        """The filters in use, as text, for the audit record of an export."""
        if not self.form.is_valid():
            return {}
        return {
            name: str(getattr(value, "pk", value))
            for name, value in self.form.cleaned_data.items()
            if value not in (None, "")
        }
