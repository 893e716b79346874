"""Sign-ins, failed sign-ins and lockouts go to the audit trail (Django only signals them);
each sign-in starts its time limits."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from bcrp.actors import Actor, client_ip
from bcrp.audit import audit_record
from bcrp.models import User, address_key
from bcrp.session_limits import session_limits_start


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit_record(action="auth.login", actor=Actor(user=user, ip=client_ip(request)), target=user)


@receiver(user_logged_in)
def limits_on_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    session_limits_start(session=request.session, user=user)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            action="auth.logout", actor=Actor(user=user, ip=client_ip(request)), target=user
        )


def _audit_attempt(action: str, typed: str, request: HttpRequest | None) -> None:
    # Only whether the account exists, never the address typed: a mistyped e-mail is personal
    # data about somebody else.
    email = address_key(typed)
    user = User.objects.filter(email=email).only("pk").first() if email else None
    audit_record(
        action=action,
        actor=Actor(user=None, ip=client_ip(request)),
        target=user,
        detail={"known_account": user is not None},
    )


@receiver(user_login_failed)
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    typed = str(credentials.get("username") or credentials.get("email") or "")
    _audit_attempt("auth.login_failed", typed, request)


@receiver(user_locked_out)
def audit_locked_out(
    sender: Any, request: HttpRequest | None = None, username: str = "", **kwargs: Any
) -> None:
    _audit_attempt("auth.locked_out", username or "", request)
