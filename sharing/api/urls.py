"""API routes of sharing, under /api/v1/p/<slug>/."""

from rest_framework.routers import SimpleRouter

from sharing.api import views

app_name = "sharing-api"

router = SimpleRouter()
router.register("profiles", views.DataviewViewSet, basename="profile")
router.register("partners", views.PartnerViewSet, basename="partner")

urlpatterns = router.urls
