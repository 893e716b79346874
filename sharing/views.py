"""Partners page (sharing agreements) and the Dataview."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.views.generic import TemplateView

from bcrp.audit import audit_record, client_ip
from bcrp.tenancy import ADMIN_AND_POLICE, ADMIN_ONLY, PartnershipMixin
from offenders.selectors import visible_count
from sharing import selectors, services
from sharing.filtersets import DataviewFilter
from sharing.forms import AgreementReferenceForm

DATAVIEW_PAGE_SIZE = 50


class PartnersView(PartnershipMixin, TemplateView):
    allowed_roles = ADMIN_ONLY
    template_name = "sharing/partners.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rows"] = selectors.partner_rows(self.partnership)
        return context


class PartnerView(PartnershipMixin, TemplateView):
    """One other partnership: its state, and what accepting would give and gain."""

    allowed_roles = ADMIN_ONLY
    template_name = "sharing/partner.html"

    def get_row(self) -> selectors.PartnerRow:
        row = selectors.partner_row(self.partnership, self.kwargs["other"])
        if row is None:
            raise Http404("No such partnership.")
        return row

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        row = self.get_row()
        gain = selectors.shareable_count(row.partnership)
        give = selectors.shareable_count(self.partnership)
        scale = max(gain, give, 1)
        context.update(
            row=row,
            gain=gain,
            give=give,
            # Bar lengths out of 100 for the give/gain chart; a non-zero count stays visible.
            gain_bar=max(round(100 * gain / scale), 1 if gain else 0),
            give_bar=max(round(100 * give / scale), 1 if give else 0),
        )
        return context


class PartnerActionView(PartnerView):
    http_method_names = ["post"]
    action = ""

    def post(self, request: HttpRequest, slug: str, other: str) -> HttpResponse:
        partner = self.get_row().partnership
        form = AgreementReferenceForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(str(error) for error in errors))
            return self.render_to_response(self.get_context_data(), status=400)
        reference = form.cleaned_data["agreement_reference"]
        ip = client_ip(request)
        p, actor = self.partnership, self.actor
        try:
            if self.action == "request":
                services.consent_request(
                    partnership=p,
                    partner=partner,
                    agreement_reference=reference,
                    actor=actor,
                    ip=ip,
                )
                messages.success(request, f"Request sent to {partner}'s administrators.")
            elif self.action == "accept":
                services.consent_accept(
                    partnership=p,
                    partner=partner,
                    agreement_reference=reference,
                    actor=actor,
                    ip=ip,
                )
                messages.success(request, f"You now share with {partner}.")
            elif self.action == "decline":
                services.consent_decline(partnership=p, partner=partner, actor=actor, ip=ip)
                messages.success(request, f"Request from {partner} declined.")
            elif self.action == "revoke":
                services.consent_revoke(partnership=p, partner=partner, actor=actor, ip=ip)
                messages.success(request, f"Sharing with {partner} has ended.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("sharing:partner", slug=slug, other=other)


class DataviewView(PartnershipMixin, TemplateView):
    """Own and peers' profiles in one list; filters in the query string; htmx updates."""

    allowed_roles = ADMIN_AND_POLICE
    template_name = "sharing/dataview.html"

    def get_template_names(self) -> list[str]:
        if self.request.htmx:  # type: ignore[attr-defined]
            return ["sharing/_dataview_results.html"]
        return [self.template_name]

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        if context["filter"].errors:
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filterset = DataviewFilter(
            self.request.GET,
            queryset=selectors.dataview_profiles(self.membership),
            partnership=self.partnership,
        )
        paginator = Paginator(filterset.qs, DATAVIEW_PAGE_SIZE)
        total = None if filterset.narrows else visible_count(self.membership)
        if total is not None:
            # Unfiltered, the total is the number of permission rows: an index-only count.
            paginator.count = total
        page = paginator.get_page(self.request.GET.get("page"))
        shown = [profile.pk for profile in page.object_list]
        if shown:
            # The browser fetches each row's thumbnail on its own; this one event covers them.
            audit_record(
                action="dataview.view",
                actor=self.actor,
                partnership=self.partnership,
                ip=client_ip(self.request),
                detail={"profile_ids": shown},
            )
        if filterset.ethnicity_used:
            # Special-category data (UK GDPR Art. 9): every use is on the record.
            audit_record(
                action="dataview.filter_perceived_ethnicity",
                actor=self.actor,
                partnership=self.partnership,
                ip=client_ip(self.request),
                detail={"code": filterset.ethnicity_used},
            )
        # The pager's links carry the filters in use, not the empty ones or the page.
        query = QueryDict(mutable=True)
        for name, values in self.request.GET.lists():
            kept = [value for value in values if value != ""]
            if name != "page" and kept:
                query.setlist(name, kept)
        context.update(filter=filterset, page=page, query=query.urlencode())
        return context
