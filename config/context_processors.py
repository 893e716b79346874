"""Template context shared by every page: the partnership switcher, the critical-bulletin banner."""

from typing import Any

from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject

from bulletins.selectors import bulletins_awaiting_acknowledgement
from partnerships.models import Membership
from partnerships.selectors import membership_active, memberships_in_menu


def partnerships(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    user = request.user
    # Read only by the pages that print them.
    return {"my_memberships": SimpleLazyObject(lambda: memberships_in_menu(user=user))}


def critical_bulletins(request: HttpRequest) -> dict[str, Any]:
    """Critical bulletins the member has not confirmed reading, on pages under /p/<slug>/.

    A lazy queryset: one query, and only on pages that show the banner. The banner links
    through `bulletins_partnership`, not the page's `partnership`: a 403 or 404 raised inside a
    view is rendered by Django's error handler, whose context has no partnership of its own.
    """
    membership = getattr(request, "membership", None) or _membership_from_path(request)
    if membership is None:
        return {}
    awaiting = bulletins_awaiting_acknowledgement(membership=membership)
    if awaiting.query.is_empty():
        return {}  # none for this role: not even an empty query to compile
    return {
        "bulletins_awaiting": awaiting,
        "bulletins_partnership": membership.partnership,
    }


def _membership_from_path(request: HttpRequest) -> Membership | None:
    """The membership of a page refused before its view ran (a body too large or malformed is
    refused by middleware), so its error page still carries the banner."""
    if not request.user.is_authenticated or not request.path_info.startswith("/p/"):
        return None
    try:
        slug = resolve(request.path_info).kwargs.get("slug")
    except Resolver404:
        return None
    return membership_active(user=request.user, slug=slug) if slug else None
