"""Bulletin, the member groups it may be sent to, the acknowledgements of critical ones, the
reminders to read them, and the weekly digest's record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from partnerships.models import Membership, Partnership


class MemberGroup(models.Model):
    """Members an administrator groups together ("Pubs", "Town centre") to send bulletins to."""

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="member_groups",
        verbose_name="partnership",
    )
    name = models.CharField("name", max_length=80)
    memberships = models.ManyToManyField(
        Membership, blank=True, related_name="member_groups", verbose_name="members"
    )
    created_at = models.DateTimeField("created", default=timezone.now)

    class Meta:
        verbose_name = "member group"
        verbose_name_plural = "member groups"
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "name"],
                name="member_group_name_once_per_partnership",
                violation_error_message="There is already a group with this name.",
            )
        ]

    def __str__(self) -> str:
        return self.name


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
    groups = models.ManyToManyField(
        MemberGroup,
        blank=True,
        related_name="bulletins",
        # Named for this app: the bulletin's own table kept the name it had in partnerships.
        db_table="bulletins_bulletin_groups",
        verbose_name="sent to",
        help_text="Only the members of these groups see it. "
        "Choose none to send it to every member.",
    )
    withdrawn_at = models.DateTimeField("withdrawn", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="withdrawn by",
    )

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


class BulletinReminder(models.Model):
    """A reminder to the members who have not acknowledged a critical bulletin: at most one a
    day, so the row is claimed when asked for and marked sent by the worker that sends it."""

    bulletin = models.ForeignKey(
        Bulletin, on_delete=models.CASCADE, related_name="reminders", verbose_name="bulletin"
    )
    day = models.DateField("day")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="requested by",
    )
    requested_at = models.DateTimeField("requested", default=timezone.now)
    sent_at = models.DateTimeField("sent", null=True, blank=True)
    recipients = models.PositiveIntegerField("recipients", default=0)

    class Meta:
        verbose_name = "bulletin reminder"
        verbose_name_plural = "bulletin reminders"
        ordering = ("-day",)
        constraints = [
            models.UniqueConstraint(
                fields=["bulletin", "day"],
                name="bulletin_reminded_once_a_day",
                violation_error_message="The members were already reminded today.",
            )
        ]

    def __str__(self) -> str:
        return f"Reminder of {self.bulletin} on {self.day}"


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
