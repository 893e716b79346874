"""Bulletin pages under /p/<slug>/: every view here goes through
partnerships.tenancy.PartnershipMixin."""

from django.urls import path

from bulletins import views

app_name = "bulletins"

urlpatterns = [
    path("bulletins/", views.BulletinListView.as_view(), name="list"),
    path("bulletins/post/", views.BulletinPostView.as_view(), name="post"),
    path("bulletins/<int:pk>/", views.BulletinDetailView.as_view(), name="detail"),
    path(
        "bulletins/<int:pk>/acknowledge/",
        views.BulletinAcknowledgeView.as_view(),
        name="acknowledge",
    ),
]
