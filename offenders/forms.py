"""Forms for profiles, galleries, placements, photo uploads, notices and subject access exports."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django import forms
from django.conf import settings
from django.utils import timezone

from bcrp.forms import IsoDateField, IsoDateTimeField
from bcrp.widgets import NormalisedTextarea
from offenders.models import (
    ACCESS_ANSWERED,
    BIRTH_DATE_ERRORS,
    CHALLENGE_REASON_MAX,
    MAX_IMAGES_PER_PROFILE,
    NOTICE_START_WINDOW,
    SIGHTING_LATEST_DELAY_DAYS,
    SIGHTING_NOTE_MAX,
    SUBJECT_REQUEST_TEXT_MAX,
    AppealOutcome,
    ChallengeOutcome,
    Exclusion,
    Gallery,
    NoticeKind,
    OffenceType,
    OffenderProfile,
    ProfileStatus,
    SubjectRequestKind,
    WarningMarker,
    birth_date_bounds,
)
from offenders.selectors import galleries_of_partnership
from partnerships.models import Partnership, Premises
from partnerships.selectors import premises_of_partnership
from partnerships.services import PARTNERSHIP_SETTINGS
from photos.forms import MultipleFileInput, MultiplePhotoField


class AliasesField(forms.CharField):
    """Aliases typed as one line, separated by commas."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [alias.strip() for alias in text.split(",") if alias.strip()]


def _earliest_birth_date() -> date:
    return birth_date_bounds(timezone.localdate())[0]


