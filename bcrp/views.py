"""Platform pages outside any one partnership: dashboard, health, forgotten passwords."""

from axes.utils import reset as axes_reset
from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from bcrp.audit import audit_record, client_ip
from bcrp.health import health_report
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


class PasswordResetRequestView(FormView[PasswordResetForm]):
    """Ask for a reset link; the answer is the same whether or not the account exists."""

    template_name = "registration/password_reset_form.html"
    form_class = PasswordResetForm

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        password_reset_request(form.cleaned_data["email"], self.request)
        return redirect("password-reset-sent")

    def form_invalid(self, form: PasswordResetForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choose the new password from the e-mailed link; the change is audited and any sign-in
    lockout on the account is lifted."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-done")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        axes_reset(username=user.email)
        audit_record(
            action="auth.password_reset", actor=user, target=user, ip=client_ip(self.request)
        )
        return response

    def form_invalid(self, form: SetPasswordForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)
