"""The partner portal's home: panels that higher apps contribute.

Like the staff dashboard (`core/dashboard.py`), whose `Panel` it reuses: an
app registers its panels in `AppConfig.ready` (missions adds its "To do"),
and the portal's home, served by `partners`, renders them without importing
the apps above it. A panel's context function takes the viewing user and
reads in a fixed number of queries.
"""

from __future__ import annotations

from typing import Any

from .dashboard import Panel
from .roles import has_role

_panels: dict[str, Panel] = {}


def register_portal_panel(panel: Panel) -> None:
    """Add (or replace, by key) a panel of the portal's home."""
    _panels[panel.key] = panel


def portal_panels(user: Any) -> list[dict[str, Any]]:
    """The panels `user` may see on the portal's home, in order, each with its template and context."""
    shown = sorted((p for p in _panels.values() if has_role(user, p.roles)), key=lambda p: (p.order, p.key))
    return [{"key": p.key, "template": p.template, **p.context(user)} for p in shown]
