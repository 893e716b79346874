"""Partners and the state of sharing with each, as the partners pages show them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from offenders.api.serializers import api_url
from sharing.models import SharingConsent
from sharing.selectors import STATE_LABELS, PartnerRow, PartnerState

# Named in the OpenAPI document by settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].
PARTNER_STATE_CHOICES = [(state.value, STATE_LABELS[state]) for state in PartnerState]


def _agreement_of(row: PartnerRow) -> SharingConsent | None:
    """The consent whose agreement reference the partners page shows."""
    return next(
        (
            consent
            for consent in (row.ours, row.theirs, row.last_ended)
            if consent is not None and consent.agreement_reference
        ),
        None,
    )


class PartnerSerializer(serializers.Serializer[PartnerRow]):
    slug = serializers.CharField(
        source="partnership.slug", read_only=True, help_text="The partnership's short name."
    )
    name = serializers.CharField(
        source="partnership.name", read_only=True, help_text="The partnership's name."
    )
    police_force_area = serializers.CharField(
        source="partnership.police_force_area",
        read_only=True,
        help_text="Its police force area; may be empty.",
    )
    state = serializers.ChoiceField(
        choices=PARTNER_STATE_CHOICES,
        read_only=True,
        help_text="Sharing happens only while `active`: both sides have agreed. "
        "`requested_by_us` and `requested_by_them` wait for the other side's answer; `ended` "
        "was revoked or declined; `none` has never been asked.",
    )
    state_label = serializers.CharField(
        source="label", read_only=True, help_text="The state as the partners page words it."
    )
    agreement_reference = serializers.SerializerMethodField(
        help_text="The information sharing agreement's reference; empty if none was given."
    )
    since = serializers.SerializerMethodField(
        help_text="When the state began: when both sides had agreed, when it ended or when it "
        "was requested; null for `none`."
    )
    url = serializers.SerializerMethodField(help_text="This partner, with the give/gain counts.")

    def get_agreement_reference(self, row: PartnerRow) -> str:
        consent = _agreement_of(row)
        return consent.agreement_reference if consent is not None else ""

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_since(self, row: PartnerRow) -> Any:
        began: datetime | None
        if row.state == PartnerState.ACTIVE and row.ours and row.theirs:
            began = max(row.ours.granted_at, row.theirs.granted_at)
        elif row.state == PartnerState.ENDED and row.last_ended:
            began = row.last_ended.ended_at
        else:
            requested = row.ours or row.theirs
            began = requested.granted_at if requested is not None else None
        return serializers.DateTimeField().to_representation(began) if began else None

    def get_url(self, row: PartnerRow) -> str:
        return api_url(self.context, "sharing-api:partner-detail", other=row.partnership.slug)


class PartnerDetailSerializer(PartnerSerializer):
    """A partner with what the partner page shows before an agreement is made or ended: the
    counts come in the context as `gain` and `give`."""

    gain = serializers.SerializerMethodField(
        help_text="Profiles of theirs this partnership sees (or would see) while sharing: "
        "archived, local-only and under-18 profiles are never shared."
    )
    give = serializers.SerializerMethodField(
        help_text="Profiles of this partnership's they see (or would see) while sharing."
    )

    def get_gain(self, row: PartnerRow) -> int:
        return int(self.context["gain"])

    def get_give(self, row: PartnerRow) -> int:
        return int(self.context["give"])
