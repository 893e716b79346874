"""The phone-first incident form and the review forms."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from bcrp.forms import IsoDateTimeField
from bcrp.widgets import NormalisedTextarea
from incidents.models import MAX_PHOTOS_PER_INCIDENT, Incident
from incidents.selectors import known_offender_choices, premises_for_reporter
from offenders.forms import MultipleFileInput, MultiplePhotoField
from offenders.models import OffenderProfile
from partnerships.models import Membership, Premises


class OffenderChoiceField(forms.ModelChoiceField[OffenderProfile]):
    def label_from_instance(self, obj: OffenderProfile) -> str:
        aliases = f" (aka {', '.join(obj.aliases)})" if obj.aliases else ""
        return f"{obj.display_name}{aliases}"


# Reports are of what happened since the scheme's records began; an earlier year is a typo.
EARLIEST_INCIDENT_YEAR = 1990
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)


def _earliest_incident() -> datetime:
    return datetime(EARLIEST_INCIDENT_YEAR, 1, 1, tzinfo=timezone.get_current_timezone())


def _latest_incident() -> datetime:
    return timezone.now() + CLOCK_SKEW


class IncidentForm(forms.ModelForm[Incident]):
    occurred_at = IsoDateTimeField(
        label="When did it happen?",
        earliest=_earliest_incident,
        latest=_latest_incident,
        error_messages={
            "too_early": f"That is before {EARLIEST_INCIDENT_YEAR}: check the year.",
            "too_late": "That time is in the future.",
        },
    )
    premises = forms.ModelChoiceField(
        queryset=Premises.objects.none(), label="Where?", required=False
    )
    offender = OffenderChoiceField(
        queryset=OffenderProfile.objects.none(),
        required=False,
        label="Do you know who it was?",
        empty_label="No / not sure",
        help_text="Pick from your partnership's gallery.",
    )
    photos = MultiplePhotoField(
        required=False,
        label="Photos",
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif"}
        ),
        help_text=f"Up to {MAX_PHOTOS_PER_INCIDENT} photos: CCTV stills, damage, items.",
    )
    # A fresh one in each form shown; sending the same form again is then recognised. Clients
    # that send none (older scripts) still get their report stored, without that protection.
    submission_key = forms.UUIDField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "This form is out of date: reload the page and send the report again."
        },
    )

    class Meta:
        model = Incident
        fields = (
            "occurred_at",
            "premises",
            "category",
            "description",
            "value_lost",
            "value_recovered",
            "police_attended",
            "police_reference",
        )
        widgets = {
            "description": NormalisedTextarea(attrs={"rows": 4}),
            "value_lost": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
            "value_recovered": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        }

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["premises"].queryset = premises_for_reporter(membership)  # type: ignore[attr-defined]
        self.fields["offender"].queryset = known_offender_choices(membership)  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0))
            if membership.premises_id:
                self.initial.setdefault("premises", membership.premises_id)


class RejectForm(forms.Form):
    reason = forms.CharField(widget=NormalisedTextarea(attrs={"rows": 2}), max_length=1000)


class LinkForm(forms.Form):
    reference = forms.CharField(
        label="Profile reference", max_length=20, help_text="For example WB-00042."
    )
