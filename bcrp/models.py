"""The platform's User and the append-only audit trail."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


def address_key(typed: object) -> str:
    """An e-mail address as accounts are stored and looked up: trimmed, lower-case. Sign-in,
    the lockout, password resets and invitations all compare addresses through this."""
    return str(typed or "").strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an e-mail address.")
        user = self.model(email=address_key(self.normalize_email(email)), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # People type addresses as they like, capitals and spaces included.
        return self.get(email=address_key(username))

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in; what they may do comes from their memberships."""

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField("full name", max_length=150, blank=True)
    is_staff = models.BooleanField(
        "platform operator", default=False, help_text="May sign in to the Django admin."
    )
    is_active = models.BooleanField("active", default=True)
    date_joined = models.DateTimeField("date joined", default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class AuditEvent(models.Model):
    """One recorded action. Append-only: a database trigger refuses UPDATE and DELETE.

    Holds ids, never personal data; the actor and partnership are kept as plain ids (no foreign
    key constraint) so that deleting a user or partnership never has to touch the trail.
    """

    created_at = models.DateTimeField("time (UTC)", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name="actor",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        verbose_name="partnership",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField("action", max_length=64, db_index=True)
    object_type = models.CharField("object type", max_length=64, blank=True)
    object_id = models.CharField("object id", max_length=64, blank=True)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    detail = models.JSONField("detail", default=dict, blank=True)

    class Meta:
        verbose_name = "audit event"
        verbose_name_plural = "audit events"
        ordering = ("-created_at", "-id")
        indexes = [
            # The audit viewer pages each partnership's trail by (created_at, id), unfiltered or
            # by person, action or record; each filter walks its own index in page order.
            models.Index(
                fields=["partnership", "-created_at", "-id"], name="audit_partnership_time"
            ),
            models.Index(
                fields=["partnership", "actor", "-created_at", "-id"], name="audit_actor_time"
            ),
            models.Index(
                fields=["partnership", "action", "-created_at", "-id"], name="audit_action_time"
            ),
            models.Index(
                fields=["partnership", "object_type", "object_id", "-created_at", "-id"],
                name="audit_record_time",
            ),
            # A record's history (a profile's History, its subject access export) reads by object.
            models.Index(
                fields=["object_type", "object_id", "-created_at"], name="audit_object_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action}"
