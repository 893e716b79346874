"""The schemes' privacy notices at public addresses (/privacy/<slug>/), without signing in."""

from django.urls import path

from sharing.views import PublicPrivacyNoticeView

urlpatterns = [
    path("<slug:slug>/", PublicPrivacyNoticeView.as_view(), name="public-privacy-notice"),
    path(
        "<slug:slug>/pdf/",
        PublicPrivacyNoticeView.as_view(pdf=True),
        name="public-privacy-notice-pdf",
    ),
    path(
        "<slug:slug>/short/",
        PublicPrivacyNoticeView.as_view(short=True),
        name="public-privacy-notice-short",
    ),
    path(
        "<slug:slug>/short/pdf/",
        PublicPrivacyNoticeView.as_view(short=True, pdf=True),
        name="public-privacy-notice-short-pdf",
    ),
]
