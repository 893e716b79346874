"""The consent graph between partnerships, and the object permissions that enforce it.

SharingConsent is a directed edge: "A consents to share with B". A sees B's shareable profiles
only while both A->B and B->A are active. The rule is materialised as django-guardian `view`
rows in the direct foreign-key models below (never the generic tables), kept equal to the
graph inside the transaction that changes it (see sharing.permissions).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
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


# Cross-partnership intelligence: who may be the same person. Every record below names two
# profiles and is shown to a partnership only while it may see both (and, across partnerships,
# only while both are shareable): sharing.selectors decides, from the guardian rows, at read time,
# so a revoke hides them in its own transaction. Each owner keeps its own record.


def _ordered_pair_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(first__lt=F("second")),
            name=f"{prefix}_pair_ordered",
            violation_error_message="A pair names two different profiles, lower id first.",
        ),
    ]


class LinkSource(models.TextChoices):
    REVIEW = "review", "Candidate review"
    ANSWER = "answer", "Answer to an ID-sought profile"


class ProfileLink(models.Model):
    """Two profiles of the same person, confirmed by a person. `first` has the lower id."""

    first = models.ForeignKey(
        "offenders.OffenderProfile", on_delete=models.CASCADE, related_name="+"
    )
    second = models.ForeignKey(
        "offenders.OffenderProfile", on_delete=models.CASCADE, related_name="+"
    )
    source = models.CharField("how it was found", max_length=10, choices=LinkSource.choices)
    made_in = models.ForeignKey(
        Partnership,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="confirmed by partnership",
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="confirmed by",
    )
    made_at = models.DateTimeField("confirmed", default=timezone.now)

    class Meta:
        verbose_name = "profile link"
        verbose_name_plural = "profile links"
        constraints = [
            *_ordered_pair_constraints("link"),
            models.UniqueConstraint(
                fields=["first", "second"],
                name="link_once_per_pair",
                violation_error_message="These two profiles are already linked.",
            ),
        ]
        indexes = [models.Index(fields=["second", "first"], name="link_by_second")]

    def __str__(self) -> str:
        return f"link {self.first_id}-{self.second_id}"

    def other(self, profile_id: int) -> int:
        return self.second_id if profile_id == self.first_id else self.first_id


class CandidateDismissal(models.Model):
    """A partnership's "not the same person" for a pair of candidates: it is not offered again
    to that partnership. `first` has the lower id."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    first = models.ForeignKey(
        "offenders.OffenderProfile", on_delete=models.CASCADE, related_name="+"
    )
    second = models.ForeignKey(
        "offenders.OffenderProfile", on_delete=models.CASCADE, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="decided by",
    )
    decided_at = models.DateTimeField("decided", default=timezone.now)

    class Meta:
        verbose_name = "dismissed candidate"
        verbose_name_plural = "dismissed candidates"
        constraints = [
            *_ordered_pair_constraints("dismissal"),
            models.UniqueConstraint(
                fields=["partnership", "first", "second"], name="dismissal_once_per_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"not the same {self.first_id}-{self.second_id}"


class AnswerStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for the owner"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"


class IdentityAnswer(models.Model):
    """A peer's "we know this person" on an ID-sought profile: `known` is the answering
    partnership's own profile. Seen only by the two partnerships, while they share."""

    sought = models.ForeignKey(
        "offenders.OffenderProfile",
        on_delete=models.CASCADE,
        related_name="identity_answers",
        verbose_name="ID-sought profile",
    )
    known = models.ForeignKey(
        "offenders.OffenderProfile",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="their profile",
    )
    answered_in = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="+", verbose_name="answered by"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="answered by person",
    )
    answered_at = models.DateTimeField("answered", default=timezone.now)
    note = models.CharField("how they know", max_length=300, blank=True)
    status = models.CharField(
        "state", max_length=10, choices=AnswerStatus.choices, default=AnswerStatus.WAITING
    )
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
        verbose_name = "identity answer"
        verbose_name_plural = "identity answers"
        ordering = ("-answered_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["sought", "known"],
                name="answer_once_per_pair",
                violation_error_message="You have already answered with this profile.",
            ),
            models.CheckConstraint(condition=~Q(sought=F("known")), name="answer_not_to_itself"),
        ]
        indexes = [
            models.Index(
                fields=["sought"],
                condition=Q(status="waiting"),
                name="answer_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"answer {self.known_id} for {self.sought_id} ({self.status})"


class MatchKey(models.Model):
    """A blocking key of a profile for the same-person matcher (sharing.matching): two profiles
    become candidates only when they share a key, so a search reads a few index ranges instead
    of every pair. Rewritten whenever the profile's names, dates or photos change."""

    profile = models.ForeignKey(
        "offenders.OffenderProfile", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=40)

    class Meta:
        verbose_name = "match key"
        verbose_name_plural = "match keys"
        constraints = [
            models.UniqueConstraint(fields=["profile", "key"], name="match_key_once"),
        ]
        indexes = [models.Index(fields=["key", "profile"], name="match_key_lookup")]

    def __str__(self) -> str:
        return self.key


class CandidatePair(models.Model):
    """Two profiles the matcher found alike, stored by a background task for the review queue.
    Written only while the two owners share (or for one owner's own profiles); the queue still
    decides visibility when it reads, and a revoke deletes the pairs between the two partnerships.
    `first` has the lower id."""

    first = models.ForeignKey(
        "offenders.OffenderProfile", on_delete=models.CASCADE, related_name="+"
    )
    second = models.ForeignKey(
        "offenders.OffenderProfile", on_delete=models.CASCADE, related_name="+"
    )
    first_partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    second_partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField("score")
    reasons = ArrayField(models.CharField(max_length=200), verbose_name="reasons", default=list)
    computed_at = models.DateTimeField("found", default=timezone.now)

    class Meta:
        verbose_name = "candidate pair"
        verbose_name_plural = "candidate pairs"
        constraints = [
            *_ordered_pair_constraints("candidate"),
            models.UniqueConstraint(fields=["first", "second"], name="candidate_once_per_pair"),
        ]
        indexes = [
            models.Index(fields=["first_partnership", "-score"], name="candidate_by_first_owner"),
            models.Index(fields=["second_partnership", "-score"], name="candidate_by_second_owner"),
            models.Index(fields=["second"], name="candidate_by_second"),
        ]

    def __str__(self) -> str:
        return f"candidate {self.first_id}-{self.second_id} ({self.score:.2f})"


class DocumentKind(models.TextChoices):
    SHARING_AGREEMENT = "agreement", "Information sharing agreement"
    PRIVACY_NOTICE = "privacy", "Privacy notice"
    PRIVACY_NOTICE_SHORT = "privacy_short", "Short privacy notice"
    PROCESSING_RECORD = "processing", "Record of processing activities"
    POLICY_DOCUMENT = "policy", "Appropriate policy document"


class SchemeDocumentSettings(models.Model):
    """What the scheme's data protection documents say that no other setting holds: who the
    controller and its data protection contact are, and the purposes in the scheme's words."""

    partnership = models.OneToOneField(
        Partnership,
        on_delete=models.CASCADE,
        related_name="document_settings",
        verbose_name="partnership",
    )
    controller_contact = models.TextField(
        "the controller (who runs the scheme, and how to reach them)",
        max_length=600,
        blank=True,
        help_text="The organisation responsible for the scheme's records, with an address.",
    )
    dpo_contact = models.TextField(
        "data protection contact",
        max_length=600,
        blank=True,
        help_text="The single point of contact for people asking about their data.",
    )
    purposes = models.TextField(
        "purposes of the scheme",
        max_length=2000,
        blank=True,
        help_text="In plain words; left empty, the documents describe the usual purposes.",
    )
    updated_at = models.DateTimeField("changed", auto_now=True)

    class Meta:
        verbose_name = "scheme document settings"
        verbose_name_plural = "scheme document settings"

    def __str__(self) -> str:
        return f"document settings of {self.partnership}"


class SchemeDocument(models.Model):
    """One version of a document generated from the scheme's live configuration. A new version
    is stored only when the generated content differs from the latest one; none is deleted."""

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="scheme_documents",
        verbose_name="partnership",
    )
    kind = models.CharField("document", max_length=20, choices=DocumentKind.choices)
    # The partnership's own side of the agreement, for an information sharing agreement.
    agreement = models.ForeignKey(
        SharingConsent,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name="sharing agreement",
    )
    version = models.PositiveIntegerField("version")
    content = models.JSONField("content")
    fingerprint = models.CharField("fingerprint of the content", max_length=64)
    created_at = models.DateTimeField("generated", default=timezone.now)

    class Meta:
        verbose_name = "scheme document"
        verbose_name_plural = "scheme documents"
        ordering = ("kind", "agreement_id", "-version")
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "kind", "agreement", "version"],
                condition=Q(agreement__isnull=False),
                name="scheme_document_agreement_version_unique",
                violation_error_message="This version of the agreement already exists.",
            ),
            models.UniqueConstraint(
                fields=["partnership", "kind", "version"],
                condition=Q(agreement__isnull=True),
                name="scheme_document_version_unique",
                violation_error_message="This version of the document already exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.partnership}, version {self.version}"
