"""Incident pages under /p/<slug>/; every view goes through
partnerships.tenancy.PartnershipMixin."""

from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("incidents/", views.IncidentListView.as_view(), name="list"),
    path("incidents/export.csv", views.IncidentExportView.as_view(), name="export"),
    path("incidents/new/", views.IncidentCreateView.as_view(), name="new"),
    path("incidents/<int:pk>/", views.IncidentDetailView.as_view(), name="detail"),
    path(
        "incidents/<int:pk>/accept/",
        views.IncidentReviewView.as_view(operation="accept"),
        name="accept",
    ),
    path(
        "incidents/<int:pk>/reject/",
        views.IncidentReviewView.as_view(operation="reject"),
        name="reject",
    ),
    path(
        "incidents/<int:pk>/link/", views.IncidentReviewView.as_view(operation="link"), name="link"
    ),
    path("incident-photos/<token:token>/", views.IncidentPhotoView.as_view(), name="photo"),
    path(
        "incident-photos/<token:token>/thumb/",
        views.IncidentPhotoView.as_view(thumbnail=True),
        name="photo-thumb",
    ),
    path(
        "incident-photos/<token:token>/new-profile/",
        views.ProfileFromPhotoView.as_view(),
        name="profile-from-photo",
    ),
]

urlpatterns += [
    path("incidents/<int:pk>/pack/", views.IncidentPackRequestView.as_view(), name="incident-pack"),
    path("profiles/<int:pk>/pack/", views.ProfilePackRequestView.as_view(), name="profile-pack"),
    path("packs/<token:token>/", views.PackView.as_view(), name="pack"),
    path("packs/<token:token>/pdf/", views.PackDownloadView.as_view(kind="pdf"), name="pack-pdf"),
    path("packs/<token:token>/zip/", views.PackDownloadView.as_view(kind="zip"), name="pack-zip"),
]

urlpatterns += [
    path("incidents/<int:pk>/statement/", views.StatementView.as_view(), name="statement"),
    path(
        "incidents/<int:pk>/statement/sign/",
        views.StatementSignView.as_view(),
        name="statement-sign",
    ),
    path(
        "incidents/<int:pk>/statement/new-version/",
        views.StatementNewVersionView.as_view(),
        name="statement-new-version",
    ),
    path("incidents/<int:pk>/impact/", views.ImpactStatementView.as_view(), name="impact"),
]
