"""The staff dashboard: panels that each app contributes.

An app registers its panels when it is ready (`AppConfig.ready`), so the
dashboard shows partners, missions, reports and reviews while `core`, at the
bottom of the layers, imports none of them. A panel's context function takes
the viewing user and returns what its template shows, in a fixed number of
queries whatever the size of the ecosystem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .roles import has_role


@dataclass(frozen=True)
class Panel:
    key: str
    order: int
    roles: tuple[str, ...]
    template: str
    context: Callable[[Any], dict[str, Any]]


_panels: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    """Add (or replace, by key) a panel of the dashboard."""
    _panels[panel.key] = panel


def dashboard_panels(user: Any) -> list[dict[str, Any]]:
    """The panels `user` may see, in order, each with its template and context."""
    shown = sorted((p for p in _panels.values() if has_role(user, p.roles)), key=lambda p: (p.order, p.key))
    return [{"key": p.key, "template": p.template, **p.context(user)} for p in shown]
