"""The phone-first incident form, the review forms and the statistics' date range."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone

from bcrp.forms import IsoDateField, IsoDateTimeField
from bcrp.widgets import NormalisedTextarea
from incidents.models import MAX_PHOTOS_PER_INCIDENT, Incident
from incidents.selectors import STATS_TIME_ZONE, premises_for_reporter, profiles_for_reporter
from offenders.models import OffenderProfile
from partnerships.models import Membership, Premises
from photos.forms import MultipleFileInput, MultiplePhotoField


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
        max_files=MAX_PHOTOS_PER_INCIDENT,
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
        self.fields["premises"].queryset = premises_for_reporter(membership=membership)  # type: ignore[attr-defined]
        self.fields["offender"].queryset = profiles_for_reporter(membership=membership)  # type: ignore[attr-defined]
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


MAX_RANGE_DAYS = 10 * 366


class StatsRangeForm(forms.Form):
    """The `from` and `to` dates of the query string (both inclusive)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword, so the fields cannot be declared as class attributes.
        self.fields["from"] = IsoDateField(label="From")
        self.fields["to"] = IsoDateField(label="To")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("from"), cleaned.get("to")
        if date_to and date_to == date.max:
            raise ValidationError("Choose an earlier end date.")
        if date_from and date_to:
            if date_from > date_to:
                raise ValidationError("The start date must be on or before the end date.")
            if (date_to - date_from).days > MAX_RANGE_DAYS:
                raise ValidationError("Choose a range of ten years or less.")
        return cleaned


def stats_default_range(today: date) -> tuple[date, date]:
    """The last 12 months: this month so far and the 11 whole months before it."""
    month_index = today.year * 12 + today.month - 1 - 11
    return date(month_index // 12, month_index % 12 + 1, 1), today


def stats_range_parse(query: QueryDict) -> tuple[StatsRangeForm, date, date]:
    """The form bound to the query string (defaults filled in) and the range to report on.

    An invalid range falls back to the default one; the form carries the errors to show.
    """
    default_from, default_to = stats_default_range(timezone.localdate(timezone=STATS_TIME_ZONE))
    form = StatsRangeForm(
        {
            "from": query.get("from") or default_from.isoformat(),
            "to": query.get("to") or default_to.isoformat(),
        }
    )
    if form.is_valid():
        return form, form.cleaned_data["from"], form.cleaned_data["to"]
    return form, default_from, default_to
