"""Dataview filters: every one in the query string, so a view can be bookmarked and shared."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache, partial
from typing import Any

import django_filters
from dateutil.relativedelta import relativedelta
from django import forms
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from bcrp.keyset import SortKey
from bcrp.prepared import PreparedQuery
from bcrp.widgets import IsoDateInput, QuickNumberInput, QuickSelect
from offenders.models import (
    Build,
    EthnicityCode,
    Gallery,
    Gender,
    OffenceType,
    OffenderProfile,
    ProfileStatus,
    WarningMarker,
)
from offenders.selectors import REFERENCE_RE, galleries_of_partnership, profiles_named
from partnerships.models import Partnership
from sharing.selectors import owners_visible

SEARCH_MAX = 100
MAX_AGE = 120
# The field's empty choice is "Newest first" (the filter's empty_label).
SORT_CHOICES = [
    ("added", "Oldest first"),
    ("name", "Name A to Z"),
    ("-name", "Name Z to A"),
    ("reference", "Reference"),
    ("partnership", "Partnership"),
]
# Each sort's column and direction for keyset pages; the id, in the same direction, breaks ties.
SORT_COLUMNS = {
    "": ("created_at", True),
    "added": ("created_at", False),
    "name": ("last_name", False),
    "-name": ("last_name", True),
    "reference": ("reference", False),
    "partnership": ("partnership__name", False),
}


def _age_bounds(today: date, age_from: int | None, age_to: int | None) -> Q:
    """Profiles whose known age, or apparent age range, overlaps [age_from, age_to]."""
    by_birth = Q(date_of_birth__isnull=False)
    by_range = Q(date_of_birth__isnull=True, age_min__isnull=False, age_max__isnull=False)
    if age_from is not None:
        by_birth &= Q(date_of_birth__lte=today - relativedelta(years=age_from))
        by_range &= Q(age_max__gte=age_from)
    if age_to is not None:
        by_birth &= Q(date_of_birth__gt=today - relativedelta(years=age_to + 1))
        by_range &= Q(age_min__lte=age_to)
    return by_birth | by_range


# The filters whose choices are the request's own partnership's, and the selector of each.
PARTNERSHIP_CHOICES: dict[str, Callable[..., QuerySet[Any]]] = {
    "gallery": galleries_of_partnership,
    "owner": owners_visible,
}


def _pairs_of(selector: Callable[..., QuerySet[Any]]) -> Callable[..., QuerySet[Any]]:
    def pairs(*, partnership: Partnership) -> QuerySet[Any]:
        return selector(partnership=partnership).values_list("pk", "name")

    pairs.__name__ = f"{selector.__name__}_pairs"
    return pairs


# Their (id, name) pairs, drawn on every whole Dataview page: compiled once, not per request
# (bcrp.prepared).
CHOICES: dict[str, PreparedQuery[Any]] = {
    name: PreparedQuery(_pairs_of(selector), partnership=Partnership)
    for name, selector in PARTNERSHIP_CHOICES.items()
}


def _choices(
    empty_label: str, choices: PreparedQuery[Any], partnership: Partnership
) -> list[tuple[Any, str]]:
    return [("", empty_label), *choices.rows(partnership=partnership)]


class WholeNumberFilter(django_filters.NumberFilter):
    """A number filter taking whole numbers only (an age of 0.5 is a typing slip, not a filter)."""

    field_class = forms.IntegerField


class DataviewFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Name, alias or reference", method="search", max_length=SEARCH_MAX
    )
    gender = django_filters.ChoiceFilter(choices=Gender.choices, empty_label="Any gender")
    perceived_ethnicity = django_filters.ChoiceFilter(
        label="Perceived ethnicity", choices=EthnicityCode.choices, empty_label="Any"
    )
    build = django_filters.ChoiceFilter(choices=Build.choices, empty_label="Any build")
    # Bounded: an age of 2026 would put a date of birth before year 1 (a server error).
    age_from = WholeNumberFilter(label="Age from", method="age", min_value=0, max_value=MAX_AGE)
    age_to = WholeNumberFilter(label="Age to", method="age", min_value=0, max_value=MAX_AGE)
    offence = django_filters.ChoiceFilter(
        label="Offence",
        choices=OffenceType.choices,
        method="filter_offence",
        empty_label="Any offence",
    )
    warning = django_filters.ChoiceFilter(
        label="Warning marker",
        choices=WarningMarker.choices,
        method="filter_warning",
        empty_label="Any warning",
    )
    gallery = django_filters.ModelChoiceFilter(
        label="Gallery",
        queryset=Gallery.objects.none(),  # each request gives its partnership's
        method="in_gallery",
        empty_label="Any gallery",
    )
    status = django_filters.ChoiceFilter(choices=ProfileStatus.choices, empty_label="Any status")
    owner = django_filters.ModelChoiceFilter(
        label="Partnership",
        field_name="partnership",
        queryset=Partnership.objects.none(),  # each request gives its partnership's
        empty_label="Any partnership",
    )
    added_from = django_filters.DateFilter(
        label="Added from",
        field_name="created_at",
        lookup_expr="date__gte",
        widget=IsoDateInput,
    )
    added_to = django_filters.DateFilter(
        label="Added to",
        field_name="created_at",
        lookup_expr="date__lte",
        widget=IsoDateInput,
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        fields=(
            ("created_at", "added"),
            ("last_name", "name"),
            ("reference", "reference"),
            ("partnership__name", "partnership"),
        ),
        empty_label="Newest first",
    )

    class Meta:
        model = OffenderProfile
        fields: list[str] = []

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partnership = partnership
        if not partnership.records_perceived_ethnicity:
            # Switched off for this partnership: not offered, and ignored if typed in a URL.
            del self.filters["perceived_ethnicity"]
        for name, selector in PARTNERSHIP_CHOICES.items():
            field = self.form.fields[name]
            if self.data.get(name):
                # A value to check against this partnership's choices. With none, the field
                # keeps its empty queryset, which nothing reads.
                field.queryset = selector(partnership=partnership)
            # Shown as (id, name) pairs, read when the form is drawn (a callable): the API and
            # htmx answers, which draw none, never ask. A model instance per partner
            # partnership only to print its name was a tenth of the page.
            field.widget.choices = cache(
                partial(_choices, field.empty_label, CHOICES[name], partnership)
            )

    def get_form_class(self) -> type[forms.Form]:
        return _form_class(frozenset(self.filters))

    @property
    def qs(self) -> QuerySet[OffenderProfile]:
        if self.is_bound and not self.form.is_valid():
            # django-filter would apply the fields that validated and drop the others, so a
            # perceived-ethnicity filter beside a mistyped age would narrow the list unaudited.
            # Nothing is listed until the whole form is right.
            return self.queryset.none()
        queryset: QuerySet[OffenderProfile] = super().qs
        ordering = self.form.cleaned_data.get("sort")
        if not ordering and self.searching_names:
            # A name search matches few rows: find them through the GIN index and sort them,
            # rather than letting the planner walk the newest-first index hoping for 50 early.
            queryset = queryset.order_by((F("created_at") + timedelta(0)).desc(), F("id").desc())
        elif not ordering:
            queryset = queryset.order_by("-created_at", "-id")
        else:
            queryset = queryset.order_by(*queryset.query.order_by, "-id")
        return queryset

    @property
    def searching_names(self) -> bool:
        text = (self.form.cleaned_data.get("q") or "").strip()
        return bool(text) and REFERENCE_RE.fullmatch(text) is None

    @property
    def sort_keys(self) -> tuple[str, list[SortKey]]:
        """The sort order's name and its keyset keys (valid filters only)."""
        name = (self.form.cleaned_data.get("sort") or [""])[0]
        path, descending = SORT_COLUMNS[name]
        column = None
        if not name and self.searching_names:
            # As in `qs`: the few matches are sorted, not found by walking the newest-first index.
            column = F("created_at") + timedelta(0)
        return name, [SortKey(path, descending, column), SortKey("id", descending)]

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if REFERENCE_RE.fullmatch(value.strip()):
            return queryset.filter(reference__iexact=value.strip())
        return profiles_named(profiles=queryset, text=value)

    def age(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        # Both bounds are applied together once, by whichever of the two runs first.
        if getattr(self, "_age_applied", False):
            return queryset
        self._age_applied = True
        data = self.form.cleaned_data
        low, high = data.get("age_from"), data.get("age_to")
        return queryset.filter(
            _age_bounds(
                timezone.localdate(),
                int(low) if low is not None else None,
                int(high) if high is not None else None,
            )
        )

    def filter_offence(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(offence_types__contains=[value])

    def filter_warning(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(warning_markers__contains=[value])

    def in_gallery(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(
            placements__gallery=value, placements__expires_on__gte=timezone.localdate()
        )

    @property
    def narrows(self) -> bool:
        """Whether any filter (not just the sort order) is in use."""
        if not self.form.is_valid():
            return True
        return any(
            value not in (None, "", [])
            for name, value in self.form.cleaned_data.items()
            if name != "sort"
        )

    @property
    def ethnicity_used(self) -> str:
        if "perceived_ethnicity" not in self.filters or not self.form.is_valid():
            return ""
        return str(self.form.cleaned_data.get("perceived_ethnicity") or "")


@cache
def _form_class(names: frozenset[str]) -> type[forms.Form]:
    """The filter form's class, made once per set of filters rather than on every request
    (with a new field for each filter): a tenth of the filters' cost. Its model choice fields
    list nothing until a request gives them its partnership's querysets."""
    filters = copy.deepcopy(DataviewFilter.base_filters)
    fields: dict[str, forms.Field] = {}
    for name, filter_ in filters.items():
        if name not in names:
            continue
        if isinstance(filter_, django_filters.ChoiceFilter | django_filters.ModelChoiceFilter):
            filter_.extra["widget"] = QuickSelect
        elif isinstance(filter_, WholeNumberFilter):
            filter_.extra["widget"] = QuickNumberInput
        fields[name] = filter_.field
    if "sort" in fields:
        fields["sort"].choices = SORT_CHOICES  # type: ignore[attr-defined]
    return type("DataviewFilterForm", (DataviewFilter._meta.form,), fields)
