"""Bulletin pages under /p/<slug>/bulletins/: read by everyone, posted by administrators,
critical ones acknowledged by members."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from bcrp.audit import client_ip
from bcrp.tenancy import ADMIN_ONLY, ALL_ROLES, PartnershipMixin, form_errors_from
from bulletins import selectors, services
from bulletins.forms import BulletinForm
from partnerships.models import Role

BULLETINS_PER_PAGE = 25


class BulletinListView(PartnershipMixin, TemplateView):
    allowed_roles = ALL_ROLES
    template_name = "bulletins/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page"] = Paginator(
            selectors.bulletins_for(self.membership), BULLETINS_PER_PAGE
        ).get_page(self.request.GET.get("page"))
        return context


class BulletinDetailView(PartnershipMixin, TemplateView):
    allowed_roles = ALL_ROLES
    template_name = "bulletins/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        bulletin = get_object_or_404(selectors.bulletins_for(self.membership), pk=self.kwargs["pk"])
        context["bulletin"] = bulletin
        context["may_acknowledge"] = (
            bulletin.critical
            and self.membership.role == Role.MEMBER
            and bulletin.acknowledged_at is None  # type: ignore[attr-defined]
        )
        context["show_readers"] = bulletin.critical and self.membership.role == Role.ADMIN
        if context["show_readers"]:
            context["acknowledgements"] = selectors.bulletin_acknowledgements(bulletin)
            context["unacknowledged"] = selectors.bulletin_unacknowledged_members(bulletin)
        return context


class BulletinAcknowledgeView(PartnershipMixin, View):
    # Open to every role so another partnership's bulletin id is a plain 404 or 405 for
    # anyone; bulletin_acknowledge itself refuses roles other than member.
    allowed_roles = ALL_ROLES
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        bulletin = get_object_or_404(selectors.bulletins_for(self.membership), pk=pk)
        try:
            services.bulletin_acknowledge(
                bulletin=bulletin, membership=self.membership, ip=client_ip(request)
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Thank you: you have confirmed reading this bulletin.")
        return redirect("bulletins:detail", slug=slug, pk=pk)


class BulletinPostView(PartnershipMixin, FormView[BulletinForm]):
    allowed_roles = ADMIN_ONLY
    template_name = "bulletins/form.html"
    form_class = BulletinForm

    def form_valid(self, form: BulletinForm) -> HttpResponse:
        try:
            bulletin = services.bulletin_post(
                partnership=self.partnership,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                critical=form.cleaned_data["critical"],
                actor=self.actor,
                ip=client_ip(self.request),
            )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Bulletin “{bulletin.title}” posted.")
        return redirect("bulletins:detail", slug=self.partnership.slug, pk=bulletin.pk)
