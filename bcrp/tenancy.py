"""The one place a request is tied to a partnership and a role.

Every page under /p/<slug>/ uses PartnershipMixin: a person with no active membership gets 404
(the URL space leaks nothing, not even whether a partnership exists); a member whose role is
not allowed gets 403.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from partnerships.models import Membership, Partnership, Role
from partnerships.selectors import membership_active

ALL_ROLES: frozenset[str] = frozenset(Role.values)
ADMIN_ONLY: frozenset[str] = frozenset({Role.ADMIN})
ADMIN_AND_POLICE: frozenset[str] = frozenset({Role.ADMIN, Role.POLICE})


class PartnershipMixin:
    """Resolves self.partnership and self.membership from the slug, or refuses."""

    allowed_roles: ClassVar[frozenset[str]] = ALL_ROLES
    partnership: Partnership
    membership: Membership
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = membership_active(user=request.user, slug=kwargs["slug"])
        if membership is None:
            raise Http404("No such page.")
        if membership.role not in self.allowed_roles:
            raise PermissionDenied("Your role in this partnership does not include this page.")
        self.membership = membership
        self.partnership = membership.partnership
        request.partnership = self.partnership  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["partnership"] = self.partnership
        context["membership"] = self.membership
        context["is_admin"] = self.membership.role == Role.ADMIN
        return context
