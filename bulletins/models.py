"""Bulletin, the acknowledgements of critical ones, and the weekly digest's record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from partnerships.models import Partnership


class Bulletin(models.Model):
    """An alert an administrator posts to the partnership; members acknowledge critical ones."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="bulletins", verbose_name="partnership"
    )
    title = models.CharField("title", max_length=150)
    body = models.TextField("message")
    critical = models.BooleanField(
        "critical",
        default=False,
        help_text="Every member is asked to confirm they have read it, and you see who has not.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="posted by",
    )
    created_at = models.DateTimeField("posted", default=timezone.now)

    class Meta:
        # The tables were created when bulletins lived in partnerships; they kept their names
        # when the models moved here, so no row was copied.
        db_table = "partnerships_bulletin"
        verbose_name = "bulletin"
        verbose_name_plural = "bulletins"
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["partnership", "-created_at"], name="bulletin_partnership_newest"),
        ]

    def __str__(self) -> str:
        return self.title


class BulletinAcknowledgement(models.Model):
    """A member's confirmation that they have read a critical bulletin."""

    bulletin = models.ForeignKey(
        Bulletin,
        on_delete=models.CASCADE,
        related_name="acknowledgements",
        verbose_name="bulletin",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="bulletin_acknowledgements",
        verbose_name="user",
    )
    acknowledged_at = models.DateTimeField("acknowledged", default=timezone.now)

    class Meta:
        db_table = "partnerships_bulletinacknowledgement"
        verbose_name = "bulletin acknowledgement"
        verbose_name_plural = "bulletin acknowledgements"
        ordering = ("acknowledged_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["bulletin", "user"],
                name="bulletin_acknowledged_once_per_user",
                violation_error_message="You have already acknowledged this bulletin.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.bulletin}"


class BulletinDigest(models.Model):
    """The weekly members' digest of one partnership: one row per week, so a re-run never
    sends it twice."""

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="bulletin_digests",
        verbose_name="partnership",
    )
    week_starting = models.DateField("week starting")
    recipients = models.PositiveIntegerField("recipients", default=0)
    profiles = models.PositiveIntegerField("profiles listed", default=0)
    sent_at = models.DateTimeField("sent", default=timezone.now)

    class Meta:
        db_table = "partnerships_bulletindigest"
        verbose_name = "weekly digest"
        verbose_name_plural = "weekly digests"
        ordering = ("-week_starting",)
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "week_starting"],
                name="bulletin_digest_once_per_week",
                violation_error_message="This week's digest has already been sent.",
            )
        ]

    def __str__(self) -> str:
        return f"Digest of {self.partnership} for the week of {self.week_starting}"
