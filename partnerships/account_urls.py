"""The signed-in person's own pages outside any partnership: their API tokens."""

from django.urls import path

from partnerships import views

app_name = "account"

urlpatterns = [
    path("tokens/", views.ApiTokensView.as_view(), name="api-tokens"),
    path("tokens/<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="api-token-revoke"),
]
