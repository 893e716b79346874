"""/api/v1/: the OpenAPI document and its readers, and each app's routes under /p/<slug>/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from bcrp.api.docs import ApiDocsView, ApiRedocView

tenant = [
    path("", include("sharing.api.urls")),
    path("", include("offenders.api.urls")),
    path("", include("incidents.api.urls")),
    path("", include("bulletins.api.urls")),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", ApiDocsView.as_view(), name="api-docs"),
    path("redoc/", ApiRedocView.as_view(), name="api-redoc"),
    path("p/<slug:slug>/", include(tenant)),
]
