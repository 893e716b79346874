"""Bulletin pages under /p/<slug>/: every view here goes through
partnerships.tenancy.PartnershipMixin."""

from django.urls import path

from bulletins import views

app_name = "bulletins"

urlpatterns = [
    path("bulletins/", views.BulletinListView.as_view(), name="list"),
    path("bulletins/post/", views.BulletinPostView.as_view(), name="post"),
    path("bulletins/<int:pk>/", views.BulletinDetailView.as_view(), name="detail"),
    path("bulletins/<int:pk>/edit/", views.BulletinEditView.as_view(), name="edit"),
    path(
        "bulletins/<int:pk>/withdraw/",
        views.BulletinActionView.as_view(operation="withdraw"),
        name="withdraw",
    ),
    path(
        "bulletins/<int:pk>/remind/",
        views.BulletinActionView.as_view(operation="remind"),
        name="remind",
    ),
    path("bulletins/groups/", views.MemberGroupListView.as_view(), name="groups"),
    path("bulletins/groups/add/", views.MemberGroupEditView.as_view(), name="group-add"),
    path("bulletins/groups/<int:pk>/", views.MemberGroupEditView.as_view(), name="group-edit"),
    path(
        "bulletins/<int:pk>/acknowledge/",
        views.BulletinAcknowledgeView.as_view(),
        name="acknowledge",
    ),
]
