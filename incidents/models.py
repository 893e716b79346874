"""Incident reports from members, their photos and the offenders linked to them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from offenders.models import ExportStatus, OffenderProfile
from partnerships.models import Business, Partnership, Premises
from photos.models import StoredPhoto

MAX_PHOTOS_PER_INCIDENT = 6
STATEMENT_MAX_CHARS = 20000
CCTV_MAX_OFFSET = 24 * 60 * 60  # a camera clock a day out is wrong, not offset


class Category(models.TextChoices):
    THEFT = "theft", "Theft / shoplifting"
    VIOLENCE = "violence", "Violence"
    ABUSE = "abuse", "Abuse towards staff"
    ASB = "asb", "Anti-social behaviour"
    DAMAGE = "damage", "Criminal damage"
    FRAUD = "fraud", "Fraud"
    OTHER = "other", "Other"


class IncidentStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Incident(models.Model):
    """What happened at a member's premises, as the member reported it."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="incidents", verbose_name="partnership"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="incidents_reported",
        verbose_name="reported by",
    )
    business = models.ForeignKey(
        Business,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name="business",
    )
    premises = models.ForeignKey(
        Premises,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name="premises",
    )
    occurred_at = models.DateTimeField("when it happened", db_index=True)
    category = models.CharField("what happened", max_length=10, choices=Category.choices)
    description = models.TextField("description", max_length=5000)
    value_lost = models.DecimalField(
        "value lost (£)",
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    value_recovered = models.DecimalField(
        "value recovered (£)",
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    police_reference = models.CharField("police crime reference", max_length=40, blank=True)
    police_attended = models.BooleanField("police attended", default=False)
    status = models.CharField(
        "status", max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.SUBMITTED
    )
    rejection_reason = models.TextField("reason for rejecting", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="reviewed by",
    )
    reviewed_at = models.DateTimeField("reviewed", null=True, blank=True)
    created_at = models.DateTimeField("reported", default=timezone.now)
    # CCTV: what the police need to find and trust the footage (Retail Crime Action Plan).
    cctv_camera = models.CharField(
        "camera or location",
        max_length=200,
        blank=True,
        help_text="Which camera, or where it looks, e.g. 'Till 2, facing the door'.",
    )
    cctv_start = models.DateTimeField("recording starts", null=True, blank=True)
    cctv_end = models.DateTimeField("recording ends", null=True, blank=True)
    cctv_clock_offset = models.IntegerField(
        "camera clock offset (seconds)",
        null=True,
        blank=True,
        validators=[MinValueValidator(-CCTV_MAX_OFFSET), MaxValueValidator(CCTV_MAX_OFFSET)],
        help_text="How far the camera's clock is ahead of real time (negative if behind).",
    )
    cctv_retrieved_by = models.CharField("footage retrieved by", max_length=200, blank=True)
    cctv_kept = models.BooleanField("footage kept", default=False)
    cctv_kept_where = models.CharField(
        "where the footage is kept",
        max_length=200,
        blank=True,
        help_text="E.g. 'USB stick in the manager's safe', or the system and how long it keeps it.",
    )
    # Sent by the form with every report, so a report sent twice (a retry after the answer
    # was lost, a double tap) is stored once. Reports from clients that send none have none.
    submission_key = models.UUIDField("submission key", null=True, blank=True, editable=False)
    profiles = models.ManyToManyField(
        OffenderProfile,
        through="IncidentOffender",
        related_name="incidents",
        verbose_name="offenders",
    )

    class Meta:
        verbose_name = "incident"
        verbose_name_plural = "incidents"
        ordering = ("-occurred_at", "-id")
        indexes = [
            models.Index(fields=["partnership", "status"], name="incident_partnership_status"),
            models.Index(fields=["partnership", "-occurred_at"], name="incident_partnership_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reported_by", "submission_key"],
                name="incident_submitted_once",
                violation_error_message="This report has already been sent.",
            ),
            models.CheckConstraint(
                condition=Q(cctv_start__isnull=True)
                | Q(cctv_end__isnull=True)
                | Q(cctv_end__gte=F("cctv_start")),
                name="incident_cctv_ends_after_start",
                violation_error_message="The recording cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} on {self.occurred_at:%d %b %Y}"


class IncidentPhoto(StoredPhoto):
    """A photo attached to an incident: an exhibit. Beside the re-encoded copy members see,
    the bytes exactly as received are kept encrypted in `received` (their SHA-256 is
    `sha256`), so the police get what the camera or phone produced."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="photos", verbose_name="incident"
    )
    received = models.CharField(
        "stored original as received", max_length=200, blank=True, editable=False
    )
    received_type = models.CharField(
        "type of the original", max_length=60, blank=True, editable=False
    )
    received_name = models.CharField(
        "file name of the original", max_length=200, blank=True, editable=False
    )
    received_size = models.PositiveIntegerField("size of the original (bytes)", default=0)

    FILE_FIELDS = (*StoredPhoto.FILE_FIELDS, "received")

    class Meta:
        verbose_name = "incident photo"
        verbose_name_plural = "incident photos"
        ordering = ("id",)
        indexes = [
            models.Index(
                fields=["processed_at"],
                condition=models.Q(processed_at__isnull=True),
                name="incident_photo_unprocessed",
            )
        ]

    def __str__(self) -> str:
        return f"Photo of incident {self.incident_id}"


class OffenderRole(models.TextChoices):
    SUSPECT = "suspect", "Suspect (named by the member)"
    IDENTIFIED = "identified", "Identified (confirmed by an administrator)"


class IncidentOffender(models.Model):
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="offender_links", verbose_name="incident"
    )
    profile = models.ForeignKey(
        OffenderProfile,
        on_delete=models.CASCADE,
        related_name="incident_links",
        verbose_name="profile",
    )
    role = models.CharField("role", max_length=10, choices=OffenderRole.choices)
    linked_at = models.DateTimeField("linked", default=timezone.now)

    class Meta:
        verbose_name = "offender in an incident"
        verbose_name_plural = "offenders in incidents"
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "profile"],
                name="incident_offender_once",
                violation_error_message="This profile is already linked to the incident.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.profile} in incident {self.incident_id}"


class WitnessStatement(models.Model):
    """A witness statement in the MG11 layout, made by the member who reported the incident.

    Drafted from the incident, edited by its maker, signed by typing their name. A signed
    version is never changed (the database refuses it); a change after signing is a new
    version, and the incident's statement is its latest version.
    """

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="statements", verbose_name="incident"
    )
    version = models.PositiveSmallIntegerField("version", default=1)
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="witness_statements",
        verbose_name="made by",
    )
    name = models.CharField("your full name", max_length=200)
    occupation = models.CharField("your occupation", max_length=100, blank=True)
    over_18 = models.BooleanField("I am over 18", default=True)
    exhibit_prefix = models.CharField(
        "your initials for exhibits",
        max_length=4,
        help_text="Your exhibits are numbered with these, e.g. JS/1, JS/2.",
    )
    account = models.TextField("your statement", max_length=STATEMENT_MAX_CHARS)
    signed_name = models.CharField("signed (typed name)", max_length=200, blank=True)
    signed_at = models.DateTimeField("signed", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="signed by (account)",
    )
    created_at = models.DateTimeField("drafted", default=timezone.now)
    updated_at = models.DateTimeField("last changed", default=timezone.now)

    class Meta:
        verbose_name = "witness statement"
        verbose_name_plural = "witness statements"
        ordering = ("incident", "-version")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "version"], name="witness_statement_version_once"
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signed_name="")
                | (Q(signed_at__isnull=False) & ~Q(signed_name="")),
                name="witness_statement_signed_whole",
                violation_error_message="A signature needs both the typed name and the time.",
            ),
        ]

    def __str__(self) -> str:
        return f"Statement of {self.name} (version {self.version})"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class ImpactStatement(models.Model):
    """A business impact statement: what the incident cost and did to staff and the business,
    in the member's words. The money lost and recovered are the incident's."""

    incident = models.OneToOneField(
        Incident,
        on_delete=models.CASCADE,
        related_name="impact_statement",
        verbose_name="incident",
    )
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="made by",
    )
    effect_on_staff = models.TextField(
        "effect on staff", max_length=STATEMENT_MAX_CHARS, blank=True
    )
    effect_on_business = models.TextField(
        "effect on the business", max_length=STATEMENT_MAX_CHARS, blank=True
    )
    updated_at = models.DateTimeField("last changed", default=timezone.now)

    class Meta:
        verbose_name = "business impact statement"
        verbose_name_plural = "business impact statements"

    def __str__(self) -> str:
        return f"Impact statement for incident {self.incident_id}"


class EvidencePack(models.Model):
    """The police evidence pack for one incident, or for one profile across its incidents:
    a PDF and a ZIP (the PDF, the exhibits as received, a manifest of their SHA-256).

    Built by the worker (progress in the row), stored encrypted, downloaded through an
    unguessable token by the partnership's administrators and police, deleted after
    PACK_KEEP_DAYS.
    """

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="evidence_packs",
        verbose_name="partnership",
    )
    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence_packs",
        verbose_name="incident",
    )
    profile = models.ForeignKey(
        OffenderProfile,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence_packs",
        verbose_name="profile",
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
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
    step = models.CharField("what it is doing", max_length=120, blank=True)
    pdf_file = models.CharField(max_length=255, blank=True, editable=False)
    zip_file = models.CharField(max_length=255, blank=True, editable=False)
    pdf_size = models.PositiveIntegerField("PDF size (bytes)", default=0)
    zip_size = models.PositiveIntegerField("ZIP size (bytes)", default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField("requested", default=timezone.now, db_index=True)
    started_at = models.DateTimeField("started", null=True, blank=True)
    completed_at = models.DateTimeField("completed", null=True, blank=True)

    class Meta:
        verbose_name = "evidence pack"
        verbose_name_plural = "evidence packs"
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(incident__isnull=False, profile__isnull=True)
                | Q(incident__isnull=True, profile__isnull=False),
                name="evidence_pack_of_one_thing",
                violation_error_message="A pack is of one incident or of one profile.",
            )
        ]

    def __str__(self) -> str:
        subject = (
            f"incident {self.incident_id}" if self.incident_id else f"profile {self.profile_id}"
        )
        return f"Evidence pack of {subject}"
