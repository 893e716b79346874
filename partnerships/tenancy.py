"""The one place a request is tied to a partnership, a role and the record it is about.

Every page under /p/<slug>/ uses PartnershipMixin: a person with no active membership gets 404
(the URL space leaks nothing, not even whether a partnership exists); a member whose role is
not allowed gets 403. A page about one record uses TenantObjectMixin, which asks the record's
selector for it with the acting membership and what the request does with it (NetBox's
`restrict(user, action)`): a record the selector does not return is 404, like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from bcrp.actors import CHANGE, VIEW, Action, Actor
from bcrp.audit import audit_record
from bcrp.forms import InvalidFormIs400, form_errors_from
from partnerships.models import Membership, Partnership, Role
from partnerships.selectors import membership_active
from photos.models import StoredPhoto
from photos.responses import photo_response

ALL_ROLES: frozenset[str] = frozenset(Role.values)
ADMIN_ONLY: frozenset[str] = frozenset({Role.ADMIN})
ADMIN_AND_POLICE: frozenset[str] = frozenset({Role.ADMIN, Role.POLICE})

ObjectT = TypeVar("ObjectT")


class PartnershipMixin(InvalidFormIs400):
    """Resolves self.partnership and self.membership from the slug, or refuses, and builds
    self.actor, the one actor every service call of the request is given; a form it shows
    answers 400 when sent back with errors."""

    allowed_roles: ClassVar[frozenset[str]] = ALL_ROLES
    partnership: Partnership
    membership: Membership
    actor: Actor
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = membership_active(user=request.user, slug=kwargs["slug"])
        if membership is None:
            raise Http404("No such page.")
        self.membership = membership
        self.partnership = membership.partnership
        self.role_check()
        self.actor = Actor.from_request(request, partnership=self.partnership)
        request.partnership = self.partnership  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def role_check(self) -> None:
        if self.membership.role not in self.allowed_roles:
            raise PermissionDenied("Your role in this partnership does not include this page.")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["partnership"] = self.partnership
        context["membership"] = self.membership
        context["is_admin"] = self.membership.role == Role.ADMIN
        return context


class TenantObjectMixin(PartnershipMixin, Generic[ObjectT]):
    """A page about one record: `object_selector` finds it from the URL's other parameter
    (`pk`, `token`...) for the acting membership and `action`; nothing found is 404.

    `action` is what the page does with the record; a page that shows it and changes it when
    sent back declares `post_action` too. A role that may not do the action at all is refused
    with 403 before anything is looked up.
    """

    object_selector: ClassVar[Callable[..., Any]]
    action: ClassVar[Action]
    post_action: ClassVar[Action | None] = None
    _object: ObjectT

    def request_action(self) -> Action:
        if self.post_action is not None and self.request.method == "POST":
            return self.post_action
        return self.action

    def role_check(self) -> None:
        super().role_check()
        if not self.membership.may(self.request_action()):
            raise PermissionDenied("Your role in this partnership does not include this.")

    def object_lookup(self) -> dict[str, Any]:
        """The URL parameters naming the record: all but the partnership's slug."""
        kwargs: dict[str, Any] = self.kwargs  # type: ignore[attr-defined]
        return {name: value for name, value in kwargs.items() if name != "slug"}

    def get_object(self, *, reload: bool = False) -> ObjectT:
        """The record, looked up once per request (again with `reload`, after a change)."""
        if reload or not hasattr(self, "_object"):
            # Through the class: a function stored on it would otherwise be bound to the view.
            selector = type(self).object_selector
            found = selector(
                membership=self.membership, action=self.request_action(), **self.object_lookup()
            )
            if found is None:
                raise Http404("No such record.")
            self._object = found
        return self._object


PhotoT = TypeVar("PhotoT", bound=StoredPhoto)


class StoredPhotoView(TenantObjectMixin[PhotoT], View):
    """A stored photo's bytes (or its thumbnail), under the same rule as the record it belongs
    to, never cached. Seeing a photo full size is audited; a thumbnail is covered by the event
    of the page that showed it (one per page view)."""

    action = VIEW
    http_method_names = ["get"]
    thumbnail = False
    filename: ClassVar[str]
    audit_action: ClassVar[str]
    audit_detail_key: ClassVar[str]

    def audit_target(self, photo: PhotoT) -> Model:
        raise NotImplementedError

    def get(self, request: HttpRequest, slug: str, token: str) -> HttpResponse:
        photo = self.get_object()
        response = photo_response(photo, thumbnail=self.thumbnail, filename=self.filename)
        if not self.thumbnail:
            audit_record(
                action=self.audit_action,
                actor=self.actor,
                target=self.audit_target(photo),
                detail={self.audit_detail_key: photo.pk},
            )
        return response


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


class TenantEditView(TenantObjectMixin[Model], FormView[Any]):
    """Create (no pk) or change (pk, through `object_selector`) one record of this partnership
    through its service."""

    allowed_roles = ADMIN_ONLY
    action = CHANGE
    template_name = "tenant/form.html"
    noun: ClassVar[str]
    list_url_name: ClassVar[str]

    def save(self, instance: Model) -> Model:
        raise NotImplementedError

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_object() if "pk" in self.kwargs else None
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
