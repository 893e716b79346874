"""Offender profiles, galleries and their placements, and encrypted images."""

from __future__ import annotations

import secrets
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bcrp.names import normalise_name as normalise_name
from partnerships.models import Partnership
from photos.models import StoredPhoto
from sharing.models import ADULT_AGE

# Nobody is older: a date of birth further back is a mistyped year (0011 for 2011).
OLDEST_AGE = 120
BIRTH_DATE_ERRORS = {
    "too_early": f"That date of birth would make the person older than {OLDEST_AGE}: "
    "check the year.",
    "too_late": "A date of birth cannot be in the future.",
}


def birth_date_bounds(today: date) -> tuple[date, date]:
    """The plausible dates of birth on `today`, both ends included."""
    return today - relativedelta(years=OLDEST_AGE), today


class Gender(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known"


class EthnicityCode(models.TextChoices):
    """Police identity codes (IC codes) for perceived ethnicity, as officers use them."""

    IC1 = "IC1", "IC1 — White (North European)"
    IC2 = "IC2", "IC2 — White (South European)"
    IC3 = "IC3", "IC3 — Black"
    IC4 = "IC4", "IC4 — South Asian"
    IC5 = "IC5", "IC5 — East Asian"
    IC6 = "IC6", "IC6 — Arab or North African"
    IC9 = "IC9", "IC9 — Not known"


class Build(models.TextChoices):
    SLIM = "slim", "Slim"
    MEDIUM = "medium", "Medium"
    ATHLETIC = "athletic", "Athletic"
    STOCKY = "stocky", "Stocky"
    HEAVY = "heavy", "Heavy"


class OffenceType(models.TextChoices):
    THEFT = "theft", "Theft / shoplifting"
    VIOLENCE = "violence", "Violence"
    ABUSE = "abuse", "Abuse towards staff"
    ASB = "asb", "Anti-social behaviour"
    DAMAGE = "damage", "Criminal damage"
    FRAUD = "fraud", "Fraud"
    DRUGS = "drugs", "Drugs"
    BEGGING = "begging", "Aggressive begging"


class WarningMarker(models.TextChoices):
    VIOLENT = "violent", "Violent"
    WEAPONS = "weapons", "Weapons"
    DRUGS = "drugs", "Drugs"
    CONTAGIOUS = "contagious", "Spits / contagious"
    ESCAPE = "escape", "Escape risk"
    SELF_HARM = "self_harm", "Self-harm"


class ProfileStatus(models.TextChoices):
    KNOWN = "known", "Known"
    ID_SOUGHT = "id_sought", "ID sought"
    ARCHIVED = "archived", "Archived"


class IdentificationSource(models.TextChoices):
    """How the person on a profile was identified: the weight a reader may give the name."""

    ID_SEEN = "id_seen", "ID seen"
    POLICE = "police", "Police confirmed"
    STAFF = "staff", "Known to staff"
    CCTV = "cctv", "CCTV likeness"


def display_name_of(first_name: str, last_name: str) -> str:
    """How a profile is named on every page: its names, or "Unknown person"."""
    name = " ".join(part for part in (first_name, last_name) if part)
    return name or "Unknown person"


class OffenderProfile(models.Model):
    """A person a partnership holds intelligence on. Owned by exactly one partnership."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="profiles", verbose_name="partnership"
    )
    reference = models.CharField("reference", max_length=20, editable=False)
    first_name = models.CharField("first name", max_length=80, blank=True)
    last_name = models.CharField("last name", max_length=80, blank=True)
    aliases = ArrayField(
        models.CharField(max_length=120), verbose_name="aliases", default=list, blank=True
    )
    search_name = models.CharField("normalised names", max_length=1000, editable=False, default="")
    # Words of the normalised names, for prefix search through a GIN index (the embedded
    # PostgreSQL has no pg_trgm; names are already lower case and accent-free).
    search_vector = models.GeneratedField(
        expression=SearchVector("search_name", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    date_of_birth = models.DateField("date of birth", null=True, blank=True)
    age_min = models.PositiveSmallIntegerField(
        "apparent age from", null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    age_max = models.PositiveSmallIntegerField(
        "apparent age to", null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    gender = models.CharField("gender", max_length=10, choices=Gender.choices, blank=True)
    perceived_ethnicity = models.CharField(
        "perceived ethnicity (IC code)", max_length=3, choices=EthnicityCode.choices, blank=True
    )
    build = models.CharField("build", max_length=10, choices=Build.choices, blank=True)
    height_cm = models.PositiveSmallIntegerField(
        "height (cm)",
        null=True,
        blank=True,
        validators=[MinValueValidator(50), MaxValueValidator(250)],
    )
    hair = models.CharField("hair", max_length=80, blank=True)
    distinguishing_features = models.TextField("distinguishing features", blank=True)
    offence_types = ArrayField(
        models.CharField(max_length=12, choices=OffenceType.choices),
        verbose_name="offence types",
        default=list,
        blank=True,
    )
    warning_markers = ArrayField(
        models.CharField(max_length=12, choices=WarningMarker.choices),
        verbose_name="warning markers",
        default=list,
        blank=True,
    )
    notes = models.TextField("notes", blank=True, help_text="Never shown to members.")
    status = models.CharField(
        "status", max_length=10, choices=ProfileStatus.choices, default=ProfileStatus.KNOWN
    )
    local_only = models.BooleanField(
        "local only", default=False, help_text="Never shared with other partnerships."
    )
    identification_source = models.CharField(
        "identified by",
        max_length=10,
        choices=IdentificationSource.choices,
        blank=True,
        help_text="How the person was identified.",
    )
    # Set with a challenge of accuracy and cleared when it is rejected; an upheld challenge keeps
    # it until an administrator corrects the profile. Shareable, circulated and candidate rules
    # all read it, so the profile leaves circulation in the challenge's own transaction.
    under_challenge = models.BooleanField(
        "out of circulation: accuracy challenged", default=False, editable=False
    )
    created_at = models.DateTimeField("added", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField("changed", auto_now=True)
    last_activity_at = models.DateTimeField("last activity", default=timezone.now)
    archived_at = models.DateTimeField("archived", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="added by",
    )

    class Meta:
        verbose_name = "offender profile"
        verbose_name_plural = "offender profiles"
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "reference"],
                name="profile_unique_reference_in_partnership",
                violation_error_message="This reference is already in use.",
            ),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True)
                | Q(age_max__isnull=True)
                | Q(age_min__lte=models.F("age_max")),
                name="profile_age_range_ordered",
                violation_error_message="The apparent age range must run from low to high.",
            ),
        ]
        indexes = [
            models.Index(fields=["partnership", "status"], name="profile_partnership_status"),
            models.Index(fields=["-created_at", "-id"], name="profile_newest_first"),
            # The Dataview's other sort orders walk these for their keyset pages (either way).
            models.Index(fields=["last_name", "id"], name="profile_by_name"),
            models.Index(fields=["reference", "id"], name="profile_by_reference"),
            GinIndex(fields=["offence_types"], name="profile_offence_types"),
            GinIndex(fields=["search_vector"], name="profile_search_vector"),
            GinIndex(fields=["warning_markers"], name="profile_warning_markers"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.display_name}"

    @property
    def display_name(self) -> str:
        return display_name_of(self.first_name, self.last_name)

    @property
    def warning_marker_labels(self) -> list[str]:
        labels = dict(WarningMarker.choices)
        return [labels.get(value, value) for value in self.warning_markers]

    @property
    def offence_type_labels(self) -> list[str]:
        labels = dict(OffenceType.choices)
        return [labels.get(value, value) for value in self.offence_types]

    @property
    def notice_in_force(self) -> Exclusion | None:
        """The strongest notice in force today, exclusion before warning. Lists prefetch the
        notices in force (offenders.selectors.notices_prefetch), so this costs no query there."""
        today = timezone.localdate()
        current = [
            n
            for n in self.notices.all()
            if n.status == NoticeStatus.ACTIVE and n.starts_on <= today <= n.ends_on
        ]
        current.sort(key=lambda n: (n.kind != NoticeKind.EXCLUSION, -n.ends_on.toordinal()))
        return current[0] if current else None

    @property
    def all_notices(self) -> models.QuerySet[Exclusion]:
        return Exclusion.objects.filter(profile=self).order_by("-starts_on", "-id")

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    def is_juvenile(self, day: date | None = None) -> bool:
        """Under 18 on `day`, or possibly so by the apparent age range (err towards caution)."""
        age = self.age_on(day or timezone.localdate())
        if age is not None:
            return age < ADULT_AGE
        return self.age_min is not None and self.age_min < ADULT_AGE

    def refresh_search_name(self) -> None:
        names = [self.first_name, self.last_name, " ".join([self.first_name, self.last_name])]
        self.search_name = " | ".join(normalise_name(n) for n in [*names, *self.aliases] if n)


class Gallery(models.Model):
    """A named list of profiles, such as "Excluded offenders" or "ID sought"."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="galleries", verbose_name="partnership"
    )
    name = models.CharField("name", max_length=80)
    default_expiry_months = models.PositiveSmallIntegerField(
        "default expiry (months)",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    members_may_see = models.BooleanField(
        "members may see", default=False, help_text="Circulated to members at the till."
    )

    class Meta:
        verbose_name = "gallery"
        verbose_name_plural = "galleries"
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "name"],
                name="gallery_unique_name_in_partnership",
                violation_error_message="This partnership already has a gallery of that name.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class GalleryPlacement(models.Model):
    """A profile in a gallery until its own expiry date."""

    gallery = models.ForeignKey(
        Gallery, on_delete=models.CASCADE, related_name="placements", verbose_name="gallery"
    )
    profile = models.ForeignKey(
        OffenderProfile,
        on_delete=models.CASCADE,
        related_name="placements",
        verbose_name="profile",
    )
    expires_on = models.DateField("until")
    added_at = models.DateTimeField("added", default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="added by",
    )
    # Under the partnership's two-person rule a placement in a gallery members see waits here,
    # unseen by members, until a second administrator approves it.
    awaiting_approval = models.BooleanField("awaiting a second administrator", default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="approved by",
    )
    approved_at = models.DateTimeField("approved", null=True, blank=True)

    class Meta:
        verbose_name = "gallery placement"
        verbose_name_plural = "gallery placements"
        ordering = ("gallery__name",)
        constraints = [
            models.UniqueConstraint(
                fields=["gallery", "profile"],
                name="placement_unique_profile_in_gallery",
                violation_error_message="This profile is already in that gallery.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.profile} in {self.gallery}"


MAX_IMAGES_PER_PROFILE = 10


class OffenderImage(StoredPhoto):
    """A photo of a profile's subject."""

    profile = models.ForeignKey(
        OffenderProfile, on_delete=models.CASCADE, related_name="images", verbose_name="profile"
    )
    position = models.PositiveSmallIntegerField("position", default=0)
    is_primary = models.BooleanField("primary", default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="uploaded by",
    )

    class Meta:
        verbose_name = "offender image"
        verbose_name_plural = "offender images"
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "sha256"],
                name="image_unique_file_per_profile",
                violation_error_message="This photo is already on the profile.",
            ),
            models.UniqueConstraint(
                fields=["profile"],
                condition=Q(is_primary=True),
                name="image_one_primary_per_profile",
                violation_error_message="A profile has one primary photo.",
            ),
        ]
        indexes = [
            models.Index(fields=["sha256"], name="image_sha256"),
            models.Index(
                fields=["processed_at"],
                condition=Q(processed_at__isnull=True),
                name="image_unprocessed",
            ),
        ]

    def __str__(self) -> str:
        return f"Photo {self.position + 1} of {self.profile.reference}"


