"""What the report page's charts show, shaped for `static/js/report-charts.js` (passed with `json_script`).

Every label is translated here, so the charts read in the page's language;
numbers are plain floats (ECharts plots numbers, not decimal strings).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from partners.models import ParticipantRole

TOP_PARTNERS = 10
NETWORK_NODES = 60


def _number(raw: Any) -> float | None:
    return None if raw in (None, "") else float(Decimal(str(raw)))


def role_label(role: str) -> str:
    return str(dict(ParticipantRole.choices).get(role, role))


def role_totals(series: dict[str, Any]) -> list[dict[str, Any]]:
    """Each role's value over the period (the sum of its monthly series), highest first."""
    totals = [
        {"role": role, "label": role_label(role), "value": sum((Decimal(v) for _m, v in months), Decimal(0))}
        for role, months in series.get("role", {}).items()
    ]
    return sorted(totals, key=lambda t: (-t["value"], t["label"]))


def chart_data(results: dict[str, Any]) -> dict[str, Any]:
    summary, scorecard, series = results["summary"], results["scorecard"], results["series"]
    top = scorecard[:TOP_PARTNERS]
    roles = role_totals(series)
    months = sorted({m for by_key in series.get("role", {}).values() for m, _v in by_key})
    trend = []
    for role, points in sorted(series.get("role", {}).items()):
        by_month = dict(points)
        trend.append({"name": role_label(role), "data": [_number(by_month.get(m, 0)) for m in months]})
    role_index = {role: i for i, (role, _label) in enumerate(ParticipantRole.choices)}
    names = {r["partner"]: r for r in scorecard}
    linked: dict[int, float] = defaultdict(float)
    for pair in results["network"]:
        linked[pair["source"]] += float(pair["value"])
        linked[pair["target"]] += float(pair["value"])
    kept = set(sorted(linked, key=lambda p: -linked[p])[:NETWORK_NODES])
    return {
        "labels": {
            "top": _("Top partners: value and fair share"),
            "linear": _("Value contributed"),
            "fair": _("Fair share"),
            "roles": _("Value by role"),
            "trend": _("Monthly value by role"),
            "lorenz": _("Lorenz curve of the partners' value"),
            "lorenz_curve": _("Cumulative share of value"),
            "equality": _("Perfect equality"),
            "partners_axis": _("Share of partners"),
            "value_axis": _("Share of value"),
            "gini": _("Gini"),
            "hhi": _("HHI"),
            "network": _("Collaboration network"),
            "joint": _("Joint value"),
        },
        "top": {
            "names": [r["name"] for r in top],
            "linear": [_number(r["linear"]) for r in top],
            "fair": [_number(r["fair_share"]) for r in top],
        },
        "roles": {"names": [t["label"] for t in roles], "values": [_number(t["value"]) for t in roles]},
        "trend": {"months": [m[:7] for m in months], "series": trend},
        "lorenz": {"points": summary.get("lorenz", []), "gini": summary.get("gini"), "hhi": summary.get("hhi")},
        "network": {
            "categories": [{"name": str(label)} for _role, label in ParticipantRole.choices],
            "nodes": [
                {
                    "id": str(p),
                    "name": names[p]["name"] if p in names else str(p),
                    "category": role_index.get(names[p]["role"], 0) if p in names else 0,
                    "value": round(linked[p], 2),
                }
                for p in sorted(kept)
            ],
            "links": [
                {"source": str(pair["source"]), "target": str(pair["target"]), "value": _number(pair["value"])}
                for pair in results["network"]
                if pair["source"] in kept and pair["target"] in kept
            ],
        },
    }
