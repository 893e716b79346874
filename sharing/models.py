"""The consent graph between partnerships, and the object permissions that enforce it.

SharingConsent is a directed edge: "A consents to share with B". A sees B's shareable profiles
only while both A->B and B->A are active. The rule is materialised as django-guardian `view`
rows in the direct foreign-key models below (never the generic tables), kept equal to the
graph inside the transaction that changes it (see sharing.permissions).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from partnerships.models import Partnership

# A profile whose subject is, or may be, younger is never shared (nor circulated to members).
ADULT_AGE = 18


class EndReason(models.TextChoices):
    REVOKED = "revoked", "Revoked"
    DECLINED = "declined", "Declined"


class SharingConsent(models.Model):
    """One side's consent to share its profiles with another partnership."""

    grantor = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="consents_given",
        verbose_name="shares from",
    )
    grantee = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="consents_received",
        verbose_name="shares with",
    )
    agreement_reference = models.CharField(
        "information sharing agreement reference", max_length=80, blank=True
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="agreed by",
    )
    granted_at = models.DateTimeField("agreed", default=timezone.now)
    ended_at = models.DateTimeField("ended", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ended by",
    )
    end_reason = models.CharField(
        "how it ended", max_length=10, choices=EndReason.choices, blank=True
    )

    class Meta:
        verbose_name = "sharing consent"
        verbose_name_plural = "sharing consents"
        ordering = ("-granted_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["grantor", "grantee"],
                condition=Q(ended_at__isnull=True),
                name="consent_one_active_per_direction",
                violation_error_message="This consent is already in place.",
            ),
            models.CheckConstraint(
                condition=~Q(grantor=F("grantee")),
                name="consent_not_to_self",
                violation_error_message="A partnership always sees its own profiles.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["grantor", "grantee"],
                condition=Q(ended_at__isnull=True),
                name="consent_active_edges",
            )
        ]

    def __str__(self) -> str:
        state = "active" if self.ended_at is None else self.end_reason
        return f"{self.grantor} shares with {self.grantee} ({state})"


class ProfileGroupPermission(GroupObjectPermissionBase):
    """guardian's group object permission for offender profiles, with a real foreign key."""

    content_object = models.ForeignKey(
        "offenders.OffenderProfile", on_delete=models.CASCADE, related_name="group_permissions"
    )

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        verbose_name = "profile group permission"
        verbose_name_plural = "profile group permissions"


class ProfileUserPermission(UserObjectPermissionBase):
    """guardian's user object permission for offender profiles. The rule grants to groups
    only; this exists so guardian never falls back to the generic tables for profiles."""

    content_object = models.ForeignKey(
        "offenders.OffenderProfile", on_delete=models.CASCADE, related_name="user_permissions"
    )

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False
        verbose_name = "profile user permission"
        verbose_name_plural = "profile user permissions"
