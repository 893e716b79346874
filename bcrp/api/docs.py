"""The API's reference pages, Swagger UI and Redoc, from assets installed with the project
(drf-spectacular-sidecar): nothing is fetched from a CDN."""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

# Both readers write <style> elements as they render: these two pages allow inline styles;
# scripts stay as strict as everywhere else.
INLINE_STYLES = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})


@method_decorator(INLINE_STYLES, "dispatch")
class ApiDocsView(TemplateView):
    """Swagger UI: try the API from the browser, with a token pasted into Authorize."""

    template_name = "api/swagger_ui.html"


@method_decorator(INLINE_STYLES, "dispatch")
class ApiRedocView(TemplateView):
    """Redoc: the reference, for reading."""

    template_name = "api/redoc.html"
