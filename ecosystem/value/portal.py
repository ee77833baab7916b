"""The partner portal's "My value" pages, and its panel on the portal's home.

What a partner's users read of the value reports: their own organisation's scorecard row, monthly trend and
explanation, from a finished report in which it has a row (the latest, or one picked among those), and the
ecosystem's figures only in aggregate where at least k partners stand behind them. Every read goes through
`selectors` (the walls live there): no URL here names a partner, and a report the organisation has no row
in is not found.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from ecosystem.accounts.models import User
from ecosystem.core.dashboard import Panel
from ecosystem.core.portal import register_portal_panel
from ecosystem.core.roles import PARTNER_USERS
from ecosystem.core.views import role_required

from . import charts, selectors
from .models import Report, ReportRow

TEMPLATES = "portal/value"


def _report_and_row(request: HttpRequest, pk: int | None) -> tuple[Report | None, ReportRow | None]:
    try:
        report = selectors.partner_report(request.user, pk)
    except Report.DoesNotExist:
        raise Http404 from None
    if report is None:
        return None, None
    try:
        return report, selectors.report_row(report, request.user.partner_id)
    except ReportRow.DoesNotExist:  # the report lost its row between the two reads
        raise Http404 from None


def _chosen(request: HttpRequest) -> int | None:
    raw = request.GET.get("report")
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise Http404 from None


@role_required(*PARTNER_USERS)
def home(request: HttpRequest) -> HttpResponse:
    """The organisation's own figures in a finished report (`?report=<id>` picks one): a fixed number of
    queries whatever the number of partners."""
    report, row = _report_and_row(request, _chosen(request))
    context: dict[str, Any] = {"report": report, "row": row}
    if report is not None and row is not None:
        trend = selectors.partner_trend(report, row)
        context.update(
            reports=list(selectors.partner_reports(request.user).only("pk", "period_start", "period_end")[:60]),
            role_label=charts.role_label(row.role),
            trend=trend,
            ecosystem=selectors.ecosystem_aggregates(report, row),
            chart={
                "labels": {"value": _("Our value")},
                "months": [month.strftime("%Y-%m") for month, _value in trend],
                "values": [float(value) for _month, value in trend],
            },
        )
    return render(request, f"{TEMPLATES}/home.html", context)


@role_required(*PARTNER_USERS)
def explanation(request: HttpRequest, pk: int) -> HttpResponse:
    """Where the organisation's own figures of report `pk` come from."""
    report, row = _report_and_row(request, pk)
    explained = selectors.explained_for_partner(request.user, report, row)
    return render(request, f"{TEMPLATES}/explanation.html", {"report": report, "row": row, "explained": explained})


# --- the portal home's "Our value" panel --------------------------------------------


def latest_value(user: User) -> dict[str, Any]:
    """The organisation's row in the latest finished report it has one in: one query."""
    row = selectors.latest_partner_row(user)
    return {"row": row, "report": row.report if row is not None else None}


def register_portal_panels() -> None:
    register_portal_panel(Panel("value_mine", 20, PARTNER_USERS, f"{TEMPLATES}/panel.html", latest_value))
