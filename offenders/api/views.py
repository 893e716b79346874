"""Profiles, photos, galleries and notices over the API, found by the selectors the pages use
and changed through the pages' services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from bcrp.actors import CHANGE
from bcrp.audit import audit_record
from offenders import selectors, services
from offenders.api.serializers import (
    MAX_ID,
    AppealSerializer,
    GallerySerializer,
    MemberProfileSerializer,
    NoticeIssueSerializer,
    NoticeSerializer,
    PlacementSerializer,
    ProfileSerializer,
    api_url,
)
from offenders.models import Exclusion, Gallery, NoticeStatus, OffenderImage, OffenderProfile
from partnerships.api.base import StoredPhotoViewSet, TenantViewSet
from partnerships.models import ApiScope, Role
from partnerships.tenancy import ADMIN_AND_POLICE

PROFILE_FOR_ROLE = PolymorphicProxySerializer(
    component_name="ProfileForRole",
    serializers={"full": ProfileSerializer, "till": MemberProfileSerializer},
    resource_type_field_name="fields_shown",
)


class ProfileViewSet(TenantViewSet):
    """One profile: whole for administrators and police; for a member, the till card of a
    profile circulated to members (404 for any other)."""

    object_selector = selectors.profile_for
    scopes = {"retrieve": ApiScope.PROFILES_READ}
    serializer_class = ProfileSerializer

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if getattr(self, "membership", None) and self.membership.role == Role.MEMBER:
            return MemberProfileSerializer
        return ProfileSerializer

    @extend_schema(
        summary="A profile",
        responses={200: PROFILE_FOR_ROLE},
        extensions={
            "x-links": {
                "200": {
                    "FirstPhoto": {
                        "operationId": "photos_retrieve",
                        "parameters": {"token": "$response.body#/photos/0/token"},
                        "description": "The profile's first photo.",
                    },
                    "FirstThumbnail": {
                        "operationId": "photos_thumbnail_retrieve",
                        "parameters": {"token": "$response.body#/photos/0/token"},
                        "description": "The profile's first photo, small.",
                    },
                }
            }
        },
        description="Members get the fields a person at a till needs (MemberProfile).",
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        profile = self.get_object()
        audit_record(action="profile.view", actor=self.actor, target=profile)
        return Response(self.get_serializer(profile).data)


@extend_schema_view(
    retrieve=extend_schema(summary="A photo, full size (audited)"),
    thumbnail=extend_schema(summary="A photo's thumbnail"),
)
class PhotoViewSet(StoredPhotoViewSet[OffenderImage]):
    """A profile photo's bytes, under the rule of the profile it shows; never cached."""

    object_selector = selectors.image_for
    scopes = {"retrieve": ApiScope.PROFILES_READ, "thumbnail": ApiScope.PROFILES_READ}
    filename = "photo.jpg"
    thumbnail_filename = "thumbnail.jpg"
    audit_action = "image.view"
    audit_detail_key = "image_id"

    def audit_target(self, photo: OffenderImage) -> OffenderProfile:
        return photo.profile


class GalleryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Galleries as the gallery pages show them: every one of this partnership's to
    administrators and police, only those circulated to members to members."""

    object_selector = selectors.gallery_for
    scopes = {
        "list": ApiScope.PROFILES_READ,
        "retrieve": ApiScope.PROFILES_READ,
        "placements": ApiScope.PROFILES_READ,
    }
    serializer_class = GallerySerializer

    def tenant_queryset(self) -> QuerySet[Gallery]:
        return selectors.galleries_visible(membership=self.membership)

    @extend_schema(
        summary="Galleries",
        description="Members get only the galleries circulated to members. By name, 50 a page.",
        extensions={
            "x-links": {
                "200": {
                    "FirstGalleryPlacements": {
                        "operationId": "galleries_placements_list",
                        "parameters": {
                            "slug": "$request.path.slug",
                            "id": "$response.body#/results/0/id",
                        },
                        "description": "The profiles in the first gallery listed.",
                    }
                }
            }
        },
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="A gallery",
        description="One of the galleries this person sees (404 for any other).",
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="The profiles in a gallery",
        description=(
            "The profiles placed in the gallery that this person may see, by name, 50 a page. "
            "Members get what the member gallery shows (placements not expired; never an "
            "archived or under-18 profile) as till cards; administrators and police every "
            "placement, with a profile row each. Recorded in the audit log, as the gallery "
            "page is."
        ),
        responses=PlacementSerializer(many=True),
        extensions={
            "x-links": {
                "200": {
                    "WarnFirstPlaced": {
                        "operationId": "notices_create",
                        "parameters": {"slug": "$request.path.slug"},
                        "requestBody": {
                            "profile": "$response.body#/results/0/profile/id",
                            "kind": "warning",
                            "reason": "Seen taking goods without paying.",
                            "starts_on": None,
                            "premises": [],
                            "served_by": "",
                            "served_on": None,
                        },
                        "description": "A warning, from today, on the first profile listed.",
                    }
                }
            }
        },
    )
    @action(detail=True, methods=["get"])
    def placements(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        gallery: Gallery = self.get_object()
        placements = selectors.placements_of_gallery(membership=self.membership, gallery=gallery)
        page = self.paginate_queryset(placements)
        audit_record(
            action="gallery.view",
            actor=self.actor,
            target=gallery,
            detail={"profile_ids": [placement.profile_id for placement in page]},
        )
        data = PlacementSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)


class NoticeFilterSerializer(serializers.Serializer[Any]):
    profile = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Only the notices on this profile (its id).",
    )
    status = serializers.ChoiceField(
        choices=NoticeStatus.choices, required=False, help_text="Only the notices in this state."
    )


ISSUE_EXAMPLE = OpenApiExample(
    "Warning",
    summary="A warning from today, at every member's premises",
    value={
        "profile": 42,
        "kind": "warning",
        "reason": "Abusive to staff at the Market Street store.",
        "premises": [],
        "served_by": "PC 1234 Jones",
    },
    request_only=True,
)
APPEAL_EXAMPLE = OpenApiExample(
    "Appeal",
    summary="An appeal lodged and dismissed",
    value={
        "appeal_lodged_on": "2026-03-10",
        "appeal_outcome": "dismissed",
        "appeal_decided_on": "2026-03-24",
    },
    request_only=True,
)
LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    location=OpenApiParameter.HEADER,
    response=[201],
    description="The new notice's address.",
)


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Warning and exclusion notices on this partnership's profiles: read by administrators
    and police, issued and appealed by administrators, as on the profile and notice pages."""

    allowed_roles = ADMIN_AND_POLICE
    object_selector = selectors.notice_for
    scopes = {
        "list": ApiScope.PROFILES_READ,
        "retrieve": ApiScope.PROFILES_READ,
        "create": ApiScope.NOTICES_WRITE,
        "appeal": ApiScope.NOTICES_WRITE,
    }
    actions = {"create": CHANGE, "appeal": CHANGE}
    serializer_class = NoticeSerializer
    parser_classes = [JSONParser]

    def tenant_queryset(self) -> QuerySet[Exclusion]:
        return selectors.notices_visible(membership=self.membership)

    def filter_queryset(self, queryset: QuerySet[Exclusion]) -> QuerySet[Exclusion]:
        wanted = NoticeFilterSerializer(data=self.request.query_params)
        wanted.is_valid(raise_exception=True)
        if "profile" in wanted.validated_data:
            queryset = queryset.filter(profile_id=wanted.validated_data["profile"])
        if "status" in wanted.validated_data:
            queryset = queryset.filter(status=wanted.validated_data["status"])
        return queryset

    def notice_response(self, notice: Exclusion, **kwargs: Any) -> Response:
        return Response(
            NoticeSerializer(notice, context=self.get_serializer_context()).data, **kwargs
        )

    @extend_schema(
        summary="Notices",
        description="Notices on this partnership's profiles, latest start first, 50 a page.",
        parameters=[NoticeFilterSerializer],
        extensions={
            "x-links": {
                "200": {
                    "FirstNotice": {
                        "operationId": "notices_retrieve",
                        "parameters": {
                            "slug": "$request.path.slug",
                            "id": "$response.body#/results/0/id",
                        },
                        "description": "The first notice listed.",
                    }
                }
            }
        },
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="A notice",
        description="A notice on one of this partnership's profiles, as its printable page "
        "shows it (notices are never shared with partners).",
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Issue a notice",
        description=(
            "A warning or exclusion on one of this partnership's profiles, checked as the "
            "profile page's notice form checks it. Its end follows from the partnership's "
            "scheme; a warning given while an earlier one is on record becomes an exclusion "
            "(the answer says so in `kind` and `escalated_from`)."
        ),
        request=NoticeIssueSerializer,
        responses={201: NoticeSerializer},
        parameters=[LOCATION],
        examples=[ISSUE_EXAMPLE],
        extensions={
            "x-links": {
                "201": {
                    "GetNotice": {
                        "operationId": "notices_retrieve",
                        "parameters": {"slug": "$request.path.slug", "id": "$response.body#/id"},
                        "description": "The notice just issued.",
                    },
                    "RecordAppeal": {
                        "operationId": "notices_appeal_create",
                        "parameters": {"slug": "$request.path.slug", "id": "$response.body#/id"},
                        "description": "An appeal against the notice just issued.",
                    },
                }
            }
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        sent = NoticeIssueSerializer(data=request.data, context=self.get_serializer_context())
        sent.is_valid(raise_exception=True)
        data = sent.validated_data
        profile = selectors.profile_for(
            membership=self.membership, pk=data["profile"], action=CHANGE
        )
        if profile is None:
            raise ValidationError(
                {"profile": ["There is no profile of this partnership with that id."]}
            )
        issued = services.exclusion_issue(
            profile=profile,
            kind=data["kind"],
            reason=data["reason"],
            starts_on=data["starts_on"],
            premises=list(data["premises"]),
            served_by=data["served_by"],
            served_on=data["served_on"],
            actor=self.actor,
        )
        location = api_url(
            self.get_serializer_context(), "offenders-api:notice-detail", pk=issued.pk
        )
        return self.notice_response(issued, status=201, headers={"Location": location})

    @extend_schema(
        summary="Record an appeal",
        description=(
            "The appeal against a notice and, once decided, its outcome, checked as the notice "
            "page's appeal form checks it. An upheld appeal withdraws the notice."
        ),
        request=AppealSerializer,
        responses={200: NoticeSerializer},
        examples=[APPEAL_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def appeal(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        notice: Exclusion = self.get_object()
        context = {**self.get_serializer_context(), "notice": notice}
        sent = AppealSerializer(data=request.data, context=context)
        sent.is_valid(raise_exception=True)
        data = sent.validated_data
        notice = services.exclusion_appeal(
            notice=notice,
            lodged_on=data["appeal_lodged_on"],
            outcome=data["appeal_outcome"],
            decided_on=data["appeal_decided_on"],
            actor=self.actor,
        )
        return self.notice_response(notice)
