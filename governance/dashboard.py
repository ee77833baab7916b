"""The governance panel of the staff dashboard (the reviewer's home): reviews in progress, decisions awaiting
a second approval, open appeals with their deadlines, and the partners failing rules in the last finished
review. For administrators and reviewers, who act on them: managers, who cannot, find governance in its pages
(and their dashboard keeps its query budget)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.db.models.functions import Lower

from ecosystem.core.dashboard import Panel, register_panel
from ecosystem.core.roles import REVIEWERS
from ecosystem.core.selectors import tenant_settings

from . import selectors
from .models import Finding, Review

SHOWN = 10


def governance_home(user: Any) -> dict[str, Any]:
    """Six queries at most (the tenant's settings come from the cache), whatever the number of reviews,
    decisions, appeals or partners: each list is cut at `SHOWN` in SQL."""
    running = list(
        Review.objects.filter(status__in=[Review.Status.QUEUED, Review.Status.RUNNING]).order_by("created_at", "pk")[
            :SHOWN
        ]
    )
    # One more than shown: whether to link to the rest.
    decisions = list(selectors.decisions_awaiting_approval()[: SHOWN + 1])
    awaiting = [{"decision": decision, "can_approve": decision.author_id != user.pk} for decision in decisions[:SHOWN]]
    window = dt.timedelta(days=tenant_settings().appeal_window_days)
    opened = list(selectors.appeals_open()[: SHOWN + 1])
    appeals = [
        {"appeal": appeal, "deadline": _plus(appeal.decision.review.closed_at, window)} for appeal in opened[:SHOWN]
    ]
    return {
        "running": running, "awaiting": awaiting, "more_awaiting": len(decisions) > SHOWN, "appeals": appeals,
        "more_appeals": len(opened) > SHOWN, **_failing(),
    }  # fmt: skip


def _plus(closed_at: dt.datetime | None, window: dt.timedelta) -> dt.datetime | None:
    # An appeal is filed once its review is closed; `decisions.appeal_deadline`'s rule, the window read once.
    return None if closed_at is None else closed_at + window


def _failing() -> dict[str, Any]:
    """The last finished review, its partners with a failed rule (the most failures first, then by name) and
    how many there are. Three queries (one without a finished review)."""
    last = Review.objects.filter(status=Review.Status.DONE).order_by("-finished_at", "-pk").first()
    if last is None:
        return {"last": None, "failing": [], "failing_count": 0}
    failed = Finding.objects.filter(review=last, outcome=Finding.Outcome.FAIL)
    rows = list(
        failed.values("partner_id", "partner__name")
        .annotate(failed=Count("pk"))
        .order_by("-failed", Lower("partner__name"), "partner_id")[:SHOWN]
    )
    count = failed.values("partner_id").distinct().count() if len(rows) == SHOWN else len(rows)
    return {"last": last, "failing": rows, "failing_count": count}


def register() -> None:
    register_panel(Panel("governance", 18, REVIEWERS, "dashboard/governance.html", governance_home))
