"""Offender pages under /p/<slug>/; every view goes through
partnerships.tenancy.PartnershipMixin."""

from django.urls import path

from offenders import views

app_name = "offenders"

urlpatterns = [
    path("profiles/", views.ProfileListView.as_view(), name="profiles"),
    path("profiles/new/", views.ProfileCreateView.as_view(), name="profile-add"),
    path("profiles/<int:pk>/", views.ProfileDetailView.as_view(), name="profile"),
    path("profiles/<int:pk>/edit/", views.ProfileEditView.as_view(), name="profile-edit"),
    path(
        "profiles/<int:pk>/archive/",
        views.ProfileStatusView.as_view(archive=True),
        name="profile-archive",
    ),
    path(
        "profiles/<int:pk>/restore/",
        views.ProfileStatusView.as_view(archive=False),
        name="profile-restore",
    ),
    path("profiles/<int:pk>/seen/", views.SightingRecordView.as_view(), name="profile-seen"),
    path("profiles/<int:pk>/photos/", views.ProfileImagesView.as_view(), name="profile-images"),
    path(
        "profiles/<int:pk>/export/",
        views.ExportRequestView.as_view(),
        name="profile-export",
    ),
    path("exports/<token:token>/", views.ExportView.as_view(), name="export"),
    path(
        "exports/<token:token>/download/",
        views.ExportDownloadView.as_view(),
        name="export-download",
    ),
    path(
        "profiles/<int:pk>/galleries/",
        views.PlacementAddView.as_view(),
        name="placement-add",
    ),
    path(
        "placements/<int:pk>/remove/",
        views.PlacementRemoveView.as_view(),
        name="placement-remove",
    ),
    path("photos/<token:token>/", views.ImageServeView.as_view(), name="image"),
    path(
        "photos/<token:token>/thumb/",
        views.ImageServeView.as_view(thumbnail=True),
        name="image-thumb",
    ),
    path(
        "photos/<token:token>/primary/",
        views.ImageActionView.as_view(operation="primary"),
        name="image-primary",
    ),
    path(
        "photos/<token:token>/up/", views.ImageActionView.as_view(operation="up"), name="image-up"
    ),
    path(
        "photos/<token:token>/down/",
        views.ImageActionView.as_view(operation="down"),
        name="image-down",
    ),
    path(
        "photos/<token:token>/delete/",
        views.ImageActionView.as_view(operation="delete"),
        name="image-delete",
    ),
    path("profiles/<int:pk>/notices/", views.NoticeIssueView.as_view(), name="notice-issue"),
    path("notices/<int:pk>/", views.NoticeView.as_view(), name="notice"),
    path("requests/<int:pk>/", views.SubjectRequestView.as_view(), name="subject-request"),
    path("gallery/", views.CirculatedGalleryView.as_view(), name="gallery"),
    path("galleries/", views.GalleryListView.as_view(), name="galleries"),
    path("galleries/add/", views.GalleryEditView.as_view(), name="gallery-add"),
    path("galleries/<int:pk>/", views.GalleryEditView.as_view(), name="gallery-edit"),
    path("settings/", views.SchemeSettingsView.as_view(), name="scheme-settings"),
    path(
        "galleries/<int:pk>/briefing.pdf",
        views.GalleryBriefingView.as_view(),
        name="gallery-briefing",
    ),
    path(
        "profiles/<int:pk>/challenge/",
        views.ChallengeRaiseView.as_view(),
        name="profile-challenge",
    ),
    path(
        "challenges/<int:pk>/decide/",
        views.ChallengeDecideView.as_view(),
        name="challenge-decide",
    ),
    path(
        "placements/<int:pk>/approve/",
        views.PlacementApproveView.as_view(),
        name="placement-approve",
    ),
]
