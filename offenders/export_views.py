"""Subject access exports: ask for one from a profile, watch it being built, download it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from bcrp.audit import audit_record, client_ip
from bcrp.tenancy import ADMIN_ONLY, PartnershipMixin
from offenders.exports import EXPORT_KEEP_DAYS, export_read, export_request
from offenders.models import ExportStatus, SubjectAccessExport
from offenders.selectors import export_of
from offenders.views import ProfileMixin


class ExportRequestForm(forms.Form):
    request_reference = forms.CharField(label="Request reference", max_length=80, required=False)


class ExportRequestView(ProfileMixin, View):
    """POST from the owning partnership's profile page: queue an export and go and watch it."""

    allowed_roles = ADMIN_ONLY
    http_method_names = ["post"]
    owned_only = True

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        profile = self.get_profile()
        form = ExportRequestForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The request reference can be at most 80 characters.")
            return redirect(self.profile_url())
        export = export_request(
            profile=profile,
            request_reference=form.cleaned_data["request_reference"],
            actor=self.actor,
            ip=client_ip(request),
        )
        return redirect("offenders:export", slug=self.partnership.slug, token=export.token)


class ExportMixin(PartnershipMixin):
    allowed_roles = ADMIN_ONLY

    def get_export(self) -> SubjectAccessExport:
        export = export_of(self.membership, self.kwargs["token"])  # type: ignore[attr-defined]
        if export is None:
            raise Http404("No such export.")
        return export


class ExportView(ExportMixin, TemplateView):
    """The export's progress, polled by htmx until it is ready, then the download link."""

    template_name = "offenders/export.html"

    def get_template_names(self) -> list[str]:
        if self.request.htmx:  # type: ignore[attr-defined]
            return ["offenders/_export_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        export = self.get_export()
        context.update(
            export=export,
            profile=export.profile,
            working=export.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
            keep_days=EXPORT_KEEP_DAYS,
        )
        return context


class ExportDownloadView(ExportMixin, View):
    http_method_names = ["get"]

    def get(self, request: HttpRequest, slug: str, token: str) -> HttpResponse:
        export = self.get_export()
        if export.status != ExportStatus.READY:
            raise Http404("This export is not ready.")
        response = HttpResponse(export_read(export), content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="subject-access-{export.profile.reference}.zip"'
        )
        response["Cache-Control"] = "private, no-store"
        audit_record(
            action="profile.export_download",
            actor=self.actor,
            partnership=self.partnership,
            target=export.profile,
            ip=client_ip(request),
            detail={"export_id": export.pk},
        )
        return response
