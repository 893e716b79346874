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
from bcrp.widgets import NormalisedTextarea, QuickSelect
from incidents.models import (
    CCTV_MAX_OFFSET,
    MAX_PHOTOS_PER_INCIDENT,
    ImpactStatement,
    Incident,
    WitnessStatement,
)
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


# Shown together in a section of the report page that opens on request: most reports have none.
CCTV_FIELDS = (
    "cctv_camera",
    "cctv_start",
    "cctv_end",
    "cctv_clock_offset",
    "cctv_retrieved_by",
    "cctv_kept",
    "cctv_kept_where",
)


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
        # A large partnership's gallery is thousands of choices: Django's template per option
        # made the report page take a second to draw (`make loadtest`).
        # Searched by typing where the browser runs scripts (static/js/searchable-select.js).
        widget=QuickSelect(attrs={"data-searchable": "Type part of a name"}),
        required=False,
        label="Do you know who it was?",
        empty_label="No / not sure",
        help_text="From your partnership's gallery: type part of a name or alias.",
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
    cctv_start = IsoDateTimeField(
        label="Recording starts",
        required=False,
        earliest=_earliest_incident,
        latest=_latest_incident,
        help_text="The time on the recording where the footage of the incident begins.",
        error_messages={
            "too_early": f"That is before {EARLIEST_INCIDENT_YEAR}: check the year.",
            "too_late": "That time is in the future.",
        },
    )
    cctv_end = IsoDateTimeField(
        label="Recording ends",
        required=False,
        earliest=_earliest_incident,
        latest=_latest_incident,
        error_messages={
            "too_early": f"That is before {EARLIEST_INCIDENT_YEAR}: check the year.",
            "too_late": "That time is in the future.",
        },
    )
    cctv_clock_offset = forms.IntegerField(
        label="How far the camera's clock is out (seconds)",
        required=False,
        min_value=-CCTV_MAX_OFFSET,
        max_value=CCTV_MAX_OFFSET,
        help_text="If the camera shows 14:02:00 when it is really 14:00:00, enter 120; if it "
        "shows 13:59:30, enter -30. Leave empty if you have not checked, 0 if it is right.",
        error_messages={
            "min_value": "A clock more than a day behind is wrong, not offset: leave this "
            "empty and say so in the description.",
            "max_value": "A clock more than a day ahead is wrong, not offset: leave this "
            "empty and say so in the description.",
        },
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
            *CCTV_FIELDS,
        )
        widgets = {
            "description": NormalisedTextarea(attrs={"rows": 4}),
            "value_lost": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
            "value_recovered": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        }

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["premises"].queryset = premises_for_reporter(membership=membership)  # type: ignore[attr-defined]
        self.fields["offender"].queryset = profiles_for_reporter(  # type: ignore[attr-defined]
            membership=membership
        ).only("id", "partnership_id", "first_name", "last_name", "aliases")
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0))
            if membership.premises_id:
                self.initial.setdefault("premises", membership.premises_id)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("cctv_start"), cleaned.get("cctv_end")
        if start and end and end < start:
            self.add_error("cctv_end", "The recording cannot end before it starts.")
        return cleaned

    def main_fields(self) -> list[forms.BoundField]:
        return [field for field in self.visible_fields() if field.name not in CCTV_FIELDS]

    def cctv_fields(self) -> list[forms.BoundField]:
        return [field for field in self.visible_fields() if field.name in CCTV_FIELDS]

    def cctv_has_errors(self) -> bool:
        return any(self.has_error(name) for name in CCTV_FIELDS)


class StatementForm(forms.ModelForm[WitnessStatement]):
    """The maker's statement as they edit it on a phone; `version` is the one they were shown."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=32767)

    class Meta:
        model = WitnessStatement
        fields = ("name", "occupation", "over_18", "exhibit_prefix", "account")
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "occupation": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "exhibit_prefix": forms.TextInput(
                attrs={"autocapitalize": "characters", "size": 4, "class": "prefix-input"}
            ),
            "account": NormalisedTextarea(attrs={"rows": 18, "class": "statement-account"}),
        }

    def clean_exhibit_prefix(self) -> str:
        prefix = str(self.cleaned_data["exhibit_prefix"]).strip().upper()
        if not prefix.isalpha() or not prefix.isascii():
            raise ValidationError("Use letters only, e.g. JS for Jane Smith.")
        return prefix

    def clean_name(self) -> str:
        return " ".join(str(self.cleaned_data["name"]).split())


class StatementSignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=32767)
    signed_name = forms.CharField(
        label="Type your full name to sign",
        max_length=WitnessStatement._meta.get_field("signed_name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class StatementVersionForm(forms.Form):
    """The earlier version asked for in the query string (`?version=2`)."""

    version = forms.IntegerField(min_value=1, max_value=32767)


class ImpactStatementForm(forms.ModelForm[ImpactStatement]):
    class Meta:
        model = ImpactStatement
        fields = ("effect_on_staff", "effect_on_business")
        widgets = {
            "effect_on_staff": NormalisedTextarea(attrs={"rows": 8}),
            "effect_on_business": NormalisedTextarea(attrs={"rows": 8}),
        }
        help_texts = {
            "effect_on_staff": "How it affected you and your colleagues: fear, time off, "
            "changes to how you work.",
            "effect_on_business": "What it cost the business beyond the goods: staff time, "
            "security, lost trade, damage.",
        }


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
