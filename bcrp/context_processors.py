"""Template context shared by every page: the partnership switcher."""

from typing import Any

from django.http import HttpRequest

from partnerships.selectors import memberships_of_user


def partnerships(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    return {"my_memberships": memberships_of_user(request.user)}
