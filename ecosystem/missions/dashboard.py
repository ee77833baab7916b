"""The missions' panels of the staff dashboard (registered in `MissionsConfig.ready`)."""

from __future__ import annotations

from typing import Any

from ecosystem.accounts.models import User
from ecosystem.core.dashboard import Panel, register_panel
from ecosystem.core.roles import STAFF

from .models import Mission
from .selectors import missions_overview, missions_visible_to, validation_queue

SHOWN = 6


def active_missions(user: User) -> dict[str, Any]:
    """The active missions with their mean progress, soonest ending first (three queries)."""
    active = missions_visible_to(user).filter(status=Mission.Status.ACTIVE).order_by("end", "id")
    ids = list(active.values_list("pk", flat=True)[: SHOWN + 1])
    rows = missions_overview(active.filter(pk__in=ids[:SHOWN]), viewer=user) if ids else []
    return {"rows": rows, "more": len(ids) > SHOWN}


def contributions_to_validate(user: User) -> dict[str, Any]:
    """How many contributions await validation, and the oldest few (two queries)."""
    waiting = validation_queue(user)
    return {"count": waiting.count(), "oldest": list(waiting[:SHOWN])}


def register() -> None:
    register_panel(Panel("missions", 15, STAFF, "dashboard/missions.html", active_missions))
    register_panel(Panel("validation_queue", 16, STAFF, "dashboard/validation_queue.html", contributions_to_validate))
