"""Profiles and their photos as the API shows them: the fields the matching page shows the
same role, described for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from offenders.models import OffenderImage, OffenderProfile


def api_url(context: dict[str, Any], name: str, **kwargs: Any) -> str:
    """An absolute address under the acting membership's partnership."""
    path = reverse(name, kwargs={"slug": context["membership"].partnership.slug, **kwargs})
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class OwnerSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField(help_text="The owning partnership's short name.")
    name = serializers.CharField(help_text="The owning partnership's name.")


class PhotoSerializer(serializers.ModelSerializer[OffenderImage]):
    token = serializers.CharField(read_only=True, help_text="The photo's unguessable id.")
    is_primary = serializers.BooleanField(read_only=True, help_text="The profile's main photo.")
    ready = serializers.SerializerMethodField(
        help_text="Whether the photo has been checked and its thumbnail made; until then "
        "its addresses answer 404."
    )
    url = serializers.SerializerMethodField(help_text="The full-size photo (JPEG).")
    thumbnail_url = serializers.SerializerMethodField(help_text="A small copy (JPEG).")

    class Meta:
        model = OffenderImage
        fields = ["token", "is_primary", "ready", "url", "thumbnail_url"]

    def get_ready(self, image: OffenderImage) -> bool:
        return image.processed_at is not None

    def get_url(self, image: OffenderImage) -> str:
        return api_url(self.context, "offenders-api:photo-detail", token=image.token)

    def get_thumbnail_url(self, image: OffenderImage) -> str:
        return api_url(self.context, "offenders-api:photo-thumbnail", token=image.token)


class NoticeInForceSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(help_text="`warning` or `exclusion`.")
    ends_on = serializers.DateField(help_text="The last day it is in force.")


class ProfileRowSerializer(serializers.ModelSerializer[OffenderProfile]):
    """One row of the profile list (the Dataview)."""

    id = serializers.IntegerField(read_only=True, help_text="The profile's id.")
    reference = serializers.CharField(read_only=True, help_text="As in WBC-00042.")
    owner = OwnerSerializer(source="partnership", read_only=True)
    first_name = serializers.CharField(read_only=True, help_text="First name, if known.")
    last_name = serializers.CharField(read_only=True, help_text="Last name, if known.")
    aliases = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Other names used."
    )
    status = serializers.CharField(read_only=True, help_text="`known`, `id_sought` or `archived`.")
    galleries = serializers.SerializerMethodField(help_text="Galleries the profile is in.")
    notice_in_force = serializers.SerializerMethodField(
        help_text="The strongest notice in force today, if any."
    )
    thumbnail_url = serializers.SerializerMethodField(
        help_text="The main photo's thumbnail, or null if there is none ready."
    )
    url = serializers.SerializerMethodField(help_text="The whole profile.")
    created_at = serializers.DateTimeField(read_only=True, help_text="When it was added.")

    class Meta:
        model = OffenderProfile
        fields = [
            "id",
            "reference",
            "owner",
            "first_name",
            "last_name",
            "aliases",
            "status",
            "galleries",
            "notice_in_force",
            "thumbnail_url",
            "url",
            "created_at",
        ]

    def get_galleries(self, profile: OffenderProfile) -> list[str]:
        return [placement.gallery.name for placement in profile.placements.all()]

    @extend_schema_field(NoticeInForceSerializer(allow_null=True))
    def get_notice_in_force(self, profile: OffenderProfile) -> dict[str, Any] | None:
        notice = profile.notice_in_force
        if notice is None:
            return None
        return {"kind": notice.kind, "ends_on": notice.ends_on}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_thumbnail_url(self, profile: OffenderProfile) -> str | None:
        images = getattr(profile, "primary_images", [])
        if not images or images[0].processed_at is None:
            return None
        return api_url(self.context, "offenders-api:photo-thumbnail", token=images[0].token)

    def get_url(self, profile: OffenderProfile) -> str:
        return api_url(self.context, "offenders-api:profile-detail", pk=profile.pk)


