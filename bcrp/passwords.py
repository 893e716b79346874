"""Forgotten passwords: a one-time link by e-mail, sent by the worker.

The link is made in the worker from the user id (Django's token generator: it stops working once
the password changes or after PASSWORD_RESET_TIMEOUT), so no secret passes through the broker.
Asking is answered the same way whether or not the address has an account, and an account gets
at most one e-mail per RESEND_AFTER, so the form cannot be used to flood someone's inbox.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from bcrp.actors import Actor
from bcrp.audit import audit_record
from bcrp.models import AuditEvent, User, address_key
from bcrp.queue import enqueue_on_commit

RESEND_AFTER = timedelta(minutes=5)


def password_reset_request(*, email: str, actor: Actor) -> bool:
    """Queue a reset e-mail if the address is an active account's; True when one was queued."""
    user = User.objects.filter(email=address_key(email), is_active=True).first()
    recent = (
        user is not None
        and AuditEvent.objects.filter(
            action="auth.password_reset_request",
            object_type=User._meta.label_lower,
            object_id=str(user.pk),
            detail__queued=True,
            created_at__gte=timezone.now() - RESEND_AFTER,
        ).exists()
    )
    queue = user is not None and user.has_usable_password() and not recent
    audit_record(
        action="auth.password_reset_request",
        actor=actor,
        target=user,
        detail={"known_account": user is not None, "queued": queue},
    )
    if queue and user is not None:
        enqueue_on_commit("bcrp.tasks.password_reset_send", user.pk)
    return queue


def password_reset_email(user_id: int) -> bool:
    """Send the reset link (the worker's task body)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    path = reverse(
        "password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    send_mail(
        subject="Choosing a new password",
        message=(
            "Someone, probably you, asked to choose a new password for this account.\n\n"
            f"Open this link to choose one (it works once, for {hours} hours):\n"
            f"{settings.SITE_URL.rstrip('/')}{path}\n\n"
            "If it was not you, ignore this e-mail: your password stays as it is.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )
    return True
