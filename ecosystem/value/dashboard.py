"""The value reports' panel of the staff dashboard: the latest finished report's headline figures."""

from __future__ import annotations

from typing import Any

from ecosystem.core.dashboard import Panel, register_panel
from ecosystem.core.roles import STAFF

from .selectors import latest_finished_report


def latest_report(user: Any) -> dict[str, Any]:
    """1 query, whatever the number of reports or partners."""
    report = latest_finished_report()
    if report is None:
        return {"report": None}
    return {"report": report, "summary": report.summary, "top": report.summary.get("top_partners", [])[:3]}


def register() -> None:
    register_panel(Panel("value_report", 17, STAFF, "dashboard/value_report.html", latest_report))
