"""Partners page (sharing agreements), the Dataview and the same-person review queue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.views.generic import TemplateView

from bcrp.actors import CHANGE, VIEW
from bcrp.audit import audit_record
from offenders.selectors import profiles_visible_count
from partnerships.tenancy import (
    ADMIN_AND_POLICE,
    ADMIN_ONLY,
    PartnershipMixin,
    TenantObjectMixin,
)
from sharing import selectors, services
from sharing.filtersets import DataviewFilter
from sharing.forms import AgreementReferenceForm, CandidateDecisionForm
from sharing.links import candidate_dismiss, link_make

DATAVIEW_PAGE_SIZE = 50


class PartnersView(PartnershipMixin, TemplateView):
    allowed_roles = ADMIN_ONLY
    template_name = "sharing/partners.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rows"] = selectors.partner_rows(partnership=self.partnership)
        return context


class PartnerView(TenantObjectMixin[selectors.PartnerRow], TemplateView):
    """One other partnership: its state, and what accepting would give and gain."""

    allowed_roles = ADMIN_ONLY
    object_selector = selectors.partner_for
    action = VIEW
    template_name = "sharing/partner.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        row = self.get_object()
        gain = selectors.profiles_shareable_count(partnership=row.partnership)
        give = selectors.profiles_shareable_count(partnership=self.partnership)
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
    """Request, accept, decline or end sharing with another partnership (POST only)."""

    http_method_names = ["post"]
    action = CHANGE
    operation = ""

    def post(self, request: HttpRequest, slug: str, other: str) -> HttpResponse:
        partner = self.get_object().partnership
        form = AgreementReferenceForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(str(error) for error in errors))
            return self.render_to_response(self.get_context_data(), status=400)
        reference = form.cleaned_data["agreement_reference"]
        p, actor = self.partnership, self.actor
        try:
            if self.operation == "request":
                services.consent_request(
                    partnership=p,
                    partner=partner,
                    agreement_reference=reference,
                    actor=actor,
                )
                messages.success(request, f"Request sent to {partner}'s administrators.")
            elif self.operation == "accept":
                services.consent_accept(
                    partnership=p,
                    partner=partner,
                    agreement_reference=reference,
                    actor=actor,
                )
                messages.success(request, f"You now share with {partner}.")
            elif self.operation == "decline":
                services.consent_decline(partnership=p, partner=partner, actor=actor)
                messages.success(request, f"Request from {partner} declined.")
            elif self.operation == "revoke":
                services.consent_revoke(partnership=p, partner=partner, actor=actor)
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
            queryset=selectors.profiles_for_dataview(membership=self.membership),
            partnership=self.partnership,
        )
        paginator = Paginator(filterset.qs, DATAVIEW_PAGE_SIZE)
        total = None if filterset.narrows else profiles_visible_count(membership=self.membership)
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
                detail={"profile_ids": shown},
            )
        if filterset.ethnicity_used:
            # Special-category data (UK GDPR Art. 9): every use is on the record.
            audit_record(
                action="dataview.filter_perceived_ethnicity",
                actor=self.actor,
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


class CandidatesView(PartnershipMixin, TemplateView):
    """Administrators' review queue: possible same-person pairs, best first, with the evidence
    side by side; "Same person" links the two, "Not the same" is remembered. htmx replaces the
    list in place after each answer."""

    allowed_roles = ADMIN_ONLY
    template_name = "sharing/candidates.html"
    page_size = 30

    def get_template_names(self) -> list[str]:
        if self.request.htmx:  # type: ignore[attr-defined]
            return ["sharing/_candidates_list.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pairs = selectors.candidate_queue(membership=self.membership)[: self.page_size]
        # Our own profile on the left, whichever id is lower.
        context["pairs"] = [
            (pair, pair.first, pair.second)
            if pair.first.partnership_id == self.partnership.pk
            else (pair, pair.second, pair.first)
            for pair in pairs
        ]
        return context

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = CandidateDecisionForm(request.POST)
        status = 200
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(str(error) for error in errors))
            status = 400
        else:
            data = form.cleaned_data
            decide = link_make if data["decision"] == form.SAME else candidate_dismiss
            try:
                decide(
                    partnership=self.partnership,
                    profile_id=data["profile"],
                    other_id=data["other"],
                    actor=self.actor,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                status = 400
            else:
                messages.success(
                    request,
                    "Linked as the same person."
                    if data["decision"] == form.SAME
                    else "Noted: not the same person.",
                )
        if status == 200 and not request.htmx:  # type: ignore[attr-defined]
            return redirect("sharing:candidates", slug=slug)
        return self.render_to_response(self.get_context_data(), status=status)
