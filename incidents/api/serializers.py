"""Incidents, a report sent in, a review and the statistics as the API shows and takes them,
described for the OpenAPI document (what is taken is checked by the page's own form)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.forms import EARLIEST_INCIDENT_YEAR
from incidents.models import (
    CCTV_MAX_OFFSET,
    MAX_PHOTOS_PER_INCIDENT,
    Category,
    Incident,
    IncidentOffender,
    IncidentPhoto,
    IncidentStatus,
    OffenderRole,
)
from offenders.api.serializers import api_url

# The model's own limits, which the page's form enforces.
DESCRIPTION_MAX = Incident._meta.get_field("description").max_length
POLICE_REFERENCE_MAX = Incident._meta.get_field("police_reference").max_length
REASON_MAX = 1000
CCTV_TEXT_MAX = Incident._meta.get_field("cctv_camera").max_length
CCTV_CAMERA_HELP = "Which camera recorded it, or where it looks, e.g. `Till 2, facing the door`."
CCTV_START_HELP = "Where the footage of the incident begins, by the recording's own clock."
CCTV_END_HELP = "Where the footage ends, by the recording's own clock; not before the start."
CCTV_OFFSET_HELP = (
    "How many seconds the camera's clock is ahead of real time (negative if behind), at most "
    f"{CCTV_MAX_OFFSET} either way."
)
CCTV_RETRIEVED_HELP = "Who copied the footage from the system."
CCTV_KEPT_HELP = "Whether the footage has been kept (copied, or saved from being overwritten)."
CCTV_KEPT_WHERE_HELP = "Where the footage is kept, e.g. `USB stick in the manager's safe`."


class IncidentPhotoSerializer(serializers.ModelSerializer[IncidentPhoto]):
    token = serializers.CharField(read_only=True, help_text="The photo's unguessable id.")
    ready = serializers.SerializerMethodField(
        help_text="Whether the thumbnail has been made; until then `thumbnail_url` answers 404 "
        "(the full-size photo can be fetched at once)."
    )
    url = serializers.SerializerMethodField(help_text="The photo as received, re-encoded (JPEG).")
    thumbnail_url = serializers.SerializerMethodField(help_text="A small copy (JPEG).")

    class Meta:
        model = IncidentPhoto
        fields = ["token", "ready", "url", "thumbnail_url"]

    def get_ready(self, photo: IncidentPhoto) -> bool:
        return photo.processed_at is not None

    def get_url(self, photo: IncidentPhoto) -> str:
        return api_url(self.context, "incidents-api:incident-photo-detail", token=photo.token)

    def get_thumbnail_url(self, photo: IncidentPhoto) -> str:
        return api_url(self.context, "incidents-api:incident-photo-thumbnail", token=photo.token)


class PremisesSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="The premises' id.")
    name = serializers.CharField(help_text="The premises' name.")


class LinkedOffenderSerializer(serializers.ModelSerializer[IncidentOffender]):
    id = serializers.IntegerField(source="profile.pk", help_text="The profile's id.")
    reference = serializers.CharField(source="profile.reference", help_text="As in WBC-00042.")
    name = serializers.CharField(
        source="profile.display_name", help_text="The names known, or `Unknown person`."
    )
    role = serializers.ChoiceField(
        choices=OffenderRole.choices,
        help_text="`suspect`: named by the member; `identified`: confirmed by an administrator.",
    )
    url = serializers.SerializerMethodField(help_text="The profile.")

    class Meta:
        model = IncidentOffender
        fields = ["id", "reference", "name", "role", "url"]

    def get_url(self, link: IncidentOffender) -> str:
        return api_url(self.context, "offenders-api:profile-detail", pk=link.profile_id)


class IncidentSerializer(serializers.ModelSerializer[Incident]):
    """An incident as its page shows it to this person."""

    id = serializers.IntegerField(read_only=True, help_text="The incident's id.")
    url = serializers.SerializerMethodField(help_text="This incident.")
    occurred_at = serializers.DateTimeField(read_only=True, help_text="When it happened.")
    # A plain string here: the choices are named once, as the enum of what a report sends.
    category = serializers.CharField(
        read_only=True,
        help_text=f"What happened: one of {', '.join(f'`{value}`' for value in Category.values)}.",
    )
    description = serializers.CharField(read_only=True, help_text="What happened, as reported.")
    premises = PremisesSerializer(
        read_only=True, allow_null=True, help_text="Where it happened; null if not given."
    )
    status = serializers.ChoiceField(
        choices=IncidentStatus.choices,
        read_only=True,
        help_text="`submitted` until an administrator accepts or rejects it.",
    )
    rejection_reason = serializers.CharField(
        read_only=True, help_text="Why it was rejected (the member sees it); empty otherwise."
    )
    value_lost = serializers.DecimalField(
        max_digits=10, decimal_places=2, read_only=True, help_text="Value lost, in pounds."
    )
    value_recovered = serializers.DecimalField(
        max_digits=10, decimal_places=2, read_only=True, help_text="Value recovered, in pounds."
    )
    police_attended = serializers.BooleanField(read_only=True, help_text="Police attended.")
    police_reference = serializers.CharField(
        read_only=True, help_text="The police crime reference; empty if none."
    )
    reported_by = serializers.CharField(
        read_only=True, allow_null=True, help_text="Who reported it; null if they have left."
    )
    reported_at = serializers.DateTimeField(
        source="created_at", read_only=True, help_text="When the report was received."
    )
    reviewed_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it was accepted or rejected, if it was."
    )
    cctv_camera = serializers.CharField(
        read_only=True, help_text=CCTV_CAMERA_HELP + " Empty if no CCTV was given."
    )
    cctv_start = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=CCTV_START_HELP + " Null if not given."
    )
    cctv_end = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=CCTV_END_HELP + " Null if not given."
    )
    cctv_clock_offset = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=CCTV_OFFSET_HELP + " Null if not checked."
    )
    cctv_retrieved_by = serializers.CharField(
        read_only=True, help_text=CCTV_RETRIEVED_HELP + " Empty if not given."
    )
    cctv_kept = serializers.BooleanField(read_only=True, help_text=CCTV_KEPT_HELP)
    cctv_kept_where = serializers.CharField(
        read_only=True, help_text=CCTV_KEPT_WHERE_HELP + " Empty if not given."
    )
    photos = IncidentPhotoSerializer(many=True, read_only=True, help_text="Its photos.")
    offenders = serializers.SerializerMethodField(
        help_text="The offenders linked to it, of those this person may see."
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "url",
            "occurred_at",
            "category",
            "description",
            "premises",
            "status",
            "rejection_reason",
            "value_lost",
            "value_recovered",
            "police_attended",
            "police_reference",
            "reported_by",
            "reported_at",
            "reviewed_at",
            "cctv_camera",
            "cctv_start",
            "cctv_end",
            "cctv_clock_offset",
            "cctv_retrieved_by",
            "cctv_kept",
            "cctv_kept_where",
            "photos",
            "offenders",
        ]

    def get_url(self, incident: Incident) -> str:
        return api_url(self.context, "incidents-api:incident-detail", pk=incident.pk)

    @extend_schema_field(LinkedOffenderSerializer(many=True))
    def get_offenders(self, incident: Incident) -> Any:
        # Worked out by the view for the whole page (incidents.selectors.profile_ids_shown).
        shown: set[int] = self.context["profile_ids_shown"]
        links = sorted(
            (link for link in incident.offender_links.all() if link.profile_id in shown),
            key=lambda link: link.pk,
        )
        return LinkedOffenderSerializer(links, many=True, context=self.context).data


class IncidentSubmitSerializer(serializers.Serializer[Any]):
    """A report, as multipart/form-data: the fields of the page's form, checked by that form."""

    occurred_at = serializers.DateTimeField(
        help_text=f"When it happened (ISO 8601); not before {EARLIEST_INCIDENT_YEAR}, nor in "
        "the future. Without a time zone, UK time."
    )
    premises = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Where it happened: the id of premises in this partnership (a member: of "
        "their own business). Leave out if none.",
    )
    category = serializers.ChoiceField(choices=Category.choices, help_text="What happened.")
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX, help_text="What happened, in the reporter's words."
    )
    value_lost = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        default=Decimal(0),
        help_text="Value lost, in pounds (0 if left out).",
    )
    value_recovered = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        default=Decimal(0),
        help_text="Value recovered, in pounds (0 if left out).",
    )
    police_attended = serializers.BooleanField(
        required=False, default=False, help_text="Whether police attended."
    )
    police_reference = serializers.CharField(
        max_length=POLICE_REFERENCE_MAX,
        required=False,
        allow_blank=True,
        help_text="The police crime reference, if there is one.",
    )
    offender = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Who it was, if known: the id of a profile of this partnership's gallery "
        "(for a member, one circulated to members).",
    )
    cctv_camera = serializers.CharField(
        max_length=CCTV_TEXT_MAX, required=False, allow_blank=True, help_text=CCTV_CAMERA_HELP
    )
    cctv_start = serializers.DateTimeField(
        required=False,
        help_text=CCTV_START_HELP + f" ISO 8601; not before {EARLIEST_INCIDENT_YEAR}, nor in the "
        "future. Without a time zone, UK time.",
    )
    cctv_end = serializers.DateTimeField(
        required=False,
        help_text=CCTV_END_HELP + " ISO 8601, bounded like `cctv_start`.",
    )
    cctv_clock_offset = serializers.IntegerField(
        required=False,
        min_value=-CCTV_MAX_OFFSET,
        max_value=CCTV_MAX_OFFSET,
        help_text=CCTV_OFFSET_HELP + " Leave out if not checked.",
    )
    cctv_retrieved_by = serializers.CharField(
        max_length=CCTV_TEXT_MAX, required=False, allow_blank=True, help_text=CCTV_RETRIEVED_HELP
    )
    cctv_kept = serializers.BooleanField(
        required=False, default=False, help_text=CCTV_KEPT_HELP + " `false` if left out."
    )
    cctv_kept_where = serializers.CharField(
        max_length=CCTV_TEXT_MAX, required=False, allow_blank=True, help_text=CCTV_KEPT_WHERE_HELP
    )
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=MAX_PHOTOS_PER_INCIDENT,
        help_text=f"Up to {MAX_PHOTOS_PER_INCIDENT} photos (JPEG, PNG, WebP or HEIC; repeat "
        "the field for each).",
    )


