"""Partnership (the tenant), Business, Premises, Membership and Invitation."""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bcrp.actors import VIEW, Action


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    MEMBER = "member", "Member"
    POLICE = "police", "Police liaison"


MEMBER_SESSION_HOURS_MAX = 720


class Partnership(models.Model):
    """One BCRP. Owns one guardian group per role; every tenant record hangs off it."""

    name = models.CharField("name", max_length=120, unique=True)
    slug = models.SlugField(
        "short name in URLs", max_length=50, unique=True, help_text="Used in /p/<slug>/ addresses."
    )
    police_force_area = models.CharField("police force area", max_length=120, blank=True)
    reference_prefix = models.CharField(
        "profile reference prefix",
        max_length=5,
        blank=True,
        help_text="Starts every offender profile reference, as in WBC-00042. Left empty: initials.",
    )
    last_profile_number = models.PositiveIntegerField(
        "last profile number", default=0, editable=False
    )
    retention_months = models.PositiveSmallIntegerField(
        "retention period (months)",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Profiles with no activity for this long are archived, then deleted for good "
        "30 days later unless restored.",
    )
    warning_months = models.PositiveSmallIntegerField(
        "a warning stays on record for (months)",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="A second warning within this time becomes an exclusion.",
    )
    exclusion_months = models.PositiveSmallIntegerField(
        "an exclusion lasts (months)",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    escalate_repeat_warnings = models.BooleanField(
        "a warning given while an earlier warning is on record becomes an exclusion",
        default=True,
    )
    notice_contact_phone = models.CharField(
        "contact phone (printed on notices)", max_length=30, blank=True
    )
    notice_contact_email = models.EmailField("contact e-mail (printed on notices)", blank=True)
    postal_address = models.TextField(
        "postal address (printed on notices)", max_length=500, blank=True
    )
    appeal_instructions = models.TextField(
        "how to appeal (printed on notices)",
        max_length=2000,
        blank=True,
        help_text="Who to write to, by when, and what to include.",
    )
    member_session_hours = models.PositiveSmallIntegerField(
        "a member's sign-in lasts at most (hours)",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(MEMBER_SESSION_HOURS_MAX)],
        help_text="Members often share a till: they sign in again after this long.",
    )
    records_perceived_ethnicity = models.BooleanField(
        "records perceived ethnicity",
        default=False,
        help_text=(
            "Special-category data (UK GDPR Art. 9): off unless the scheme has a lawful basis."
        ),
    )
    appeal_decision_days = models.PositiveSmallIntegerField(
        "an appeal is decided within (days)",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=(
            "An appeal from a notice's page is due for a decision this many days after it "
            "arrives; it shows on the administrators' to-do list with that deadline."
        ),
    )
    second_approval_to_circulate = models.BooleanField(
        "a second administrator approves circulation",
        default=False,
        help_text=(
            "A profile placed in a gallery members see waits, unseen by members, until another "
            "administrator approves it."
        ),
    )
    admin_group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="partnership_as_admins", editable=False
    )
    member_group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="partnership_as_members", editable=False
    )
    police_group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="partnership_as_police", editable=False
    )
    created_at = models.DateTimeField("created", default=timezone.now)

    class Meta:
        verbose_name = "partnership"
        verbose_name_plural = "partnerships"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def group_for(self, role: str) -> Group:
        return {
            Role.ADMIN: self.admin_group,
            Role.MEMBER: self.member_group,
            Role.POLICE: self.police_group,
        }[Role(role)]

    @property
    def groups(self) -> list[Group]:
        return [self.admin_group, self.member_group, self.police_group]


