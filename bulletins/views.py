"""Bulletin pages under /p/<slug>/bulletins/: read by everyone, posted by administrators,
critical ones acknowledged by members."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from bcrp.actors import VIEW
from bcrp.forms import form_errors_from
from bulletins import selectors, services
from bulletins.forms import BulletinForm
from bulletins.models import Bulletin
from partnerships.models import Role
from partnerships.tenancy import ADMIN_ONLY, ALL_ROLES, PartnershipMixin, TenantObjectMixin

BULLETINS_PER_PAGE = 25


class BulletinListView(PartnershipMixin, TemplateView):
    allowed_roles = ALL_ROLES
    template_name = "bulletins/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page"] = Paginator(
            selectors.bulletins_visible(membership=self.membership), BULLETINS_PER_PAGE
        ).get_page(self.request.GET.get("page"))
        return context


class BulletinDetailView(TenantObjectMixin[Bulletin], TemplateView):
    allowed_roles = ALL_ROLES
    object_selector = selectors.bulletin_for
    action = VIEW
    template_name = "bulletins/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        bulletin = self.get_object()
        context["bulletin"] = bulletin
        context["may_acknowledge"] = (
            bulletin.critical
            and self.membership.role == Role.MEMBER
            and bulletin.acknowledged_at is None  # type: ignore[attr-defined]
        )
        context["show_readers"] = bulletin.critical and self.membership.role == Role.ADMIN
        if context["show_readers"]:
            context["acknowledgements"] = selectors.acknowledgements_of_bulletin(bulletin=bulletin)
            context["unacknowledged"] = selectors.memberships_unacknowledged(bulletin=bulletin)
        return context


class BulletinAcknowledgeView(TenantObjectMixin[Bulletin], View):
    # Open to every role so another partnership's bulletin id is a plain 404 or 405 for
    # anyone; bulletin_acknowledge itself refuses roles other than member. Acknowledging
    # records that the person read it: the bulletin itself is only viewed.
    allowed_roles = ALL_ROLES
    object_selector = selectors.bulletin_for
    action = VIEW
    http_method_names = ["post"]

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        bulletin = self.get_object()
        try:
            services.bulletin_acknowledge(
                bulletin=bulletin, membership=self.membership, actor=self.actor
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
            )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Bulletin “{bulletin.title}” posted.")
        return redirect("bulletins:detail", slug=self.partnership.slug, pk=bulletin.pk)
