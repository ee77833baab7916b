"""Writing a report's results (`engine.Results`) into its tables, in the caller's transaction.

Earlier results of the same report are deleted first, so a report computed
twice (a redelivered task) holds one result.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from ecosystem.core.bulk import copy_objects

from .engine import ObjectiveFairShare, Results, ScorecardRow
from .models import Report, ReportPair, ReportRow, ReportSeries

CENT = Decimal("0.01")


def _series(report: Report, dimension: str, values) -> list[ReportSeries]:
    return [
        ReportSeries(report=report, dimension=dimension, key=str(v.key), month=v.month, value=v.value.quantize(CENT))
        for v in values
    ]


def _money(amount: Decimal) -> str:
    return str(amount.quantize(CENT))


def _top(row: ScorecardRow) -> dict[str, Any]:
    return {
        "partner": row.partner_id, "name": row.name, "value": _money(row.value), "share": row.share,
        "fair_share": _money(row.fair_share),
    }  # fmt: skip


def _objective(o: ObjectiveFairShare) -> dict[str, Any]:
    return {
        "objective": o.objective_id, "mission": o.mission_id, "title": o.title, "metric": o.metric, "unit": o.unit,
        "target": str(o.target), "total": str(o.total), "capped": o.capped, "exact": o.exact,
        "permutations": o.permutations, "bound": o.bound, "confidence": o.confidence,
        "shares": [{"partner": s.partner_id, "linear": str(s.linear), "fair": str(s.fair)} for s in o.shares],
    }  # fmt: skip


def summary(results: Results) -> dict[str, Any]:
    """The report's headline figures and fair shares per objective, as JSON."""
    concentration, synergy, trend = results.concentration, results.synergy, results.trend
    previous = sum((c.previous_value for c in trend.changes), Decimal(0))
    return {
        "total_value": _money(results.total_value),
        "contributions": results.contributions,
        "partners": len(results.scorecard),
        "joint_value": _money(synergy.joint_value),
        "synergy_ratio": synergy.ratio,
        "hhi": concentration.hhi,
        "hhi_points": concentration.hhi_points,
        "gini": concentration.gini,
        "top5_share": concentration.top5_share,
        "lorenz": [list(point) for point in concentration.lorenz],
        "previous_period": {
            "start": trend.previous_start.isoformat(),
            "end": trend.previous_end.isoformat(),
            "total_value": _money(previous),
        },
        "top_partners": [_top(r) for r in sorted(results.scorecard, key=lambda r: (-r.value, r.partner_id))[:5]],
        "objectives": [_objective(o) for o in results.objectives],
    }


def store(report: Report, results: Results) -> None:
    """Replace `report`'s results with `results` and mark it done (the caller holds its row lock)."""
    for table in (ReportRow, ReportSeries, ReportPair):
        table.objects.filter(report=report).delete()
    copy_objects(
        [
            ReportRow(
                report=report, partner_id=r.partner_id, role=r.role, tier=r.tier, linear=r.value, share=r.share,
                solo=r.solo_value, joint=r.joint_value, fair_share=r.fair_share, contributions=r.contributions,
                missions=r.missions, previous=r.previous_value, change=r.change, change_percent=r.change_percent,
            )
            for r in results.scorecard
        ]
    )  # fmt: skip
    trend = results.trend
    copy_objects(
        _series(report, "partner", trend.by_partner)
        + _series(report, "role", trend.by_role)
        + _series(report, "kind", trend.by_kind)
    )
    copy_objects(
        [
            ReportPair(report=report, partner_a_id=p.partner_a, partner_b_id=p.partner_b, value=p.value,
                       contributions=p.contributions)
            for p in results.synergy.pairs
        ]
    )  # fmt: skip
    report.summary = summary(results)
    report.status, report.progress, report.finished_at = Report.Status.DONE, 100, timezone.now()
    report.save(update_fields=["summary", "status", "progress", "finished_at"])
