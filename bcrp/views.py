"""Platform pages outside any one partnership: dashboard, health, forgotten passwords."""

from __future__ import annotations

from typing import Any, cast

from axes.utils import reset as axes_reset
from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from bcrp import two_factor
from bcrp.actors import Actor, client_ip
from bcrp.api.problems import is_api_request, problem_response
from bcrp.audit import audit_record
from bcrp.forms import InvalidFormIs400
from bcrp.health import health_report
from bcrp.models import User
from bcrp.passwords import password_reset_request


class DashboardView(LoginRequiredMixin, TemplateView):
    """The user's partnerships; the list itself comes from the switcher's context processor."""

    template_name = "dashboard.html"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


class PasswordResetForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)


class PasswordResetRequestView(InvalidFormIs400, FormView[PasswordResetForm]):
    """Ask for a reset link; the answer is the same whether or not the account exists."""

    template_name = "registration/password_reset_form.html"
    form_class = PasswordResetForm

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        password_reset_request(
            email=form.cleaned_data["email"], actor=Actor.from_request(self.request)
        )
        return redirect("password-reset-sent")


class PasswordResetConfirmView(InvalidFormIs400, auth_views.PasswordResetConfirmView):
    """Choose the new password from the e-mailed link; the change is audited and any sign-in
    lockout on the account is lifted."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-done")

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        axes_reset(username=user.email)
        audit_record(
            action="auth.password_reset",
            actor=Actor(user=user, ip=client_ip(self.request)),
            target=user,
        )
        return response


class TwoFactorView(LoginRequiredMixin, TemplateView):
    """Set up an authenticator app (first time) or type its current code (each sign-in)."""

    template_name = "registration/two_factor.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = cast(User, self.request.user)
        device = two_factor.device_of(user)
        setting_up = device is None
        if device is None:
            device = two_factor.device_setup(user)
            context.update(qr=two_factor.qr_data_url(device), secret=two_factor.secret_text(device))
        context.update(setting_up=setting_up, next=two_factor.next_url(self.request))
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        user = cast(User, request.user)
        device = two_factor.device_of(user) or two_factor.device_setup(user)
        problem = two_factor.code_check(request, device, request.POST.get("code", "")[:20])
        if problem is None:
            return redirect(two_factor.next_url(request))
        context = self.get_context_data(problem=problem)
        return self.render_to_response(context, status=400)


# The site's error pages; under /api/ the same errors as problem details.


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return problem_response(request, status=400, detail="The request could not be read.")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return problem_response(request, status=403, detail=str(exception) or "Not allowed.")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return problem_response(request, status=404, detail="No such address in the API.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return problem_response(request, status=500, detail="Something went wrong on our side.")
    return defaults.server_error(request)
