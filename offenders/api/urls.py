"""API routes of offenders, under /api/v1/p/<slug>/."""

from rest_framework.routers import SimpleRouter

from offenders.api import views

app_name = "offenders-api"

router = SimpleRouter()
router.register("profiles", views.ProfileViewSet, basename="profile")
router.register("photos", views.PhotoViewSet, basename="photo")
router.register("galleries", views.GalleryViewSet, basename="gallery")
router.register("notices", views.NoticeViewSet, basename="notice")

urlpatterns = router.urls
