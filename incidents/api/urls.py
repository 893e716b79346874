"""API routes of incidents, under /api/v1/p/<slug>/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents.api import views

app_name = "incidents-api"

router = SimpleRouter()
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("incident-photos", views.IncidentPhotoViewSet, basename="incident-photo")

urlpatterns = [
    *router.urls,
    # One object, not a list of records: no router route fits.
    path(
        "statistics/",
        views.StatisticsViewSet.as_view({"get": "retrieve"}),
        name="statistics",
    ),
]
