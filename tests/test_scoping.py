"""Scoping lives in one place: views read through selectors and write through services, and
every page about one record of a partnership resolves it through the base object view.

Each check is a function that lists what is wrong; it runs over the real code, and over a small
bad example that proves it would notice.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest

from bcrp.actors import Action, Actor
from bcrp.models import User
from offenders.models import ProfileStatus
from partnerships.models import Partnership
from partnerships.tenancy import TenantObjectMixin
from sharing import services as sharing_services
from tests.factories import ProfileFactory, image_on
from tests.fixtures import client_for
from tests.test_tenancy_urls import CONVERTER, tenant_routes

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_APPS = ("bcrp", "photos", "partnerships", "offenders", "sharing", "incidents", "bulletins")
DOMAIN_APPS = ("partnerships", "offenders", "sharing", "incidents", "bulletins")
# Reaching a model's manager, directly or through a shortcut that takes the model itself.
MANAGERS = {"objects", "_default_manager", "_base_manager"}
MANAGER_SHORTCUTS = {"get_object_or_404", "get_list_or_404"}
# Modules that write for the product: each takes one `actor`, never a loose client address.
SERVICE_MODULES = (
    "bcrp.passwords",
    "partnerships.services",
    "offenders.services",
    "offenders.exports",
    "sharing.services",
    "incidents.services",
    "bulletins.services",
)


def view_modules() -> list[Path]:
    """Every view module of the product: views.py, a views/ package, api/views.py; and config/."""
    found: list[Path] = sorted((ROOT / "config").glob("*.py"))
    for app in PRODUCT_APPS:
        base = ROOT / app
        found += [base / "views.py", base / "api" / "views.py"]
        found += sorted((base / "views").glob("**/*.py"))
    return [path for path in found if path.is_file()]


def manager_uses(source: str, name: str = "<source>") -> list[str]:
    """Where `source` reaches a model manager (`X.objects`, `X._default_manager`...) or hands a
    model to get_object_or_404."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            found.append((node.lineno, f"{name}:{node.lineno}: .{node.attr}"))
        elif isinstance(node, ast.Name | ast.Attribute):
            called = node.id if isinstance(node, ast.Name) else node.attr
            if called in MANAGER_SHORTCUTS:
                found.append((node.lineno, f"{name}:{node.lineno}: {called}"))
    return [text for _line, text in sorted(found)]


def test_the_view_modules_are_found() -> None:
    names = {str(path.relative_to(ROOT)) for path in view_modules()}
    for expected in (
        "config/urls.py",
        "bcrp/views.py",
        "partnerships/views.py",
        "offenders/views.py",
        "sharing/views.py",
        "incidents/views.py",
        "bulletins/views.py",
    ):
        assert expected in names


