"""Profiles and photos over the API, found by the selectors the pages use."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from bcrp.audit import audit_record
from offenders import selectors
from offenders.api.serializers import MemberProfileSerializer, ProfileSerializer
from offenders.models import OffenderImage
from partnerships.api.base import OPAQUE_ID_PATTERN, TenantViewSet
from partnerships.models import ApiScope, Role
from photos.responses import photo_response

JPEG = {(200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="The bytes.")}


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


class PhotoViewSet(TenantViewSet):
    """A profile photo's bytes, under the rule of the profile it shows; never cached."""

    object_selector = selectors.image_for
    lookup_field = "token"
    lookup_value_regex = OPAQUE_ID_PATTERN
    scopes = {"retrieve": ApiScope.PROFILES_READ, "thumbnail": ApiScope.PROFILES_READ}

    @extend_schema(summary="A photo, full size (audited)", responses=JPEG)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        image: OffenderImage = self.get_object()
        response = photo_response(image, thumbnail=False, filename="photo.jpg")
        audit_record(
            action="image.view",
            actor=self.actor,
            target=image.profile,
            detail={"image_id": image.pk},
        )
        return response

    @extend_schema(summary="A photo's thumbnail", responses=JPEG)
    @action(detail=True, methods=["get"])
    def thumbnail(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        return photo_response(self.get_object(), thumbnail=True, filename="thumbnail.jpg")
