"""The partnership's audit trail, under /p/<slug>/ (its own module so the page and the export sit
together)."""

from django.urls import path

from partnerships import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.AuditView.as_view(), name="trail"),
    path("audit.csv", views.AuditExportView.as_view(), name="export"),
]