class JsonBooleanField(serializers.BooleanField):
    """`true` or `false` as JSON writes them; 1, "yes" or "on" are refused, not guessed at."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return bool(data)


class ReviewSerializer(serializers.Serializer[Any]):
    accept = JsonBooleanField(help_text="true to accept the report, false to reject it.")
    reason = serializers.CharField(
        max_length=REASON_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why it is rejected (the member sees it); needed to reject.",
    )


class StatsRowSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(
        help_text="What the row counts: a category, a premises id (`other`, `none`), an hour "
        "(`09:00`), a weekday (`Monday`), a month (`2025-03`), or `all` for the total."
    )
    label = serializers.CharField(help_text="The row as the statistics page labels it.")
    incidents = serializers.IntegerField(help_text="How many incidents (rejected ones left out).")
    value_lost = serializers.DecimalField(
        max_digits=None, decimal_places=2, help_text="Their value lost, in pounds."
    )
    value_recovered = serializers.DecimalField(
        max_digits=None, decimal_places=2, help_text="Their value recovered, in pounds."
    )


class IncidentStatsSerializer(serializers.Serializer[Any]):
    """The statistics page's aggregates over one date range; times are UK local time."""

    date_from = serializers.DateField(help_text="The range's first day.")
    date_to = serializers.DateField(help_text="The range's last day (included).")
    total = StatsRowSerializer(help_text="Every incident counted in the range.")
    by_category = StatsRowSerializer(many=True, help_text="One row per category.")
    by_premises = StatsRowSerializer(
        many=True,
        help_text="The busiest premises, then the rest as one row, then those given none.",
    )
    by_hour = StatsRowSerializer(many=True, help_text="One row per hour of the day (24).")
    by_weekday = StatsRowSerializer(many=True, help_text="One row per day, Monday first.")
    by_month = StatsRowSerializer(many=True, help_text="One row per month of the range.")
