"""Headers on every page and download: personal data is never kept in a browser's or a proxy's
cache, and pages may use only the browser features they need."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from bcrp.api.problems import API_PREFIX

NO_STORE = "private, no-store"
TENANT_PREFIX = "/p/"


class ResponseHeadersMiddleware:
    """Cache-Control and Permissions-Policy, in one place so new pages are covered.

    Everything under /p/<slug>/ and /api/ is personal data: it is never stored, whatever a
    view said.
    Elsewhere a view may choose its own caching (say, a public file); without a choice a
    response is not stored either, since the pages outside a partnership (dashboard,
    two-factor setup, invitations) carry personal data too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            request.path_info.startswith((TENANT_PREFIX, API_PREFIX))
            or "Cache-Control" not in response
        ):
            response["Cache-Control"] = NO_STORE
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response
