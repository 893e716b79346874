"""The member's home below the report button. Bulletins and the gallery live in apps above this
one, so each app adds its panel from a `member_home` module (found at start-up, as `todo` is)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from partnerships.models import Membership


@dataclass(frozen=True)
class HomePanel:
    template_name: str
    context: dict[str, Any] = field(default_factory=dict)


class HomePanelSource(Protocol):
    def __call__(self, *, membership: Membership) -> HomePanel | None: ...


_sources: list[tuple[int, HomePanelSource]] = []


def member_home_panel(*, order: int) -> Callable[[HomePanelSource], HomePanelSource]:
    """Registers a panel; panels are shown by `order`. A source returns None to show nothing,
    and loads its rows itself (a list, not a queryset) so the home's query count stays fixed."""

    def register(source: HomePanelSource) -> HomePanelSource:
        if not any(known is source for _, known in _sources):
            _sources.append((order, source))
            _sources.sort(key=lambda entry: entry[0])
        return source

    return register


def member_home_panels(*, membership: Membership) -> list[HomePanel]:
    panels = (source(membership=membership) for _, source in _sources)
    return [panel for panel in panels if panel is not None]
