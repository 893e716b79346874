"""The phone-first incident form and the review forms."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from incidents.models import MAX_PHOTOS_PER_INCIDENT, Incident
from incidents.selectors import known_offender_choices, premises_for_reporter
from offenders.forms import MultipleFileInput, MultiplePhotoField
from offenders.models import OffenderProfile
from partnerships.models import Membership, Premises


class OffenderChoiceField(forms.ModelChoiceField[OffenderProfile]):
    def label_from_instance(self, obj: OffenderProfile) -> str:
        aliases = f" (aka {', '.join(obj.aliases)})" if obj.aliases else ""
        return f"{obj.display_name}{aliases}"


class IncidentForm(forms.ModelForm[Incident]):
    occurred_at = forms.DateTimeField(
        label="When did it happen?",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
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
            "description": forms.Textarea(attrs={"rows": 4}),
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

    def clean_occurred_at(self) -> Any:
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError("That time is in the future.")
        return value


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class LinkForm(forms.Form):
    reference = forms.CharField(
        label="Profile reference", max_length=20, help_text="For example WB-00042."
    )
