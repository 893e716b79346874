"""The partnership roles a person holds today, for the sign-in rules kept here (second factor,
session limits). Memberships belong to a domain app the ground floor does not import, so the
question goes to the function settings.USER_ROLES_FUNCTION names."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils.module_loading import import_string

from bcrp.models import User

MEMBER = "member"


def user_roles(user: User) -> set[str]:
    """Each of "admin", "police" and "member" the person holds in some partnership today."""
    roles_of: Callable[..., Iterable[str]] = import_string(settings.USER_ROLES_FUNCTION)
    return set(roles_of(user=user))