def test_no_view_module_touches_a_model_manager() -> None:
    found = [
        use
        for path in view_modules()
        for use in manager_uses(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert found == [], "views read through selectors and write through services:\n" + "\n".join(
        found
    )


def test_the_manager_check_notices_each_way_in() -> None:
    bad = (
        "from django.contrib.auth import get_user_model\n"
        "def post(request, pk):\n"
        "    user = get_user_model().objects.create_user(email='x@example.org')\n"
        "    profile = OffenderProfile._default_manager.get(pk=pk)\n"
        "    return get_object_or_404(Incident, pk=pk)\n"
    )
    assert manager_uses(bad) == [
        "<source>:3: .objects",
        "<source>:4: ._default_manager",
        "<source>:5: get_object_or_404",
    ]
    assert manager_uses("def get(request):\n    return selectors.profile_for(pk=1)\n") == []


# Pages about one record: resolved through TenantObjectMixin and a declared selector.


def record_params(route: str) -> list[str]:
    """The URL parameters naming a record: all but the partnership's slug."""
    return [m.group("name") for m in CONVERTER.finditer(route) if m.group("name") != "slug"]


def object_resolution_problems(view_class: type, params: list[str]) -> list[str]:
    """What keeps a page about one record from resolving it through the base object view."""
    name = view_class.__name__
    if not issubclass(view_class, TenantObjectMixin):
        return [f"{name} is not a TenantObjectMixin"]
    problems = []
    if view_class.get_object is not TenantObjectMixin.get_object:
        problems.append(f"{name} replaces get_object")
    if view_class.object_lookup is not TenantObjectMixin.object_lookup:
        problems.append(f"{name} replaces object_lookup")
    actions = get_args(Action)
    if getattr(view_class, "action", None) not in actions:
        problems.append(f"{name} declares no action (one of {actions})")
    if view_class.post_action not in (None, *actions):
        problems.append(f"{name}.post_action is not an action")
    selector: Callable[..., Any] | None = getattr(view_class, "object_selector", None)
    if selector is None:
        return [*problems, f"{name} declares no object_selector"]
    if not selector.__module__.endswith(".selectors") or not selector.__name__.endswith("_for"):
        problems.append(f"{name}.object_selector is not a `<noun>_for` selector")
    signature = inspect.signature(selector)
    for needed in ("membership", "action", *params):
        parameter = signature.parameters.get(needed)
        if parameter is None or parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            problems.append(f"{name}: {selector.__name__} takes no keyword-only `{needed}`")
    return problems


def object_routes() -> list[tuple[str, type]]:
    return [
        (route, pattern.callback.view_class)  # type: ignore[attr-defined]
        for route, pattern in tenant_routes()
        if record_params(route)
    ]


def test_the_pages_about_one_record_are_found() -> None:
    routes = dict(object_routes())
    assert len(routes) >= 25
    for route in (
        "p/<slug:slug>/profiles/<int:pk>/",
        "p/<slug:slug>/photos/<token:token>/",
        "p/<slug:slug>/exports/<token:token>/download/",
        "p/<slug:slug>/incident-photos/<token:token>/",
        "p/<slug:slug>/bulletins/<int:pk>/",
        "p/<slug:slug>/people/<int:pk>/",
        "p/<slug:slug>/partners/<slug:other>/",
    ):
        assert route in routes, route


@pytest.mark.parametrize(("route", "view_class"), object_routes())
def test_each_page_about_one_record_resolves_it_through_the_base_view(
    route: str, view_class: type
) -> None:
    assert object_resolution_problems(view_class, record_params(route)) == [], route


def test_the_resolution_check_notices_a_page_that_finds_its_own_record() -> None:
    from django.views.generic import TemplateView

    from offenders import selectors
    from partnerships.tenancy import PartnershipMixin

    class HandWritten(PartnershipMixin, TemplateView):
        def get_object(self) -> Any:
            return selectors.profiles_visible(membership=self.membership).get(pk=1)

    class Overridden(TenantObjectMixin[Any], TemplateView):
        object_selector = selectors.profile_for
        action = "view"

        def get_object(self, *, reload: bool = False) -> Any:
            return None

    class Undeclared(TenantObjectMixin[Any], TemplateView):
        pass

    class WrongKey(TenantObjectMixin[Any], TemplateView):
        object_selector = selectors.profile_for
        action = "view"

    assert object_resolution_problems(HandWritten, ["pk"]) == [
        "HandWritten is not a TenantObjectMixin"
    ]
    assert object_resolution_problems(Overridden, ["pk"]) == ["Overridden replaces get_object"]
    assert object_resolution_problems(Undeclared, ["pk"]) == [
        "Undeclared declares no action (one of ('view', 'change', 'export'))",
        "Undeclared declares no object_selector",
    ]
    assert object_resolution_problems(WrongKey, ["token"]) == [
        "WrongKey: profile_for takes no keyword-only `token`"
    ]


def test_a_peer_views_a_shared_profile_but_only_the_owner_changes_it(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> None:
    """The same selector answers `view` and `change` differently: through sharing, bravo's
    administrator sees alpha's profile and photo, and every page that would change or export
    them answers 404, as for a profile that does not exist; nothing changes."""
    profile = ProfileFactory(partnership=partnership_a, first_name="Shared")
    image = image_on(profile, admin_a)
    sharing_services.consent_request(
        partnership=partnership_a,
        partner=partnership_b,
        agreement_reference="ISA-9",
        actor=Actor(user=admin_a, partnership=partnership_a),
    )
    sharing_services.consent_accept(
        partnership=partnership_b,
        partner=partnership_a,
        actor=Actor(user=admin_b, partnership=partnership_b),
    )
    peer = client_for(admin_b)
    base = f"/p/bravo/profiles/{profile.pk}"
    assert peer.get(f"{base}/").status_code == 200
    assert peer.get(f"/p/bravo/photos/{image.token}/").status_code == 200
    assert peer.get(f"{base}/edit/").status_code == 404
    for url, data in (
        (f"{base}/edit/", {"first_name": "Changed", "last_name": "X"}),
        (f"{base}/archive/", {}),
        (f"{base}/photos/", {}),
        (f"{base}/notices/", {"kind": "warning", "reason": "x"}),
        (f"{base}/export/", {"request_reference": "SAR"}),
        (f"/p/bravo/photos/{image.token}/delete/", {}),
    ):
        assert peer.post(url, data).status_code == 404, url
    profile.refresh_from_db()
    assert profile.first_name == "Shared" and profile.status == ProfileStatus.KNOWN
    assert profile.images.count() == 1 and not profile.notices.exists()
    # The owner's administrator, through the same pages, may.
    owner = client_for(admin_a)
    assert owner.get(f"/p/alpha/profiles/{profile.pk}/edit/").status_code == 200
    assert owner.post(f"/p/alpha/profiles/{profile.pk}/archive/").status_code == 302


# Selectors and services: one calling convention everywhere.


def positional_parameters(function: Callable[..., Any]) -> list[str]:
    return [
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY
    ]


def public_functions(module_name: str) -> list[Callable[..., Any]]:
    module = importlib.import_module(module_name)
    return [
        function
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module_name and not name.startswith("_")
    ]


def test_selectors_take_keyword_arguments_only() -> None:
    positional = [
        f"{function.__module__}.{function.__name__}{positional_parameters(function)}"
        for app in DOMAIN_APPS
        for function in public_functions(f"{app}.selectors")
        if positional_parameters(function)
    ]
    assert positional == []


def actor_problems(function: Callable[..., Any]) -> list[str]:
    """What in a service's signature threads the acting person by hand."""
    parameters = inspect.signature(function).parameters
    problems = []
    if "ip" in parameters:
        problems.append(f"{function.__name__} takes ip")
    actor = parameters.get("actor")
    if actor is not None and "Actor" not in str(actor.annotation):
        problems.append(f"{function.__name__}: actor is {actor.annotation}")
    return problems


def test_services_take_one_actor_and_no_loose_address() -> None:
    problems = [
        f"{module_name}: {problem}"
        for module_name in SERVICE_MODULES
        for function in public_functions(module_name)
        for problem in actor_problems(function)
    ]
    assert problems == []


def test_the_calling_convention_checks_notice_a_stray() -> None:
    def profile_old(membership: Any, pk: int, *, action: str) -> None: ...

    def profile_new(*, membership: Any, pk: int, action: str) -> None: ...

    assert positional_parameters(profile_old) == ["membership", "pk"]
    assert positional_parameters(profile_new) == []

    def gallery_save_old(*, gallery: Any, actor: User, ip: str | None = None) -> None: ...

    def gallery_save_new(*, gallery: Any, actor: Actor) -> None: ...

    assert actor_problems(gallery_save_old) == [
        "gallery_save_old takes ip",
        "gallery_save_old: actor is User",
    ]
    assert actor_problems(gallery_save_new) == []
