"""Profiles, photos, galleries and notices as the API shows them: the fields the matching page
shows the same role, described for the OpenAPI document; notices checked by the pages' forms."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.forms import BaseForm
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from offenders.forms import AppealForm, NoticeForm
from offenders.models import (
    AppealOutcome,
    Exclusion,
    Gallery,
    GalleryPlacement,
    IdentificationSource,
    NoticeKind,
    NoticeStatus,
    OffenderImage,
    OffenderProfile,
)
from partnerships.models import Role


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
    identification_source = serializers.ChoiceField(
        choices=IdentificationSource.choices,
        allow_blank=True,
        read_only=True,
        help_text="How the person was identified (the weight the name may be given); empty if "
        "not recorded.",
    )
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
            "identification_source",
            "local_only",
            "created_at",
            "updated_at",
        ]


class GallerySerializer(serializers.ModelSerializer[Gallery]):
    id = serializers.IntegerField(read_only=True, help_text="The gallery's id.")
    name = serializers.CharField(read_only=True, help_text="As in “Excluded offenders”.")
    default_expiry_months = serializers.IntegerField(
        read_only=True, help_text="How long a profile stays in it unless told otherwise."
    )
    members_may_see = serializers.BooleanField(
        read_only=True, help_text="Circulated to members at the till."
    )
    url = serializers.SerializerMethodField(help_text="This gallery.")
    placements_url = serializers.SerializerMethodField(
        help_text="The profiles in it that this person may see."
    )

    class Meta:
        model = Gallery
        fields = ["id", "name", "default_expiry_months", "members_may_see", "url", "placements_url"]

    def get_url(self, gallery: Gallery) -> str:
        return api_url(self.context, "offenders-api:gallery-detail", pk=gallery.pk)

    def get_placements_url(self, gallery: Gallery) -> str:
        return api_url(self.context, "offenders-api:gallery-placements", pk=gallery.pk)


PLACED_PROFILE = PolymorphicProxySerializer(
    component_name="PlacedProfile",
    serializers=[ProfileRowSerializer, MemberProfileSerializer],
    resource_type_field_name=None,
)


class PlacementSerializer(serializers.ModelSerializer[GalleryPlacement]):
    """A profile's place in a gallery."""

    id = serializers.IntegerField(read_only=True, help_text="The placement's id.")
    expires_on = serializers.DateField(
        read_only=True, help_text="The last day the profile stays in the gallery."
    )
    profile = serializers.SerializerMethodField(
        help_text="The profile: a profile row for administrators and police, the till card "
        "(MemberProfile) for members."
    )

    class Meta:
        model = GalleryPlacement
        fields = ["id", "expires_on", "profile"]

    @extend_schema_field(PLACED_PROFILE)
    def get_profile(self, placement: GalleryPlacement) -> Any:
        if self.context["membership"].role == Role.MEMBER:
            return MemberProfileSerializer(placement.profile, context=self.context).data
        return ProfileRowSerializer(placement.profile, context=self.context).data


# Ids in request bodies and query strings: as many digits as a path's (PK_PATTERN) allow.
MAX_ID = 10**18 - 1


class NoticeProfileSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="The profile's id.")
    reference = serializers.CharField(help_text="As in WBC-00042.")
    name = serializers.CharField(source="display_name", help_text="The person's name, if known.")
    url = serializers.SerializerMethodField(help_text="The whole profile.")

    def get_url(self, profile: OffenderProfile) -> str:
        return api_url(self.context, "offenders-api:profile-detail", pk=profile.pk)


class NoticePremisesSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="The premises' id.")
    name = serializers.CharField(help_text="The premises' name.")
    postcode = serializers.CharField(help_text="The premises' postcode.")