# A notice is recorded within a year of its start, and served at most this long before it.
NOTICE_START_WINDOW = relativedelta(years=1)
NOTICE_SERVED_AHEAD_DAYS = 90


class NoticeKind(models.TextChoices):
    WARNING = "warning", "Warning"
    EXCLUSION = "exclusion", "Exclusion"


class NoticeStatus(models.TextChoices):
    ACTIVE = "active", "In force"
    LAPSED = "lapsed", "Lapsed"
    WITHDRAWN = "withdrawn", "Withdrawn on appeal"


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld (notice withdrawn)"
    DISMISSED = "dismissed", "Dismissed (notice stands)"


# How long the public page of a notice withdrawn on appeal stays readable after the decision.
PUBLIC_NOTICE_AFTER_DAYS = 30


def notice_token_new() -> str:
    """The secret in a notice's public address: 192 random bits, printed on the notice."""
    return secrets.token_urlsafe(24)


class Exclusion(models.Model):
    """A warning or exclusion notice served on a profile's subject, for a time and a scope.

    `public_token` opens the notice's public page (/n/<token>/) without signing in. The token
    lives as long as there is something to act on or read: while the notice is in force (active,
    not past its last day), and for PUBLIC_NOTICE_AFTER_DAYS after an appeal withdraws it, so the
    person can read the outcome. A lapsed notice's token, and a withdrawn one's after that, have
    expired and answer exactly as a token that never existed.
    """

    profile = models.ForeignKey(
        OffenderProfile,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name="profile",
    )
    kind = models.CharField("kind", max_length=10, choices=NoticeKind.choices)
    starts_on = models.DateField("from")
    ends_on = models.DateField("until")
    all_premises = models.BooleanField(
        "all member premises", default=True, help_text="Otherwise only the premises listed."
    )
    premises = models.ManyToManyField(
        "partnerships.Premises", blank=True, related_name="notices", verbose_name="premises"
    )
    reason = models.TextField("reason")
    served_by = models.CharField("served by", max_length=120, blank=True)
    served_on = models.DateField("served on", null=True, blank=True)
    status = models.CharField(
        "status", max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.ACTIVE
    )
    escalated_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="escalated from warning",
    )
    appeal_lodged_on = models.DateField("appeal lodged", null=True, blank=True)
    appeal_outcome = models.CharField(
        "appeal outcome", max_length=10, choices=AppealOutcome.choices, blank=True
    )
    appeal_decided_on = models.DateField("appeal decided", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="issued by",
    )
    created_at = models.DateTimeField("issued", default=timezone.now)
    public_token = models.CharField(
        "public address token", max_length=64, unique=True, editable=False, default=notice_token_new
    )

    class Meta:
        verbose_name = "warning or exclusion notice"
        verbose_name_plural = "warning and exclusion notices"
        ordering = ("-starts_on", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="notice_ends_after_it_starts",
                violation_error_message="A notice cannot end before it starts.",
            )
        ]
        indexes = [
            models.Index(fields=["status", "ends_on"], name="notice_status_end"),
            models.Index(fields=["profile", "status"], name="notice_profile_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.profile.reference} until {self.ends_on}"

    def clean(self) -> None:
        # Only the appeal is changed after a notice is issued, so only the appeal is checked
        # here (a check of other fields would make an old, odd notice impossible to appeal).
        lodged, decided = self.appeal_lodged_on, self.appeal_decided_on
        errors = {}
        if lodged is not None and lodged < self.first_day():
            errors["appeal_lodged_on"] = (
                "An appeal cannot be lodged before the notice was served or started "
                f"({self.first_day():%-d %B %Y})."
            )
        if lodged is not None and decided is not None and decided < lodged:
            errors["appeal_decided_on"] = "An appeal cannot be decided before it was lodged."
        if errors:
            raise ValidationError(errors)

    def first_day(self) -> date:
        """The first day the person can have known of the notice."""
        issued = timezone.localdate(self.created_at) if self.created_at else self.starts_on
        return min(day for day in (self.served_on, self.starts_on, issued) if day is not None)


class SubjectRequestKind(models.TextChoices):
    APPEAL = "appeal", "Appeal"
    ACCESS = "access", "Subject access request"


class SubjectRequestStatus(models.TextChoices):
    OPEN = "open", "Waiting for a decision"
    DECIDED = "decided", "Decided"


ACCESS_ANSWERED = "answered"
SUBJECT_REQUEST_TEXT_MAX = 4000


class SubjectRequest(models.Model):
    """An appeal or a subject access request sent by the person a notice names, through the
    notice's public page; the partnership's administrators answer it by `due_on`."""

    notice = models.ForeignKey(
        Exclusion,
        on_delete=models.CASCADE,
        related_name="subject_requests",
        verbose_name="notice",
    )
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="subject_requests",
        verbose_name="partnership",
    )
    kind = models.CharField("kind", max_length=10, choices=SubjectRequestKind.choices)
    name = models.CharField("name given", max_length=120)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("telephone", max_length=30, blank=True)
    postal_address = models.TextField("postal address", max_length=500, blank=True)
    details = models.TextField("grounds or what is asked for", max_length=SUBJECT_REQUEST_TEXT_MAX)
    identity_note = models.TextField("proof of identity offered", max_length=1000, blank=True)
    received_at = models.DateTimeField("received", default=timezone.now)
    due_on = models.DateField("answer due")
    status = models.CharField(
        "status",
        max_length=10,
        choices=SubjectRequestStatus.choices,
        default=SubjectRequestStatus.OPEN,
    )
    outcome = models.CharField("outcome", max_length=10, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="decided by",
    )
    decided_at = models.DateTimeField("decided", null=True, blank=True)

    class Meta:
        verbose_name = "request from the person on a notice"
        verbose_name_plural = "requests from people on notices"
        ordering = ("due_on", "id")
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="", phone="", postal_address=""),
                name="subject_request_has_contact",
                violation_error_message="Give at least one way to reach the person.",
            )
        ]
        indexes = [
            models.Index(fields=["partnership", "status", "due_on"], name="subject_request_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"

    def outcome_text(self) -> str:
        if self.outcome == ACCESS_ANSWERED:
            return "Answered"
        return dict(AppealOutcome.choices).get(self.outcome, "")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being prepared"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Failed"


class SubjectAccessExport(models.Model):
    """Everything a partnership holds on one person, as a ZIP, for a subject access request.

    Built by the worker, stored encrypted, downloadable by the owning partnership's
    administrators through an unguessable token, deleted after EXPORT_KEEP_DAYS.
    """

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="subject_exports",
        verbose_name="partnership",
    )
    profile = models.ForeignKey(
        OffenderProfile,
        on_delete=models.CASCADE,
        related_name="subject_exports",
        verbose_name="profile",
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    request_reference = models.CharField(
        "request reference",
        max_length=80,
        blank=True,
        help_text="How the request reached you, e.g. a letter's date or your case number.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="requested by",
    )
    status = models.CharField(
        "status", max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField("progress (%)", default=0)
    file = models.CharField(max_length=255, blank=True, editable=False)
    size = models.PositiveIntegerField("size (bytes)", default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField("requested", default=timezone.now, db_index=True)
    started_at = models.DateTimeField("started", null=True, blank=True)
    completed_at = models.DateTimeField("completed", null=True, blank=True)

    class Meta:
        verbose_name = "subject access export"
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"Subject access export of {self.profile.reference}"


# A sighting is news for the scheme's administrators; one reported later than this is history.
SIGHTING_LATEST_DELAY_DAYS = 7
SIGHTING_NOTE_MAX = 200


class Sighting(models.Model):
    """A member's "seen now": a profile's subject seen at premises, told to the administrators of
    the reporter's partnership (never to the members, never to the profile's owner if a peer)."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="sightings", verbose_name="partnership"
    )
    profile = models.ForeignKey(
        OffenderProfile,
        on_delete=models.CASCADE,
        related_name="sightings",
        verbose_name="profile",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="reported by",
    )
    premises = models.ForeignKey(
        "partnerships.Premises",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sightings",
        verbose_name="premises",
    )
    seen_at = models.DateTimeField("seen", default=timezone.now)
    note = models.CharField("note", max_length=SIGHTING_NOTE_MAX, blank=True)
    possible_breach = models.BooleanField(
        "possible breach",
        default=False,
        help_text="An exclusion notice covering these premises was in force when seen.",
    )
    created_at = models.DateTimeField("recorded", default=timezone.now)

    class Meta:
        verbose_name = "sighting"
        verbose_name_plural = "sightings"
        ordering = ("-seen_at", "-id")
        indexes = [
            models.Index(fields=["partnership", "-seen_at"], name="sighting_partnership_seen"),
            models.Index(fields=["profile", "-seen_at"], name="sighting_profile_seen"),
        ]

    def __str__(self) -> str:
        return f"{self.profile.reference} seen {timezone.localtime(self.seen_at):%-d %B %H:%M}"


CHALLENGE_REASON_MAX = 2000


class ChallengeOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld (the profile stays out until corrected)"
    REJECTED = "rejected", "Rejected (the profile returns to circulation)"


class ProfileChallenge(models.Model):
    """Someone in the partnership says a profile is inaccurate; until an administrator decides,
    the profile is out of circulation (members, peers and their candidates never see it)."""

    profile = models.ForeignKey(
        OffenderProfile,
        on_delete=models.CASCADE,
        related_name="challenges",
        verbose_name="profile",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="raised by",
    )
    reason = models.TextField("why it is inaccurate", max_length=CHALLENGE_REASON_MAX)
    raised_at = models.DateTimeField("raised", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="decided by",
    )
    decided_at = models.DateTimeField("decided", null=True, blank=True)
    outcome = models.CharField(
        "outcome", max_length=10, choices=ChallengeOutcome.choices, blank=True
    )

    class Meta:
        verbose_name = "challenge of accuracy"
        verbose_name_plural = "challenges of accuracy"
        ordering = ("-raised_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["profile"],
                condition=Q(decided_at__isnull=True),
                name="challenge_one_open_per_profile",
                violation_error_message="This profile is already under challenge.",
            ),
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True, outcome="")
                | (Q(decided_at__isnull=False) & ~Q(outcome="")),
                name="challenge_decided_with_outcome",
                violation_error_message="A decided challenge has an outcome, an open one none.",
            ),
        ]

    def __str__(self) -> str:
        return f"Challenge of {self.profile.reference}"
