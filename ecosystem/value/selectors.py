"""Reads on value reports: who sees them, their stored results, the scorecard export."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _

from ecosystem.accounts.models import User
from ecosystem.core.errors import Conflict
from ecosystem.core.roles import STAFF, has_role
from partners.csv_io import csv_response

from .models import Report, ReportRow

SCORECARD_COLUMNS = [
    "partner_id", "partner", "role", "tier", "linear_value", "share", "solo_value", "joint_value", "fair_share",
    "contributions", "missions", "previous_value", "change", "change_percent",
]  # fmt: skip


def reports_visible_to(user: User) -> QuerySet[Report]:
    """Every report for the orchestrator's staff; none for anyone else (partners read their own figures
    through the portal, never a whole report)."""
    if not has_role(user, STAFF):
        return Report.objects.none()
    return Report.objects.select_related("requested_by").order_by("-created_at", "-id")


def _money(value) -> str | None:
    return None if value is None else str(value)


def _rows(report: Report) -> QuerySet[ReportRow]:
    return ReportRow.objects.filter(report=report).select_related("partner").order_by("-linear", "partner_id")


def scorecard(report: Report, rows: Iterable[ReportRow] | None = None) -> list[dict[str, Any]]:
    rows = _rows(report) if rows is None else rows
    return [
        {
            "partner": r.partner_id, "name": r.partner.name, "role": r.role, "tier": r.tier,
            "linear": _money(r.linear), "share": r.share, "solo": _money(r.solo), "joint": _money(r.joint),
            "fair_share": _money(r.fair_share), "contributions": r.contributions, "missions": r.missions,
            "previous": _money(r.previous), "change": _money(r.change), "change_percent": r.change_percent,
        }
        for r in rows
    ]  # fmt: skip


def report_results(report: Report) -> dict[str, Any]:
    """A finished report's figures: summary, scorecard, monthly series, collaboration network (3 queries)."""
    rows = list(_rows(report))
    series: dict[str, dict[str, list[list[Any]]]] = defaultdict(lambda: defaultdict(list))
    for row in sorted(rows, key=lambda r: str(r.partner_id)):
        if row.monthly:
            series["partner"][str(row.partner_id)] = row.monthly
    for s in report.series.order_by("dimension", "key", "month"):
        series[s.dimension][s.key].append([s.month.isoformat(), str(s.value)])
    pairs = [
        {"source": p.partner_a_id, "target": p.partner_b_id, "value": str(p.value), "contributions": p.contributions}
        for p in report.pairs.order_by("-value", "partner_a_id", "partner_b_id")
    ]
    return {
        "summary": report.summary,
        "scorecard": scorecard(report, rows),
        "series": {dimension: dict(keys) for dimension, keys in series.items()},
        "network": pairs,
    }


def scorecard_csv_response(report: Report) -> HttpResponse:
    if report.status != Report.Status.DONE:
        raise Conflict(_("The report is not finished: there is nothing to export yet."), code="report_not_done")
    rows = (
        [
            r["partner"], r["name"], r["role"], r["tier"], r["linear"], f"{r['share']:.6f}", r["solo"], r["joint"],
            r["fair_share"] or "", r["contributions"], r["missions"], r["previous"], r["change"],
            "" if r["change_percent"] is None else f"{r['change_percent']:.2f}",
        ]
        for r in scorecard(report)
    )  # fmt: skip
    return csv_response(f"scorecard-{report.period_start}-{report.period_end}", SCORECARD_COLUMNS, rows)


# The scorecard's sortable columns: the `?sort=` key (with "-" first: descending) → the row's field.
SCORECARD_SORTS = {
    "name": "name", "role": "role", "tier": "tier", "linear": "linear", "share": "share", "solo": "solo",
    "joint": "joint", "fair_share": "fair_share", "contributions": "contributions", "missions": "missions",
    "previous": "previous", "change": "change", "change_percent": "change_percent",
}  # fmt: skip
MONEY_FIELDS = {"linear", "solo", "joint", "fair_share", "previous", "change"}


def scorecard_sorted(rows: list[dict[str, Any]], sort: str | None) -> tuple[list[dict[str, Any]], str]:
    """`rows` (a `scorecard()`) ordered by `sort` ("linear", "-name", …; unknown: value, highest first),
    rows without the figure last; and the sort applied."""
    key = (sort or "").removeprefix("-")
    if key not in SCORECARD_SORTS:
        return rows, "-linear"
    descending = (sort or "").startswith("-")
    field = SCORECARD_SORTS[key]

    def value(row: dict[str, Any]) -> Any:
        raw = row[field]
        if field in MONEY_FIELDS:
            return Decimal(raw)
        return raw.casefold() if isinstance(raw, str) else raw

    present = [r for r in rows if r[field] is not None]
    missing = [r for r in rows if r[field] is None]
    # A stable sort on the name first: rows with equal figures read alphabetically.
    present.sort(key=lambda r: r["name"].casefold())
    present.sort(key=value, reverse=descending)
    return present + missing, sort or "-linear"


def latest_finished_report() -> Report | None:
    """The report finished last, with its summary (1 query)."""
    return Report.objects.filter(status=Report.Status.DONE).order_by("-finished_at", "-id").first()