class Business(models.Model):
    """A member organisation (a retailer, a pub company) within one partnership."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="businesses", verbose_name="partnership"
    )
    name = models.CharField("name", max_length=150)
    contact_email = models.EmailField("contact e-mail", blank=True)
    contact_phone = models.CharField("contact phone", max_length=30, blank=True)
    created_at = models.DateTimeField("created", default=timezone.now)

    class Meta:
        verbose_name = "business"
        verbose_name_plural = "businesses"
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "name"],
                name="business_unique_name_in_partnership",
                violation_error_message="This partnership already has a business of that name.",
            )
        ]

    def __str__(self) -> str:
        return self.name


POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value or "").upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


class Premises(models.Model):
    """A shop or venue of a business."""

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="premises", verbose_name="business"
    )
    name = models.CharField("name", max_length=150)
    address = models.CharField("address", max_length=300, blank=True)
    postcode = models.CharField("postcode", max_length=10)
    created_at = models.DateTimeField("created", default=timezone.now)

    class Meta:
        verbose_name = "premises"
        verbose_name_plural = "premises"
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(
                fields=["business", "name"],
                name="premises_unique_name_in_business",
                violation_error_message="This business already has premises of that name.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.postcode})"


class Membership(models.Model):
    """A person's role in one partnership. Ended memberships are kept for the record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name="user",
    )
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name="partnership",
    )
    role = models.CharField("role", max_length=10, choices=Role.choices)
    business = models.ForeignKey(
        Business,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="business",
    )
    premises = models.ForeignKey(
        Premises,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="usual premises",
    )
    created_at = models.DateTimeField("since", default=timezone.now)
    ended_at = models.DateTimeField("ended", null=True, blank=True)
    home_seen_at = models.DateTimeField("home last opened", null=True, blank=True)

    class Meta:
        verbose_name = "membership"
        verbose_name_plural = "memberships"
        ordering = ("partnership", "role", "user__email")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "partnership"],
                condition=Q(ended_at__isnull=True),
                name="membership_one_active_per_partnership",
                violation_error_message="This person already belongs to this partnership.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.partnership}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def may(self, action: Action) -> bool:
        """Whether this role may do `action` to a record at all: everyone here views what their
        role shows them; administrators alone change the scheme's records or export them."""
        return action == VIEW or self.role == Role.ADMIN


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """A one-time link, sent by e-mail, that makes its holder a member in a given role."""

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name="partnership",
    )
    email = models.EmailField("e-mail address")
    role = models.CharField("role", max_length=10, choices=Role.choices)
    business = models.ForeignKey(
        Business,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name="business",
    )
    premises = models.ForeignKey(
        Premises,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name="usual premises",
    )
    # Only the SHA-256 of the token is stored: a database dump cannot be used to join.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="invited by",
    )
    created_at = models.DateTimeField("created", default=timezone.now)
    expires_at = models.DateTimeField("expires")
    sent_at = models.DateTimeField("e-mail sent", null=True, blank=True)
    accepted_at = models.DateTimeField("accepted", null=True, blank=True)
    revoked_at = models.DateTimeField("withdrawn", null=True, blank=True)

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.partnership}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class ApiScope(models.TextChoices):
    """What an API token may be used for, on top of what its membership's role allows."""

    PROFILES_READ = "profiles:read", "Read profiles, photos, galleries and notices"
    NOTICES_WRITE = "notices:write", "Issue notices and record appeals"
    INCIDENTS_READ = "incidents:read", "Read incident reports"
    INCIDENTS_WRITE = "incidents:write", "Submit incident reports (and review them)"
    BULLETINS_READ = "bulletins:read", "Read bulletins"
    BULLETINS_ACKNOWLEDGE = "bulletins:acknowledge", "Acknowledge bulletins"
    SHARING_READ = "sharing:read", "Read partners and sharing agreements"
    STATISTICS_READ = "statistics:read", "Read incident statistics"


# The scopes each role may give a token: a scope for pages the role cannot open is never offered.
SCOPES_OF_ROLE: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(ApiScope.values),
    Role.POLICE: frozenset(
        {
            ApiScope.PROFILES_READ,
            ApiScope.INCIDENTS_READ,
            ApiScope.BULLETINS_READ,
            ApiScope.BULLETINS_ACKNOWLEDGE,
            ApiScope.STATISTICS_READ,
        }
    ),
    Role.MEMBER: frozenset(
        {
            ApiScope.PROFILES_READ,
            ApiScope.INCIDENTS_READ,
            ApiScope.INCIDENTS_WRITE,
            ApiScope.BULLETINS_READ,
            ApiScope.BULLETINS_ACKNOWLEDGE,
        }
    ),
}

API_TOKEN_PREFIX = "bcrp_"  # noqa: S105 (a marker, not a secret)


class ApiToken(models.Model):
    """A personal token for a system acting as one person in one partnership.

    Only the SHA-256 of the secret is stored (it is 256 random bits, so a plain hash cannot be
    reversed); `prefix` is its first characters, shown so the person can tell tokens apart.
    """

    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name="membership",
    )
    name = models.CharField("name", max_length=80, help_text="What the token is for.")
    prefix = models.CharField("starts with", max_length=16, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = ArrayField(
        models.CharField(max_length=24, choices=ApiScope.choices),
        verbose_name="scopes",
        default=list,
    )
    created_at = models.DateTimeField("created", default=timezone.now)
    expires_at = models.DateTimeField("expires")
    revoked_at = models.DateTimeField("revoked", null=True, blank=True)
    last_used_at = models.DateTimeField("last used", null=True, blank=True)

    class Meta:
        verbose_name = "API token"
        verbose_name_plural = "API tokens"
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return (
            self.revoked_at is None
            and self.expires_at > timezone.now()
            and self.membership.ended_at is None
        )
