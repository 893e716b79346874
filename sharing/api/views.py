"""The Dataview and the partners pages over the API, on the pages' selectors and filters."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from bcrp.audit import audit_record
from offenders.api.serializers import ProfileRowSerializer
from offenders.models import OffenderProfile
from partnerships.api.base import TenantViewSet
from partnerships.models import ApiScope
from partnerships.tenancy import ADMIN_AND_POLICE, ADMIN_ONLY
from sharing import selectors
from sharing.api.serializers import PartnerDetailSerializer, PartnerSerializer
from sharing.filtersets import MAX_AGE, SEARCH_MAX, SORT_CHOICES, DataviewFilter
from sharing.selectors import profiles_for_dataview

AGE = {"type": "integer", "minimum": 0, "maximum": MAX_AGE}
# What django-filter cannot describe itself: the bounds the filter set enforces.
DATAVIEW_PARAMETERS = [
    OpenApiParameter(
        "q", str, description=f"Name, alias or reference (at most {SEARCH_MAX} characters)."
    ),
    OpenApiParameter("age_from", AGE, description=f"Aged at least (0 to {MAX_AGE})."),
    OpenApiParameter("age_to", AGE, description=f"Aged at most (0 to {MAX_AGE})."),
    OpenApiParameter("gallery", int, description="In this gallery (its id) of this partnership."),
    OpenApiParameter("owner", int, description="Owned by this partnership (its id)."),
    OpenApiParameter(
        "sort",
        str,
        enum=[value for value, _label in SORT_CHOICES],
        description="Order (newest first if not given).",
    ),
]


class DataviewFilterBackend(DjangoFilterBackend):
    """The Dataview's own filter set, told which partnership's galleries and partners count;
    a filter sent wrong is a 400 naming it, never a quietly wider list."""

    def get_filterset_kwargs(
        self, request: Request, queryset: QuerySet[Any], view: Any
    ) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["partnership"] = view.partnership
        return kwargs

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        if "perceived_ethnicity" in request.query_params and not (
            view.partnership.records_perceived_ethnicity
        ):
            raise ValidationError(
                {"perceived_ethnicity": ["This partnership does not record perceived ethnicity."]}
            )
        filterset = self.get_filterset(request, queryset, view)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        view.filterset = filterset
        return filterset.qs


class DataviewViewSet(mixins.ListModelMixin, TenantViewSet):
    """Own and partners' profiles this person may see, newest first unless sorted."""

    allowed_roles = ADMIN_AND_POLICE
    scopes = {"list": ApiScope.PROFILES_READ}
    serializer_class = ProfileRowSerializer
    filter_backends = [DataviewFilterBackend]
    filterset_class = DataviewFilter
    filterset: DataviewFilter

    def tenant_queryset(self) -> QuerySet[OffenderProfile]:
        return profiles_for_dataview(membership=self.membership)

    def keyset_keys(self, queryset: QuerySet[OffenderProfile]) -> list[str]:
        """The sort asked for, then the id in the same direction (one index walk)."""
        ordering = queryset.query.order_by
        first = ordering[0] if ordering else None
        if not isinstance(first, str):
            # A name search orders by an expression, so the planner sorts the few matches
            # rather than walking the newest-first index: the key is still added, id.
            return ["-created_at", "-id"]
        return [first, "-id" if first.startswith("-") else "id"]

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        ordering = queryset.query.order_by
        if ordering and isinstance(ordering[0], str):
            queryset = queryset.order_by(*self.keyset_keys(queryset))
        return queryset

    @extend_schema(
        parameters=DATAVIEW_PARAMETERS,
        extensions={
            "x-links": {
                "200": {
                    "FirstProfile": {
                        "operationId": "profiles_retrieve",
                        "parameters": {"id": "$response.body#/results/0/id"},
                        "description": "The first profile listed.",
                    }
                }
            }
        },
        summary="Profiles (the Dataview)",
        description=(
            "Every profile this person may see here, own and partners', 50 a page. Filter and "
            "sort as on the Dataview page; follow `next` for the following page. Filtering by "
            "perceived ethnicity is recorded in the audit log."
        ),
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        shown = [row["id"] for row in response.data["results"]]
        if shown:
            audit_record(action="dataview.view", actor=self.actor, detail={"profile_ids": shown})
        if self.filterset.ethnicity_used:
            # Special-category data (UK GDPR Art. 9): every use is on the record.
            audit_record(
                action="dataview.filter_perceived_ethnicity",
                actor=self.actor,
                detail={"code": self.filterset.ethnicity_used},
            )
        return response


class PartnerViewSet(TenantViewSet):
    """The other partnerships and the state of sharing with each, for administrators (as the
    partners pages); read only: agreements are made and ended on the pages."""

    allowed_roles = ADMIN_ONLY
    object_selector = selectors.partner_for
    lookup_field = "other"
    lookup_value_regex = "[-a-zA-Z0-9_]{1,50}"
    scopes = {"list": ApiScope.SHARING_READ, "retrieve": ApiScope.SHARING_READ}
    serializer_class = PartnerSerializer
    # Partnerships are few (one per town or district) and partner_rows reads them all in
    # a fixed number of queries: the list is whole, in one answer.
    pagination_class = None

    @extend_schema(
        summary="Partners",
        description=(
            "Every other partnership on the platform, by name, with the state of sharing "
            "between us. Not paged: the whole list comes in one answer."
        ),
        responses=PartnerSerializer(many=True),
        extensions={
            "x-links": {
                "200": {
                    "FirstPartner": {
                        "operationId": "partners_retrieve",
                        "parameters": {
                            "slug": "$request.path.slug",
                            "other": "$response.body#/0/slug",
                        },
                        "description": "The first partner listed, with the give/gain counts.",
                    }
                }
            }
        },
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = selectors.partner_rows(partnership=self.partnership)
        return Response(
            PartnerSerializer(rows, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="A partner",
        description=(
            "Another partnership, by its short name, with the state of sharing between us "
            "and what sharing gives and gains, as the partner page shows it before an "
            "agreement is made or ended."
        ),
        responses=PartnerDetailSerializer,
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        row: selectors.PartnerRow = self.get_object()
        context = {
            **self.get_serializer_context(),
            "gain": selectors.profiles_shareable_count(partnership=row.partnership),
            "give": selectors.profiles_shareable_count(partnership=self.partnership),
        }
        return Response(PartnerDetailSerializer(row, context=context).data)
