"""The one place an API request is tied to a partnership, a role, a token's scopes and the
record it is about: the API twin of partnerships.tenancy, asking the same selectors.

Order of refusals: no or unusable credentials 401; not in this partnership (or a token made for
another one) 404; a role or a token scope that does not include the operation 403; a record the
selector does not return 404, like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.viewsets import GenericViewSet

from bcrp.actors import VIEW, Action, Actor
from bcrp.audit import audit_record
from partnerships.models import ApiToken, Membership, Partnership
from partnerships.selectors import membership_active
from partnerships.tenancy import ALL_ROLES
from photos.models import StoredPhoto
from photos.responses import photo_response

PhotoT = TypeVar("PhotoT", bound=StoredPhoto)

# Record ids in API paths: digits that fit a bigint (more would be a database error); photo
# and export tokens as the application makes them.
PK_PATTERN = "[0-9]{1,18}"
OPAQUE_ID_PATTERN = "[A-Za-z0-9_-]{1,64}"

ROLE_REFUSED = "Your role in this partnership does not include this."
# A form sends its empty fields; a system leaves out what it does not mean (the schema says so).
EMPTY_PARAMETER = "Give a value, or leave the parameter out."


def membership_of_request(request: Request, *, slug: str) -> Membership | None:
    """The membership a request acts as here: its token's, if the token was made for this
    partnership; otherwise the signed-in person's active one."""
    if isinstance(request.auth, ApiToken):
        membership = request.auth.membership
        return membership if membership.partnership.slug == slug else None
    return membership_active(user=request.user, slug=slug)


class TenantViewSet(GenericViewSet):
    """Base of every API view under /api/v1/p/<slug>/.

    `scopes` names the token scope each of the view's actions needs (every action must have
    one); `actions` what each does to its record (VIEW unless named); `object_selector` finds
    a record from the URL's other parameter, as the pages do.
    """

    allowed_roles: ClassVar[frozenset[str]] = ALL_ROLES
    # Narrower roles for single actions (members file incidents, police do not).
    action_roles: ClassVar[dict[str, frozenset[str]]] = {}
    scopes: ClassVar[dict[str, str]]
    actions: ClassVar[dict[str, Action]] = {}
    object_selector: ClassVar[Callable[..., Any]]
    lookup_value_regex = PK_PATTERN
    # No OPTIONS: nothing needs it (no cross-origin callers), and it would answer outsiders.
    http_method_names = ["get", "post", "head"]
    membership: Membership
    partnership: Partnership
    actor: Actor

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.action is None or request.method.lower() not in self.http_method_names:
            return  # a method the route does not take: 405, and nothing looked up
        membership = membership_of_request(request, slug=kwargs["slug"])
        if membership is None:
            raise Http404("No such page.")
        self.membership = membership
        self.partnership = membership.partnership
        if membership.role not in self.allowed_roles or not membership.may(self.request_action()):
            raise PermissionDenied(ROLE_REFUSED)
        scope = self.scopes[str(self.action)]
        if isinstance(request.auth, ApiToken) and scope not in request.auth.scopes:
            raise PermissionDenied(f"This token's scopes do not include {scope}.")
        empty = sorted({name for name, values in request.query_params.lists() if "" in values})
        if empty:
            raise ValidationError({name: [EMPTY_PARAMETER] for name in empty})
        if membership.role not in self.action_roles.get(str(self.action), self.allowed_roles):
            raise PermissionDenied(ROLE_REFUSED)
        self.actor = Actor.from_request(request, partnership=self.partnership)

    def request_action(self) -> Action:
        return self.actions.get(str(self.action), VIEW)

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            # drf-spectacular reading the view to describe it: no request, no membership.
            model = self.get_serializer_class().Meta.model
            return QuerySet(model).none()
        return self.tenant_queryset()

    def tenant_queryset(self) -> QuerySet[Any]:
        """A list view's records, from its app's selector for self.membership."""
        raise NotImplementedError

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if hasattr(self, "membership"):
            context["membership"] = self.membership
        return context

    def get_object(self) -> Any:
        lookup = self.lookup_url_kwarg or self.lookup_field
        value: Any = self.kwargs[lookup]
        if self.lookup_value_regex == PK_PATTERN:
            value = int(value)
        selector = type(self).object_selector
        found = selector(
            membership=self.membership, action=self.request_action(), **{lookup: value}
        )
        if found is None:
            raise Http404("No such record.")
        return found


JPEG = {(200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="The bytes.")}


class StoredPhotoViewSet(TenantViewSet, Generic[PhotoT]):
    """A stored photo's bytes (`retrieve`) or its thumbnail, under the rule of the record it
    belongs to, never cached: the API twin of tenancy.StoredPhotoView. Seeing a photo full
    size is audited; a thumbnail is covered by the answer that listed it."""

    lookup_field = "token"
    lookup_value_regex = OPAQUE_ID_PATTERN
    filename: ClassVar[str]
    thumbnail_filename: ClassVar[str]
    audit_action: ClassVar[str]
    audit_detail_key: ClassVar[str]

    def audit_target(self, photo: PhotoT) -> Model:
        raise NotImplementedError

    @extend_schema(responses=JPEG)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        photo: PhotoT = self.get_object()
        response = photo_response(photo, thumbnail=False, filename=self.filename)
        audit_record(
            action=self.audit_action,
            actor=self.actor,
            target=self.audit_target(photo),
            detail={self.audit_detail_key: photo.pk},
        )
        return response

    @extend_schema(responses=JPEG)
    @action(detail=True, methods=["get"])
    def thumbnail(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        return photo_response(self.get_object(), thumbnail=True, filename=self.thumbnail_filename)