class MemberProfileSerializer(serializers.ModelSerializer[OffenderProfile]):
    """What a member at a till sees of a circulated profile: names, photos, warnings, status."""

    shown = "till"
    fields_shown = serializers.SerializerMethodField(
        help_text="`till`: what a member at a till sees; `full`: the whole profile."
    )

    id = serializers.IntegerField(read_only=True, help_text="The profile's id.")
    reference = serializers.CharField(read_only=True, help_text="As in WBC-00042.")
    first_name = serializers.CharField(read_only=True, help_text="First name, if known.")
    last_name = serializers.CharField(read_only=True, help_text="Last name, if known.")
    aliases = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Other names used."
    )
    status = serializers.CharField(read_only=True, help_text="`known`, `id_sought` or `archived`.")
    warning_markers = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Warnings for staff."
    )
    notice_in_force = serializers.SerializerMethodField(
        help_text="The strongest notice in force today, if any."
    )
    photos = serializers.SerializerMethodField(help_text="The profile's photos.")

    class Meta:
        model = OffenderProfile
        fields = [
            "fields_shown",
            "id",
            "reference",
            "first_name",
            "last_name",
            "aliases",
            "status",
            "warning_markers",
            "notice_in_force",
            "photos",
        ]

    @extend_schema_field({"type": "string", "enum": ["till"]})
    def get_fields_shown(self, profile: OffenderProfile) -> str:
        return self.shown

    @extend_schema_field(NoticeInForceSerializer(allow_null=True))
    def get_notice_in_force(self, profile: OffenderProfile) -> dict[str, Any] | None:
        return ProfileRowSerializer.get_notice_in_force(self, profile)

    @extend_schema_field(PhotoSerializer(many=True))
    def get_photos(self, profile: OffenderProfile) -> Any:
        return PhotoSerializer(profile.images.all(), many=True, context=self.context).data


class ProfileSerializer(MemberProfileSerializer):
    """The whole profile, for administrators and police liaison officers."""

    shown = "full"

    @extend_schema_field({"type": "string", "enum": ["full"]})
    def get_fields_shown(self, profile: OffenderProfile) -> str:
        return self.shown

    owner = OwnerSerializer(source="partnership", read_only=True)
    date_of_birth = serializers.DateField(read_only=True, allow_null=True, help_text="If known.")
    age_min = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Apparent age, lower bound."
    )
    age_max = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Apparent age, upper bound."
    )
    gender = serializers.CharField(read_only=True, help_text="Empty if not recorded.")
    perceived_ethnicity = serializers.CharField(
        read_only=True, help_text="Police IC code (IC1-IC6, IC9); empty if not recorded."
    )
    build = serializers.CharField(read_only=True, help_text="Empty if not recorded.")
    height_cm = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Height in centimetres."
    )
    hair = serializers.CharField(read_only=True, help_text="Hair, as described.")
    distinguishing_features = serializers.CharField(
        read_only=True, help_text="Scars, tattoos, ways of walking..."
    )
    offence_types = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Offences recorded."
    )
    notes = serializers.CharField(read_only=True, help_text="Notes for administrators and police.")
    local_only = serializers.BooleanField(read_only=True, help_text="Never shared with partners.")
    created_at = serializers.DateTimeField(read_only=True, help_text="When it was added.")
    updated_at = serializers.DateTimeField(read_only=True, help_text="When it last changed.")

    class Meta(MemberProfileSerializer.Meta):
        fields = [
            *MemberProfileSerializer.Meta.fields,
            "owner",
            "date_of_birth",
            "age_min",
            "age_max",
            "gender",
            "perceived_ethnicity",
            "build",
            "height_cm",
            "hair",
            "distinguishing_features",
            "offence_types",
            "notes",
            "local_only",
            "created_at",
            "updated_at",
        ]
