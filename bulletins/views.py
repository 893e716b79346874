"""Bulletin pages under /p/<slug>/bulletins/: read by everyone they are sent to; posted, edited,
withdrawn and reminded of by administrators, who also define the member groups they target;
critical ones acknowledged by members."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from bcrp.actors import CHANGE, VIEW
from bcrp.forms import form_errors_from
from bulletins import selectors, services
from bulletins.forms import BulletinForm, MemberGroupForm
from bulletins.models import Bulletin, MemberGroup
from partnerships.models import Role
from partnerships.tenancy import (
    ADMIN_ONLY,
    ALL_ROLES,
    PartnershipMixin,
    TenantListView,
    TenantObjectMixin,
)

BULLETINS_PER_PAGE = 25


class BulletinListView(PartnershipMixin, TemplateView):
    allowed_roles = ALL_ROLES
    template_name = "bulletins/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page"] = Paginator(
            selectors.bulletins_listed(membership=self.membership), BULLETINS_PER_PAGE
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
            and bulletin.withdrawn_at is None
            and self.membership.role == Role.MEMBER
            and bulletin.acknowledged_at is None  # type: ignore[attr-defined]
        )
        context["show_readers"] = bulletin.critical and self.membership.role == Role.ADMIN
        context["may_change"] = self.membership.role == Role.ADMIN and bulletin.withdrawn_at is None
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

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "partnership": self.partnership}

    def form_valid(self, form: BulletinForm) -> HttpResponse:
        try:
            bulletin = services.bulletin_post(
                partnership=self.partnership,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                critical=form.cleaned_data["critical"],
                groups=form.cleaned_data.get("groups") or (),
                actor=self.actor,
            )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Bulletin “{bulletin.title}” posted.")
        return redirect("bulletins:detail", slug=self.partnership.slug, pk=bulletin.pk)


class BulletinEditView(TenantObjectMixin[Bulletin], FormView[BulletinForm]):
    allowed_roles = ADMIN_ONLY
    object_selector = selectors.bulletin_for
    action = CHANGE
    template_name = "bulletins/form.html"
    form_class = BulletinForm

    def get_form_kwargs(self) -> dict[str, Any]:
        bulletin = self.get_object()
        kwargs = {**super().get_form_kwargs(), "partnership": self.partnership}
        kwargs["instance"] = bulletin
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "bulletin": self.get_object()}

    def form_valid(self, form: BulletinForm) -> HttpResponse:
        bulletin = self.get_object()
        try:
            services.bulletin_update(
                bulletin=bulletin,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                critical=form.cleaned_data["critical"],
                groups=form.cleaned_data.get("groups") or (),
                actor=self.actor,
            )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Bulletin saved.")
        return redirect("bulletins:detail", slug=self.partnership.slug, pk=bulletin.pk)


class BulletinActionView(TenantObjectMixin[Bulletin], View):
    """A button on a bulletin's page: withdraw it, or remind those who have not read it."""

    allowed_roles = ADMIN_ONLY
    object_selector = selectors.bulletin_for
    action = CHANGE
    http_method_names = ["post"]
    operation = ""

    def post(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        bulletin = self.get_object()
        try:
            if self.operation == "withdraw":
                services.bulletin_withdraw(bulletin=bulletin, actor=self.actor)
                messages.success(request, "Bulletin withdrawn: members no longer see it.")
            else:
                services.bulletin_remind(bulletin=bulletin, actor=self.actor)
                messages.success(
                    request, "A reminder is on its way to everyone who has not read it."
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("bulletins:detail", slug=slug, pk=pk)


class MemberGroupListView(TenantListView):
    title = "Member groups"
    add_url_name = "bulletins:group-add"
    edit_url_name = "bulletins:group-edit"
    columns = (("Name", "name"), ("Members", "member_count"))

    def get_queryset(self) -> QuerySet[MemberGroup]:
        return selectors.member_groups_of(partnership=self.partnership)


class MemberGroupEditView(TenantObjectMixin[MemberGroup], FormView[MemberGroupForm]):
    """Create (no pk) or change a member group: its name and who is in it."""

    allowed_roles = ADMIN_ONLY
    object_selector = selectors.member_group_for
    action = CHANGE
    template_name = "tenant/form.html"
    form_class = MemberGroupForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = {**super().get_form_kwargs(), "partnership": self.partnership}
        kwargs["instance"] = self.get_object() if "pk" in self.kwargs else None
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        editing = "pk" in self.kwargs
        context["title"] = "Edit member group" if editing else "Add a member group"
        context["submit"] = "Save" if editing else "Add group"
        return context

    def form_valid(self, form: MemberGroupForm) -> HttpResponse:
        try:
            group = services.member_group_save(
                partnership=self.partnership,
                group=self.get_object() if "pk" in self.kwargs else None,
                name=form.cleaned_data["name"],
                memberships=form.cleaned_data["memberships"],
                actor=self.actor,
            )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {group}.")
        return redirect("bulletins:groups", slug=self.partnership.slug)
