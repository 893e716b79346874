"""The installable member's app: its manifest, service worker, offline page and start address.
None of these carries anything about a person, so the service worker may keep them."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views import View

from partnerships.selectors import memberships_of_user

THEME_COLOUR = "#0172ad"
# Browsers ask again each time rather than keeping an old copy, so a new version arrives at once.
REVALIDATE = "no-cache"


class ManifestView(View):
    def get(self, request: HttpRequest) -> JsonResponse:
        icon = {"type": "image/png"}
        response = JsonResponse(
            {
                "id": "/app/",
                "name": "Business Crime Reduction Partnership",
                "short_name": "BCRP",
                "description": "Report incidents and see your partnership's gallery and bulletins.",
                "start_url": reverse("app-start"),
                "scope": "/",
                "display": "standalone",
                "orientation": "portrait",
                "theme_color": THEME_COLOUR,
                "background_color": "#ffffff",
                "lang": "en-GB",
                "icons": [
                    {**icon, "src": static("icons/icon-192.png"), "sizes": "192x192"},
                    {**icon, "src": static("icons/icon-512.png"), "sizes": "512x512"},
                    {
                        **icon,
                        "src": static("icons/icon-maskable-512.png"),
                        "sizes": "512x512",
                        "purpose": "maskable",
                    },
                ],
            },
            content_type="application/manifest+json",
        )
        response["Cache-Control"] = REVALIDATE
        return response


class ServiceWorkerView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        """Served from the site root, so it may look after every page of the site."""
        response = HttpResponse(
            render_to_string("app/sw.js", {"offline_url": reverse("app-offline")}),
            content_type="text/javascript",
        )
        response["Cache-Control"] = REVALIDATE
        return response


class OfflinePageView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        """Shown by the service worker when a page cannot be reached. Rendered without the request,
        so no name, partnership or token of whoever first loaded it ends up on the device."""
        response = HttpResponse(render_to_string("app/offline.html"))
        response["Cache-Control"] = REVALIDATE
        return response


class AppStartView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        """Where the installed app opens: the person's partnership, or the list when they have
        several."""
        memberships = list(memberships_of_user(user=request.user)[:2])  # type: ignore[arg-type]
        if len(memberships) == 1:
            return redirect("partnerships:home", memberships[0].partnership.slug)
        return redirect("dashboard")
