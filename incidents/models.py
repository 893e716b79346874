"""Incident reports from members, their photos and the offenders linked to them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from offenders.models import OffenderProfile
from partnerships.models import Business, Partnership, Premises
from photos.models import StoredPhoto

MAX_PHOTOS_PER_INCIDENT = 6


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
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} on {self.occurred_at:%d %b %Y}"


class IncidentPhoto(StoredPhoto):
    """A photo attached to an incident."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="photos", verbose_name="incident"
    )

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
