"""Profiles and photos over the API, found by the selectors the pages use."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from bcrp.audit import audit_record
from offenders import selectors
from offenders.api.serializers import MemberProfileSerializer, ProfileSerializer
from offenders.models import OffenderImage, OffenderProfile
from partnerships.api.base import StoredPhotoViewSet, TenantViewSet
from partnerships.models import ApiScope, Role

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
