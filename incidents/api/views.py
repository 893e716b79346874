"""Incidents, their photos and the statistics over the API, through the selectors, the form
and the services the pages use."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.forms import BaseForm
from django.http import Http404, QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from bcrp.actors import CHANGE, VIEW
from bcrp.audit import audit_record
from incidents import selectors, services
from incidents.api.serializers import (
    IncidentSerializer,
    IncidentStatsSerializer,
    IncidentSubmitSerializer,
    ReviewSerializer,
)
from incidents.forms import IncidentForm, stats_range_parse
from incidents.models import Incident, IncidentPhoto, IncidentStatus
from offenders.api.serializers import api_url
from partnerships.api.base import StoredPhotoViewSet, TenantViewSet
from partnerships.models import ApiScope
from partnerships.tenancy import ADMIN_AND_POLICE

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_HELP = (
    "A new UUID for each report (8-4-4-4-12 hex digits); send the same one again when "
    "repeating a report whose answer was lost, and the first report is answered."
)


def idempotency_key_of(request: Request) -> uuid.UUID:
    raw = request.headers.get(IDEMPOTENCY_HEADER, "")
    if not raw:
        raise ValidationError(
            {IDEMPOTENCY_HEADER: [f"Send an {IDEMPOTENCY_HEADER} header: {IDEMPOTENCY_HELP}"]}
        )
    try:
        key = uuid.UUID(raw)
    except ValueError:
        key = None
    # Only the spelling the schema documents: a braced or urn:uuid: form is refused, not read.
    if key is None or str(key) != raw.lower():
        raise ValidationError(
            {IDEMPOTENCY_HEADER: [f"{IDEMPOTENCY_HEADER} is not a UUID: {IDEMPOTENCY_HELP}"]}
        )
    return key


def form_errors(form: BaseForm, renamed: dict[str, str] | None = None) -> dict[str, list[str]]:
    """A form's errors as a 400's `errors`: by field (as the API names it), and the ones
    about the whole form as non_field_errors."""
    names = {"__all__": "non_field_errors", **(renamed or {})}
    return {
        names.get(name, name): [str(message) for message in messages]
        for name, messages in form.errors.items()
    }


SUBMIT_EXAMPLE = OpenApiExample(
    "A theft",
    value={
        "occurred_at": "2025-03-14T16:20:00Z",
        "category": "theft",
        "description": "Filled a rucksack with coffee jars and walked out past the till.",
        "value_lost": "54.00",
        "value_recovered": "0.00",
        "police_attended": False,
        "police_reference": "",
    },
    request_only=True,
    media_type="multipart/form-data",
)
REVIEW_EXAMPLES = [
    OpenApiExample("Accept", value={"accept": True}, request_only=True),
    OpenApiExample(
        "Reject",
        value={"accept": False, "reason": "A duplicate of the report made the same afternoon."},
        request_only=True,
    ),
]
STATUS_PARAMETER = OpenApiParameter(
    "status",
    str,
    enum=IncidentStatus.values,
    description="Only incidents in this state.",
)


BOOLEAN_FIELDS = ("police_attended", "cctv_kept")
OPTIONAL_TYPED_FIELDS = ("cctv_start", "cctv_end", "cctv_clock_offset")


class IncidentViewSet(TenantViewSet):
    """Incidents as the incident pages show them: members their own reports, administrators
    and police all of their partnership's."""

    object_selector = selectors.incident_for
    serializer_class = IncidentSerializer
    parser_classes = [MultiPartParser]
    scopes = {
        "list": ApiScope.INCIDENTS_READ,
        "retrieve": ApiScope.INCIDENTS_READ,
        "create": ApiScope.INCIDENTS_WRITE,
        "review": ApiScope.INCIDENTS_WRITE,
    }
    # Reviewing changes the scheme's record, which Membership.may(CHANGE) keeps to
    # administrators. Filing a report stays VIEW: may(CHANGE) would shut out the members who
    # file most reports; who may file is the service's REPORTING_ROLES, checked in `initial`
    # so that police are refused before anything is read.
    actions = {"review": CHANGE}
    action_roles = {"create": services.REPORTING_ROLES}

    def tenant_queryset(self) -> QuerySet[Incident]:
        status = self.request.query_params.get("status")
        if status is not None and status not in IncidentStatus.values:
            raise ValidationError(
                {"status": [f"Choose one of {', '.join(IncidentStatus.values)}."]}
            )
        return selectors.incidents_described(membership=self.membership, status=status or "")

    def described(self, incidents: list[Incident]) -> Any:
        shown = selectors.profile_ids_shown(membership=self.membership, incidents=incidents)
        context = {**self.get_serializer_context(), "profile_ids_shown": shown}
        return IncidentSerializer(incidents, many=True, context=context).data

    def answer(self, incident: Incident, *, status: int) -> Response:
        """The incident read back through the detail's selector, with all the item shows."""
        found = selectors.incident_for(membership=self.membership, pk=incident.pk, action=VIEW)
        if found is None:
            raise Http404("No such record.")
        return Response(self.described([found])[0], status=status)

    @extend_schema(
        summary="Incidents",
        parameters=[STATUS_PARAMETER],
        description=(
            "The incidents this person may see here, latest first, 50 a page (a member: their "
            "own reports). Follow `next` for the following page."
        ),
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.described(page))

    @extend_schema(summary="An incident", description="Seeing one is recorded in the audit log.")
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident: Incident = self.get_object()
        audit_record(
            action="incident.view",
            actor=self.actor,
            target=incident,
            # As on the page: the thumbnails listed are covered by this one event.
            detail={
                "photo_ids": [p.pk for p in incident.photos.all() if p.processed_at is not None]
            },
        )
        return Response(self.described([incident])[0])

    @extend_schema(
        summary="Report an incident",
        description=(
            "One multipart/form-data request: the report's fields and its photos, checked as "
            "the report page checks them; a photo refused means nothing is stored. Sent again "
            f"with the same {IDEMPOTENCY_HEADER}, the first report is answered (200) and "
            "nothing new is stored. Members and administrators report; police do not."
        ),
        request={"multipart/form-data": IncidentSubmitSerializer},
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.UUID,
                OpenApiParameter.HEADER,
                required=True,
                description=IDEMPOTENCY_HELP,
            ),
            OpenApiParameter(
                "Location",
                OpenApiTypes.URI,
                OpenApiParameter.HEADER,
                response=[201],
                description="The new incident.",
            ),
        ],
        responses={
            201: OpenApiResponse(IncidentSerializer, description="Stored."),
            200: OpenApiResponse(
                IncidentSerializer,
                description=f"Already stored with this {IDEMPOTENCY_HEADER}: the first report.",
            ),
        },
        examples=[SUBMIT_EXAMPLE],
        extensions={
            "x-links": {
                "201": {
                    "GetIncident": {
                        "operationId": "incidents_retrieve",
                        "parameters": {"slug": "$request.path.slug", "id": "$response.body#/id"},
                        "description": "The incident just reported.",
                    }
                }
            }
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = idempotency_key_of(request)
        if "photos" in request.POST:
            # A text part named photos would otherwise be dropped without a word.
            raise ValidationError({"photos": ["Send each photo as a file part, not as text."]})
        for name in BOOLEAN_FIELDS:
            if request.POST.get(name, "false") not in ("true", "false"):
                # A form's checkbox counts any text as ticked; a system says true or false.
                raise ValidationError({name: ["Must be true or false."]})
        for name in OPTIONAL_TYPED_FIELDS:
            if name in request.POST and not request.POST[name].strip():
                # The page's form reads an empty field as none given; the schema's types do not.
                raise ValidationError({name: ["Leave this field out rather than send it empty."]})
        data = request.POST.copy()
        # The key is the header's; the page's hidden field of that name has no say here.
        data.pop("submission_key", None)
        for name in ("value_lost", "value_recovered"):
            data.setdefault(name, "0")
        form = IncidentForm(data, request.FILES, membership=self.membership)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        try:
            incident = services.incident_submit(
                membership=self.membership,
                fields=form.cleaned_data,
                premises=form.cleaned_data.get("premises"),
                photos=form.cleaned_data.get("photos") or [],
                offender=form.cleaned_data.get("offender"),
                submission_key=key,
                actor=self.actor,
            )
        except services.IncidentAlreadySubmitted as sent:
            return self.answer(sent.incident, status=200)
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                raise
            # The service's only message list is about the photos (photos_prepare).
            raise ValidationError({"photos": error.messages}) from error
        response = self.answer(incident, status=201)
        response["Location"] = api_url(
            self.get_serializer_context(), "incidents-api:incident-detail", pk=incident.pk
        )
        return response

    @extend_schema(
        summary="Accept or reject an incident",
        description="For administrators. A rejection needs a reason: the member sees it.",
        request=ReviewSerializer,
        responses={200: IncidentSerializer},
        examples=REVIEW_EXAMPLES,
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def review(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident: Incident = self.get_object()
        review = ReviewSerializer(data=request.data)
        review.is_valid(raise_exception=True)
        services.incident_review(
            incident=incident,
            accept=review.validated_data["accept"],
            reason=review.validated_data["reason"],
            actor=self.actor,
        )
        return self.answer(incident, status=200)


@extend_schema_view(
    retrieve=extend_schema(summary="An incident photo, full size (audited)"),
    thumbnail=extend_schema(summary="An incident photo's thumbnail"),
)
class IncidentPhotoViewSet(StoredPhotoViewSet[IncidentPhoto]):
    """An incident photo's bytes, for those who may see the incident; never cached."""

    object_selector = selectors.incident_photo_for
    scopes = {"retrieve": ApiScope.INCIDENTS_READ, "thumbnail": ApiScope.INCIDENTS_READ}
    filename = thumbnail_filename = "incident-photo.jpg"
    audit_action = "incident.photo_view"
    audit_detail_key = "photo_id"

    def audit_target(self, photo: IncidentPhoto) -> Incident:
        return photo.incident


class StatisticsViewSet(TenantViewSet):
    """The statistics page's aggregates, over the same date range with the same defaults."""

    allowed_roles = ADMIN_AND_POLICE
    scopes = {"retrieve": ApiScope.STATISTICS_READ}
    serializer_class = IncidentStatsSerializer
    pagination_class = None

    @extend_schema(
        summary="Incident statistics",
        description=(
            "Incidents (rejected ones left out) and their value by category, premises, hour, "
            "weekday and month, in UK local time. Without dates: this month so far and the 11 "
            "before it. A range is at most ten years."
        ),
        parameters=[
            OpenApiParameter(
                "date_from", OpenApiTypes.DATE, description="The first day (YYYY-MM-DD)."
            ),
            OpenApiParameter(
                "date_to",
                OpenApiTypes.DATE,
                description="The last day, included (YYYY-MM-DD); on or after date_from.",
            ),
        ],
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        sent = request.query_params
        # Left out, a date takes the page's default; sent empty, it is a mistake to point out.
        empty = [name for name in ("date_from", "date_to") if name in sent and not sent[name]]
        if empty:
            raise ValidationError(
                {name: ["Give a date (YYYY-MM-DD) or leave it out."] for name in empty}
            )
        query = QueryDict(mutable=True)
        query["from"] = sent.get("date_from", "")
        query["to"] = sent.get("date_to", "")
        form, date_from, date_to = stats_range_parse(query)
        if not form.is_valid():
            # The page falls back to its default range and shows why; a program is told.
            raise ValidationError(form_errors(form, {"from": "date_from", "to": "date_to"}))
        stats = selectors.incident_stats(
            partnership=self.partnership, date_from=date_from, date_to=date_to
        )
        return Response(IncidentStatsSerializer(stats).data)
