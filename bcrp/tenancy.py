"""The one place a request is tied to a partnership and a role.

Every page under /p/<slug>/ uses PartnershipMixin: a person with no active membership gets 404
(the URL space leaks nothing, not even whether a partnership exists); a member whose role is
not allowed gets 403.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, TemplateView

from bcrp.models import User
from partnerships.models import Membership, Partnership, Role
from partnerships.selectors import membership_active

ALL_ROLES: frozenset[str] = frozenset(Role.values)
ADMIN_ONLY: frozenset[str] = frozenset({Role.ADMIN})
ADMIN_AND_POLICE: frozenset[str] = frozenset({Role.ADMIN, Role.POLICE})


class InvalidFormIs400:
    """A form sent back with errors answers 400: the person sees what to correct, and
    htmx, scripts and logs see a refusal rather than a success."""

    def form_invalid(self, form: BaseForm) -> HttpResponse:
        context = self.get_context_data(form=form)  # type: ignore[attr-defined]
        return self.render_to_response(context, status=400)  # type: ignore[attr-defined]


class PartnershipMixin(InvalidFormIs400):
    """Resolves self.partnership and self.membership from the slug, or refuses; a form it
    shows answers 400 when sent back with errors."""

    allowed_roles: ClassVar[frozenset[str]] = ALL_ROLES
    partnership: Partnership
    membership: Membership
    actor: User
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = membership_active(user=request.user, slug=kwargs["slug"])
        if membership is None:
            raise Http404("No such page.")
        if membership.role not in self.allowed_roles:
            raise PermissionDenied("Your role in this partnership does not include this page.")
        self.membership = membership
        self.partnership = membership.partnership
        self.actor = cast(User, request.user)
        request.partnership = self.partnership  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["partnership"] = self.partnership
        context["membership"] = self.membership
        context["is_admin"] = self.membership.role == Role.ADMIN
        return context


def form_errors_from(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class TenantListView(PartnershipMixin, TemplateView):
    """A list of one kind of record of this partnership, named by its selector."""

    allowed_roles = ADMIN_ONLY
    template_name = "tenant/list.html"
    title: ClassVar[str]
    add_url_name: ClassVar[str]
    edit_url_name: ClassVar[str]
    columns: ClassVar[tuple[tuple[str, str], ...]]

    def get_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            title=self.title,
            headers=[label for label, _attr in self.columns],
            rows=[
                (obj.pk, [getattr(obj, attr) for _label, attr in self.columns])
                for obj in self.get_queryset()
            ],
            add_url_name=self.add_url_name,
            edit_url_name=self.edit_url_name,
        )
        return context


class TenantEditView(PartnershipMixin, FormView[Any]):
    """Create (no pk) or change (pk) one record of this partnership through its service."""

    allowed_roles = ADMIN_ONLY
    template_name = "tenant/form.html"
    noun: ClassVar[str]
    list_url_name: ClassVar[str]

    def get_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def save(self, instance: Model) -> Model:
        raise NotImplementedError

    def get_object(self) -> Model | None:
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_object()
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        editing = "pk" in self.kwargs
        context["title"] = f"Edit {self.noun}" if editing else f"Add {self.noun}"
        context["submit"] = "Save" if editing else f"Add {self.noun}"
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            saved = self.save(form.save(commit=False))
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {saved}.")
        return redirect(self.list_url_name, slug=self.partnership.slug)
