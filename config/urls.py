"""Top-level URLs. Everything tenant-scoped lives under /p/<slug>/ (partnerships.urls)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView

from bcrp import views
from offenders import views as offender_views
from partnerships import app_views
from partnerships import views as partnership_views

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.TwoFactorView.as_view(), name="two-factor"),
    path("password-reset/", views.PasswordResetRequestView.as_view(), name="password-reset"),
    path(
        "password-reset/sent/",
        TemplateView.as_view(template_name="registration/password_reset_sent.html"),
        name="password-reset-sent",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        TemplateView.as_view(template_name="registration/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "invite/<token:token>/",
        partnership_views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path("p/<slug:slug>/", include("partnerships.urls")),
    path("p/<slug:slug>/", include("offenders.urls")),
    path("p/<slug:slug>/", include("sharing.urls")),
    path("p/<slug:slug>/", include("incidents.urls")),
    path("p/<slug:slug>/", include("bulletins.urls")),
    path("p/<slug:slug>/", include("incidents.stats_urls")),
    path("p/<slug:slug>/", include("partnerships.audit_urls")),
    path("p/<slug:slug>/", include("incidents.intelligence_urls")),
    path("api/v1/", include("config.api_urls")),
    path("account/", include("partnerships.account_urls")),
    path("admin/", admin.site.urls),
    # The address printed on a notice, for the person it names: no sign-in.
    path("n/<str:token>/", offender_views.PublicNoticeView.as_view(), name="public-notice"),
    path(
        "n/<str:token>/appeal/",
        offender_views.PublicRequestView.as_view(kind="appeal"),
        name="public-notice-appeal",
    ),
    path(
        "n/<str:token>/access/",
        offender_views.PublicRequestView.as_view(kind="access"),
        name="public-notice-access",
    ),
    path("privacy/", include("sharing.public_urls")),
    path(
        "operator/partnerships/new/",
        offender_views.PartnershipOnboardView.as_view(),
        name="operator-partnership-new",
    ),
]

# The installable member's app: at the site root, so the service worker's scope is the whole site.
urlpatterns += [
    path("manifest.webmanifest", app_views.ManifestView.as_view(), name="app-manifest"),
    path("sw.js", app_views.ServiceWorkerView.as_view(), name="app-service-worker"),
    path("offline/", app_views.OfflinePageView.as_view(), name="app-offline"),
    path("app/", app_views.AppStartView.as_view(), name="app-start"),
]

handler400 = "bcrp.views.bad_request"
handler403 = "bcrp.views.permission_denied"
handler404 = "bcrp.views.page_not_found"
handler500 = "bcrp.views.server_error"