class ProfileForm(forms.ModelForm[OffenderProfile]):
    date_of_birth = IsoDateField(
        label="Date of birth",
        required=False,
        earliest=_earliest_birth_date,
        latest=timezone.localdate,
        error_messages=BIRTH_DATE_ERRORS,
    )
    aliases = AliasesField(
        required=False, max_length=600, help_text="Other names used, separated by commas."
    )
    offence_types = forms.MultipleChoiceField(
        choices=OffenceType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    warning_markers = forms.MultipleChoiceField(
        choices=WarningMarker.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    not_a_duplicate = forms.BooleanField(
        required=False,
        label="I have checked: this is a different person",
        widget=forms.HiddenInput,
    )

    class Meta:
        model = OffenderProfile
        fields = (
            "first_name",
            "last_name",
            "aliases",
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
            "warning_markers",
            "notes",
            "status",
            "identification_source",
            "local_only",
        )
        widgets = {
            "distinguishing_features": NormalisedTextarea(attrs={"rows": 2}),
            "notes": NormalisedTextarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not partnership.records_perceived_ethnicity:
            # Switched off for the partnership: the field is not even offered.
            del self.fields["perceived_ethnicity"]
        if self.instance.pk is None:
            self.fields["status"].choices = [
                (value, label)
                for value, label in ProfileStatus.choices
                if value != ProfileStatus.ARCHIVED
            ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        named = cleaned.get("first_name") or cleaned.get("last_name") or cleaned.get("aliases")
        if not named and cleaned.get("status") != ProfileStatus.ID_SOUGHT:
            raise forms.ValidationError("Give a name or alias, or mark the profile as ID sought.")
        return cleaned

    def show_duplicate_confirmation(self) -> None:
        self.fields["not_a_duplicate"].widget = forms.CheckboxInput()


class GalleryForm(forms.ModelForm[Gallery]):
    class Meta:
        model = Gallery
        fields = ("name", "default_expiry_months", "members_may_see")


# As long as the longest default expiry a gallery may have (60 months).
PLACEMENT_LONGEST = relativedelta(years=5)


def _latest_placement_end() -> date:
    return timezone.localdate() + PLACEMENT_LONGEST


class PlacementForm(forms.Form):
    gallery = forms.ModelChoiceField(queryset=Gallery.objects.none())
    expires_on = IsoDateField(
        label="Until",
        required=False,
        earliest=timezone.localdate,
        latest=_latest_placement_end,
        error_messages={
            "too_early": "The date it stays until is already past.",
            "too_late": "A profile stays in a gallery at most five years, until %(limit)s.",
        },
        help_text="Leave empty for the gallery's usual period.",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gallery"].queryset = galleries_of_partnership(partnership=partnership)  # type: ignore[attr-defined]


class PhotoUploadForm(forms.Form):
    photos = MultiplePhotoField(
        max_files=MAX_IMAGES_PER_PROFILE,
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif"}
        ),
        help_text=(
            "JPEG, PNG, WebP or HEIC, up to "
            f"{settings.IMAGE_MAX_UPLOAD_BYTES // 1024 // 1024} MB each."
        ),
    )


def _earliest_notice_start() -> date:
    return timezone.localdate() - NOTICE_START_WINDOW


def _latest_notice_start() -> date:
    return timezone.localdate() + NOTICE_START_WINDOW


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(choices=NoticeKind.choices, label="Notice")
    reason = forms.CharField(widget=NormalisedTextarea(attrs={"rows": 2}), max_length=2000)
    starts_on = IsoDateField(
        label="From",
        initial=timezone.localdate,
        earliest=_earliest_notice_start,
        latest=_latest_notice_start,
        error_messages={
            "too_early": "A notice is recorded within a year of its start: "
            "give %(limit)s or later.",
            "too_late": "A notice starts within a year from today: give %(limit)s or earlier.",
        },
    )
    premises = forms.ModelMultipleChoiceField(
        queryset=Premises.objects.none(),
        required=False,
        help_text="Leave empty for every member's premises.",
    )
    served_by = forms.CharField(max_length=120, required=False)
    served_on = IsoDateField(
        required=False,
        latest=timezone.localdate,
        error_messages={"too_late": "A notice cannot have been served in the future."},
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["premises"].queryset = premises_of_partnership(partnership=partnership)  # type: ignore[attr-defined]


class AppealForm(forms.ModelForm[Exclusion]):
    appeal_lodged_on = IsoDateField(
        label="Appeal lodged",
        required=False,
        latest=timezone.localdate,
        error_messages={"too_late": "An appeal cannot be lodged in the future."},
    )
    appeal_decided_on = IsoDateField(
        label="Appeal decided",
        required=False,
        latest=timezone.localdate,
        error_messages={"too_late": "An appeal cannot be decided in the future."},
    )

    class Meta:
        model = Exclusion
        fields = ("appeal_lodged_on", "appeal_outcome", "appeal_decided_on")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("appeal_lodged_on"):
            self.add_error("appeal_lodged_on", "Give the date the appeal was lodged.")
        if cleaned.get("appeal_outcome") and not cleaned.get("appeal_decided_on"):
            self.add_error("appeal_decided_on", "Give the date of the decision.")
        return cleaned


class ExportRequestForm(forms.Form):
    request_reference = forms.CharField(label="Request reference", max_length=80, required=False)


GALLERY_FIELD_PREFIX = "gallery_"


class SchemeSettingsForm(forms.ModelForm[Partnership]):
    """The partnership's settings, with one default expiry (months) per gallery."""

    class Meta:
        model = Partnership
        fields = PARTNERSHIP_SETTINGS
        widgets = {
            "postal_address": NormalisedTextarea(attrs={"rows": 3}),
            "appeal_instructions": NormalisedTextarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, galleries: list[Gallery], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.galleries = galleries
        for gallery in galleries:
            self.fields[f"{GALLERY_FIELD_PREFIX}{gallery.pk}"] = forms.IntegerField(
                label=f"{gallery.name}: default expiry (months)",
                min_value=1,
                max_value=60,
                initial=gallery.default_expiry_months,
                help_text="How long a profile stays in this gallery unless a date is given.",
            )

    def clean_member_session_hours(self) -> int:
        hours: int = self.cleaned_data["member_session_hours"]
        ceiling = int(settings.MEMBER_SESSION_MAX_AGE.total_seconds() // 3600)
        if hours > ceiling:
            raise forms.ValidationError(
                f"This platform signs members out after at most {ceiling} hours: "
                f"choose {ceiling} or fewer."
            )
        return hours

    def partnership_values(self) -> dict[str, Any]:
        return {field: self.cleaned_data[field] for field in PARTNERSHIP_SETTINGS}

    def gallery_expiries(self) -> dict[int, int]:
        return {
            gallery.pk: self.cleaned_data[f"{GALLERY_FIELD_PREFIX}{gallery.pk}"]
            for gallery in self.galleries
        }

    def partnership_fields(self) -> list[forms.BoundField]:
        return [self[field] for field in PARTNERSHIP_SETTINGS]

    def gallery_fields(self) -> list[forms.BoundField]:
        return [self[f"{GALLERY_FIELD_PREFIX}{gallery.pk}"] for gallery in self.galleries]


class PartnershipOnboardForm(forms.Form):
    """The platform operator's form for a new partnership and its first administrator."""

    name = forms.CharField(label="Partnership name", max_length=120)
    slug = forms.SlugField(
        label="Address",
        max_length=50,
        help_text="Lower case letters, digits and hyphens: the partnership's pages are under "
        "/p/<address>/.",
    )
    police_force_area = forms.CharField(label="Police force area", max_length=120, required=False)
    admin_email = forms.EmailField(
        label="First administrator's e-mail",
        max_length=254,
        help_text="They are sent an invitation and choose their own password.",
    )

    def clean_slug(self) -> str:
        return str(self.cleaned_data["slug"]).lower()


def _earliest_sighting() -> datetime:
    return timezone.now() - timedelta(days=SIGHTING_LATEST_DELAY_DAYS)


class SightingForm(forms.Form):
    """The "Seen now" form: every field may be left out, so that one tap is enough."""

    premises = forms.ModelChoiceField(
        label="Where", queryset=Premises.objects.none(), required=False
    )
    note = forms.CharField(label="Note", max_length=SIGHTING_NOTE_MAX, required=False)
    seen_at = IsoDateTimeField(
        label="Seen at",
        required=False,
        earliest=_earliest_sighting,
        latest=timezone.now,
        error_messages={
            "too_early": f"Report a sighting within {SIGHTING_LATEST_DELAY_DAYS} days.",
            "too_late": "A sighting cannot be in the future.",
        },
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["premises"].queryset = premises_of_partnership(partnership=partnership)  # type: ignore[attr-defined]


class SubjectRequestForm(forms.Form):
    """What the person on a notice sends from its public page: who they are, how to reach them
    (at least one way), and their grounds or what they ask for."""

    name = forms.CharField(label="Your name", max_length=120)
    email = forms.EmailField(label="E-mail", required=False)
    phone = forms.CharField(label="Telephone", max_length=30, required=False)
    postal_address = forms.CharField(
        label="Postal address",
        max_length=500,
        required=False,
        widget=NormalisedTextarea(attrs={"rows": 3}),
    )
    details = forms.CharField(
        max_length=SUBJECT_REQUEST_TEXT_MAX, widget=NormalisedTextarea(attrs={"rows": 6})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        contact = ("email", "phone", "postal_address")
        if not any(cleaned.get(field) for field in contact) and not any(
            field in self.errors for field in contact
        ):
            raise forms.ValidationError(
                "Give at least one way to reach you: an e-mail address, a telephone number or "
                "a postal address."
            )
        return cleaned


class PublicAppealForm(SubjectRequestForm):
    prefix = "appeal"
    field_order = ("name", "details", "email", "phone", "postal_address")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["details"].label = "Why the notice is wrong or unfair"


class PublicAccessForm(SubjectRequestForm):
    prefix = "access"
    field_order = ("name", "details", "identity_note", "email", "phone", "postal_address")

    identity_note = forms.CharField(
        label="Proof of identity you can offer (optional)",
        max_length=1000,
        required=False,
        help_text="For example: a driving licence you can show at the scheme's office.",
        widget=NormalisedTextarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["details"].label = "What you would like to know or receive"


class SubjectRequestDecideForm(forms.Form):
    outcome = forms.ChoiceField(label="Decision", widget=forms.RadioSelect)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        outcome = self.fields["outcome"]
        assert isinstance(outcome, forms.ChoiceField)
        if kind == SubjectRequestKind.APPEAL:
            outcome.choices = AppealOutcome.choices
        else:
            outcome.choices = [(ACCESS_ANSWERED, "Answered")]


class ChallengeForm(forms.Form):
    reason = forms.CharField(
        label="What is inaccurate?",
        max_length=CHALLENGE_REASON_MAX,
        widget=NormalisedTextarea(attrs={"rows": 4}),
        help_text="For example: the wrong person in the photo, a wrong name, a mistaken "
        "identification. The profile is out of circulation until an administrator decides.",
    )


class ChallengeDecideForm(forms.Form):
    outcome = forms.ChoiceField(choices=ChallengeOutcome.choices)
