"""Template context shared by every page: the partnership switcher, the critical-bulletin banner."""

from typing import Any

from django.http import HttpRequest

from bulletins.selectors import bulletins_awaiting_acknowledgement
from partnerships.selectors import memberships_of_user


def partnerships(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    return {"my_memberships": memberships_of_user(request.user)}


def critical_bulletins(request: HttpRequest) -> dict[str, Any]:
    """Critical bulletins the member has not confirmed reading, on pages under /p/<slug>/.

    A lazy queryset: one query, and only on pages that show the banner. The banner links
    through `bulletins_partnership`, not the page's `partnership`: a 403 or 404 raised inside a
    view is rendered by Django's error handler, whose context has no partnership of its own.
    """
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {
        "bulletins_awaiting": bulletins_awaiting_acknowledgement(membership),
        "bulletins_partnership": membership.partnership,
    }