class NoticeSerializer(serializers.ModelSerializer[Exclusion]):
    """A warning or exclusion notice, as the printable notice page shows it."""

    id = serializers.IntegerField(read_only=True, help_text="The notice's id.")
    url = serializers.SerializerMethodField(help_text="This notice.")
    profile = NoticeProfileSerializer(read_only=True, help_text="Whom it was served on.")
    kind = serializers.ChoiceField(
        choices=NoticeKind.choices,
        read_only=True,
        help_text="A repeat warning becomes an exclusion (see `escalated_from`).",
    )
    status = serializers.ChoiceField(
        choices=NoticeStatus.choices,
        read_only=True,
        help_text="In force, lapsed (its last day has passed) or withdrawn on appeal.",
    )
    starts_on = serializers.DateField(read_only=True, help_text="The first day it is in force.")
    ends_on = serializers.DateField(
        read_only=True,
        help_text="The last day it is in force, set by the partnership's scheme.",
    )
    all_premises = serializers.BooleanField(
        read_only=True, help_text="Whether it covers every member's premises."
    )
    premises = NoticePremisesSerializer(
        many=True, read_only=True, help_text="The premises it covers, if not all."
    )
    reason = serializers.CharField(read_only=True, help_text="Why it was issued.")
    served_by = serializers.CharField(read_only=True, help_text="Who served it; may be empty.")
    served_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="When it was served, if recorded."
    )
    escalated_from = serializers.IntegerField(
        source="escalated_from_id",
        read_only=True,
        allow_null=True,
        help_text="The earlier warning (its id) that made this an exclusion.",
    )
    appeal_lodged_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="When an appeal was lodged."
    )
    appeal_outcome = serializers.ChoiceField(
        choices=AppealOutcome.choices,
        read_only=True,
        allow_blank=True,
        help_text="Empty until the appeal is decided.",
    )
    appeal_decided_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="When the appeal was decided."
    )
    issued_by = serializers.SerializerMethodField(
        help_text="The administrator who issued it, if still known."
    )
    created_at = serializers.DateTimeField(read_only=True, help_text="When it was recorded.")

    class Meta:
        model = Exclusion
        fields = [
            "id",
            "url",
            "profile",
            "kind",
            "status",
            "starts_on",
            "ends_on",
            "all_premises",
            "premises",
            "reason",
            "served_by",
            "served_on",
            "escalated_from",
            "appeal_lodged_on",
            "appeal_outcome",
            "appeal_decided_on",
            "issued_by",
            "created_at",
        ]

    def get_url(self, notice: Exclusion) -> str:
        return api_url(self.context, "offenders-api:notice-detail", pk=notice.pk)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_issued_by(self, notice: Exclusion) -> str | None:
        return str(notice.issued_by) if notice.issued_by is not None else None


def form_errors(form: BaseForm) -> dict[str, list[str]]:
    """A Django form's errors as a serializer's: the same messages, under the same names."""
    return {
        "non_field_errors" if field == NON_FIELD_ERRORS else field: [str(e) for e in errors]
        for field, errors in form.errors.items()
    }


def form_data(values: dict[str, Any]) -> dict[str, Any]:
    """Values a serializer has read, as a form would receive them from a page."""
    data: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            data[name] = ""
        elif isinstance(value, date):
            data[name] = value.isoformat()
        elif isinstance(value, list):
            data[name] = [str(item) for item in value]
        else:
            data[name] = str(value)
    return data


NOTICE_FORM_FIELDS = NoticeForm.base_fields


class NoticeIssueSerializer(serializers.Serializer[Any]):
    """A notice to issue. The fields are read here, then checked by the notice form of the
    profile page, so the API and the page agree on every bound."""

    profile = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="The profile's id: one of this partnership's, which you may change.",
    )
    kind = serializers.ChoiceField(
        choices=NoticeKind.choices,
        help_text="A warning given while an earlier one is on record becomes an exclusion.",
    )
    reason = serializers.CharField(
        max_length=NOTICE_FORM_FIELDS["reason"].max_length,  # type: ignore[attr-defined]
        help_text="Why it is issued, as the person will read it.",
    )
    starts_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The first day it is in force, within a year of today (today if not given "
        "or null).",
    )
    premises = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=100,
        help_text="The premises (their ids) it covers; every member's premises if none.",
    )
    served_by = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NOTICE_FORM_FIELDS["served_by"].max_length,  # type: ignore[attr-defined]
        help_text="Who served it.",
    )
    served_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="When it was served: not in the future, at most 90 days before it starts.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        values = {**attrs, "starts_on": attrs.get("starts_on") or timezone.localdate()}
        values.pop("profile")
        form = NoticeForm(form_data(values), partnership=self.context["membership"].partnership)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        return {"profile": attrs["profile"], **form.cleaned_data}


class AppealSerializer(serializers.Serializer[Any]):
    """An appeal against a notice and, once decided, its outcome. Checked by the appeal form of
    the notice page."""

    appeal_lodged_on = serializers.DateField(
        help_text="When the appeal was lodged: not in the future, nor before the notice "
        "was served or started."
    )
    appeal_outcome = serializers.ChoiceField(
        choices=AppealOutcome.choices,
        required=False,
        allow_blank=True,
        help_text="Empty while undecided; upheld withdraws the notice.",
    )
    appeal_decided_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="When it was decided (needed with an outcome): not in the future, nor "
        "before it was lodged.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        values = {"appeal_outcome": "", "appeal_decided_on": None, **attrs}
        form = AppealForm(form_data(values), instance=self.context["notice"])
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        return form.cleaned_data
