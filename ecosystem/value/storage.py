"""Writing a report's results (`engine.Results`) into its tables, in the caller's transaction.

Earlier results of the same report are deleted first, so a report computed
twice (a redelivered task) holds one result.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb

from ecosystem.core.bulk import copy_rows
from ecosystem.core.jobs import job_done

from .engine import ObjectiveFairShare, Results, ScorecardRow
from .models import Report, ReportPair, ReportRow, ReportSeries

CENT = Decimal("0.01")


def _series(report: Report, dimension: str, values) -> Iterator[tuple[Any, ...]]:
    return ((report.pk, dimension, str(v.key), v.month, v.value.quantize(CENT)) for v in values)


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
    trend = results.trend
    monthly: dict[int, list[list[str]]] = defaultdict(list)
    for point in trend.by_partner:
        monthly[point.key].append([point.month.isoformat(), _money(point.value)])
    # Thousands of rows: plain rows through COPY, no model instances.
    copy_rows(
        ReportRow,
        ["report_id", "partner_id", "role", "tier", "linear", "share", "solo", "joint", "fair_share", "contributions",
         "missions", "previous", "change", "change_percent", "monthly"],
        (
            (report.pk, r.partner_id, r.role, r.tier, r.value, r.share, r.solo_value, r.joint_value, r.fair_share,
             r.contributions, r.missions, r.previous_value, r.change, r.change_percent, Jsonb(monthly[r.partner_id]))
            for r in results.scorecard
        ),
    )  # fmt: skip
    # The partners' series are in their rows (`monthly`); roles and kinds here.
    copy_rows(
        ReportSeries,
        ["report_id", "dimension", "key", "month", "value"],
        itertools.chain(_series(report, "role", trend.by_role), _series(report, "kind", trend.by_kind)),
    )
    copy_rows(
        ReportPair,
        ["report_id", "partner_a_id", "partner_b_id", "value", "contributions"],
        ((report.pk, p.partner_a, p.partner_b, p.value, p.contributions) for p in results.synergy.pairs),
    )
    job_done(report, summary(results))
