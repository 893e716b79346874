"""API routes of bulletins, under /api/v1/p/<slug>/."""

from rest_framework.routers import SimpleRouter

from bulletins.api import views

app_name = "bulletins-api"

router = SimpleRouter()
router.register("bulletins", views.BulletinViewSet, basename="bulletin")

urlpatterns = router.urls
