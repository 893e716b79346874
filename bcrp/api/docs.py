"""The API's reference pages, Swagger UI and Redoc, from assets installed with the project
(drf-spectacular-sidecar): nothing is fetched from a CDN."""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView


class ApiDocsView(TemplateView):
    """Swagger UI: try the API from the browser, with a token pasted into Authorize."""

    template_name = "api/swagger_ui.html"


# Redoc's styles are written into <style> elements as it renders (styled-components): this one
# page allows inline styles; scripts stay as strict as everywhere else.
@method_decorator(csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]}), "dispatch")
class ApiRedocView(TemplateView):
    """Redoc: the reference, for reading."""

    template_name = "api/redoc.html"
