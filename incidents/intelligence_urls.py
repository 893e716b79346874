"""Cross-partnership intelligence pages under /p/<slug>/ that read incidents: the travelling
and prolific offenders. A URL module of its own so their names keep the `intelligence`
namespace."""

from django.urls import path

from incidents import views

app_name = "intelligence"

urlpatterns = [
    path("intelligence/travelling/", views.TravellingView.as_view(), name="travelling"),
]
