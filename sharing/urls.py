"""Sharing pages under /p/<slug>/; every view goes through partnerships.tenancy.PartnershipMixin."""

from django.urls import path

from sharing import views

app_name = "sharing"

urlpatterns = [
    path("dataview/", views.DataviewView.as_view(), name="dataview"),
    path("partners/", views.PartnersView.as_view(), name="partners"),
    path("partners/<slug:other>/", views.PartnerView.as_view(), name="partner"),
    path(
        "partners/<slug:other>/request/",
        views.PartnerActionView.as_view(operation="request"),
        name="request",
    ),
    path(
        "partners/<slug:other>/accept/",
        views.PartnerActionView.as_view(operation="accept"),
        name="accept",
    ),
    path(
        "partners/<slug:other>/decline/",
        views.PartnerActionView.as_view(operation="decline"),
        name="decline",
    ),
    path(
        "partners/<slug:other>/revoke/",
        views.PartnerActionView.as_view(operation="revoke"),
        name="revoke",
    ),
    path("intelligence/candidates/", views.CandidatesView.as_view(), name="candidates"),
]
