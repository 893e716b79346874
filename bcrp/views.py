"""Platform pages outside any one partnership: dashboard and health."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from bcrp.health import health_report


class DashboardView(LoginRequiredMixin, TemplateView):
    """The user's partnerships; the list itself comes from the switcher's context processor."""

    template_name = "dashboard.html"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)
