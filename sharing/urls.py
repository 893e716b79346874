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
    path(
        "intelligence/sought/<int:pk>/answer/",
        views.AnswerGiveView.as_view(),
        name="answer-give",
    ),
    path("intelligence/answers/<int:pk>/", views.AnswerView.as_view(), name="answer"),
    path(
        "intelligence/answers/<int:pk>/confirm/",
        views.AnswerDecideView.as_view(confirm=True),
        name="answer-confirm",
    ),
    path(
        "intelligence/answers/<int:pk>/decline/",
        views.AnswerDecideView.as_view(confirm=False),
        name="answer-decline",
    ),
    path("links/<int:pk>/undo/", views.LinkUndoView.as_view(), name="link-undo"),
    path("links/<int:pk>/merge/", views.LinkMergeView.as_view(), name="link-merge"),
    path("intelligence/candidates/", views.CandidatesView.as_view(), name="candidates"),
]

urlpatterns += [
    path("documents/", views.DocumentsView.as_view(), name="documents"),
    path("documents/settings/", views.DocumentSettingsView.as_view(), name="document-settings"),
    path("documents/<int:document>/", views.DocumentView.as_view(), name="document"),
    path("documents/<int:document>/pdf/", views.DocumentPdfView.as_view(), name="document-pdf"),
]
