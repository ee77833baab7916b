"""Reads on value reports: who sees them, their stored results, the scorecard export, where one partner's
figures come from (`engine.explain` for the report's scope), and what a partner's users may read of a report
in the portal: their own figures, and the ecosystem's only in aggregate behind the k rule."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.http import HttpResponse
from django.utils.translation import gettext as _

from ecosystem.accounts.models import User
from ecosystem.core.errors import Conflict
from ecosystem.core.roles import PARTNER_USERS, STAFF, has_role
from ecosystem.core.selectors import tenant_settings
from ecosystem.missions.models import Kind, Mission, Objective
from ecosystem.missions.selectors import below_threshold, contributions_visible_to
from partners.csv_io import csv_response

from . import engine
from .charts import role_label
from .models import Report, ReportRow

KINDS = dict(Kind.choices)
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


# --- where one partner's figures come from (issue #9, point 7) ---------------------------------


def report_scope(report: Report) -> engine.Scope:
    """The engine's scope of a report: its period, missions and roles."""
    return engine.Scope(
        period_start=report.period_start,
        period_end=report.period_end,
        missions=tuple(report.missions),
        roles=tuple(report.roles),
    )


def report_row(report: Report, partner_id: int) -> ReportRow:
    """The partner's scorecard row in a finished report, with its partner (1 query; ReportRow.DoesNotExist
    when the report is not done or the partner has no row in it)."""
    return ReportRow.objects.select_related("partner").get(
        report=report, report__status=Report.Status.DONE, partner_id=partner_id
    )


def partner_explanation(report: Report, partner_id: int) -> engine.Explanation:
    """`engine.explain` for the report's scope: where the partner's figures come from, computed now from
    the validated contributions (3 queries, plus one per mission of its money or quantity objectives)."""
    return engine.explain(report_scope(report), partner_id)


@dataclass(frozen=True)
class ExplainedContribution:
    line: engine.ContributionLine
    kind: str  # the kind's label
    objective: str  # the objective's title, "" without one
    visible: bool  # the viewer may open the contribution's page


@dataclass(frozen=True)
class ExplainedObjective:
    objective: engine.ObjectiveExplanation
    mission: str
    coopetition: bool
    partners: int | None  # partners behind the objective's total in the report (None: not in the report)
    total_hidden: bool  # the viewer is a partner and fewer than k partners stand behind the total
    reasons: tuple[str, ...]  # engine.TARGET_REACHED / engine.JOINT_SHARED, as the viewer may read them
    confidence: float | None  # of the sampling bound, from the report


@dataclass(frozen=True)
class ExplainedPartner:
    """An explanation shaped for a page: titles found, and for a partner the k rule applied."""

    explanation: engine.Explanation
    contributions: tuple[ExplainedContribution, ...]
    objectives: tuple[ExplainedObjective, ...]
    threshold: int | None  # k, for a partner's page; None for the staff
    differs: bool  # the figures computed now are not the report's stored ones (validated since)


def _explained(
    report: Report, row: ReportRow, explanation: engine.Explanation, *, threshold: int | None,
    visible: set[int] | None = None,
) -> ExplainedPartner:  # fmt: skip
    """One query: the titles of the objectives and missions the explanation names."""
    ids = {line.objective_id for line in explanation.contributions if line.objective_id is not None}
    ids |= {o.objective_id for o in explanation.objectives}
    titles = {
        pk: (title, mission, confidentiality)
        for pk, title, mission, confidentiality in Objective.objects.filter(pk__in=ids).values_list(
            "pk", "title", "mission__title", "mission__confidentiality"
        )
    }
    stored = {o["objective"]: o for o in report.summary.get("objectives", [])}
    objectives = []
    for o in explanation.objectives:
        _title, mission, confidentiality = titles.get(o.objective_id, (o.title, "", ""))
        in_report = stored.get(o.objective_id)
        partners = len(in_report["shares"]) if in_report else None
        # A partner reads an objective's total (and whether it passed its target) only where at least k
        # partners stand behind it: the missions' rule, for open and coopetition missions alike here.
        hidden = threshold is not None and below_threshold(partners or 0, threshold)
        reasons = tuple(r for r in o.reasons if not (hidden and r == engine.TARGET_REACHED))
        objectives.append(
            ExplainedObjective(
                objective=o, mission=mission, coopetition=confidentiality == Mission.Confidentiality.COOPETITION,
                partners=None if hidden else partners, total_hidden=hidden, reasons=reasons,
                confidence=in_report.get("confidence") if in_report else None,
            )
        )  # fmt: skip
    contributions = tuple(
        ExplainedContribution(
            line=line,
            kind=str(KINDS.get(line.kind, line.kind)),
            objective=titles[line.objective_id][0] if line.objective_id in titles else "",
            visible=visible is None or line.contribution_id in visible,
        )
        for line in explanation.contributions
    )
    differs = (explanation.value, explanation.solo_value, explanation.joint_value) != (row.linear, row.solo, row.joint)
    return ExplainedPartner(explanation, contributions, tuple(objectives), threshold, differs)


def explained_for_staff(report: Report, row: ReportRow) -> ExplainedPartner:
    """A partner's explanation as the orchestrator's staff read it: everything (4 queries, plus one per
    mission of its objectives)."""
    return _explained(report, row, partner_explanation(report, row.partner_id), threshold=None)


# --- the partner portal: its own figures, the ecosystem's only in aggregate -------------------------


def partner_reports(user: User) -> QuerySet[Report]:
    """The finished reports in which the user's partner has a scorecard row, newest first; none for anyone
    but a partner's users."""
    if not has_role(user, PARTNER_USERS) or user.partner_id is None:
        return Report.objects.none()
    has_row = ReportRow.objects.filter(report=OuterRef("pk"), partner_id=user.partner_id)
    return Report.objects.filter(Exists(has_row), status=Report.Status.DONE).order_by("-finished_at", "-id")


def partner_report(user: User, pk: int | None = None) -> Report | None:
    """The report `pk` among `partner_reports(user)` (Report.DoesNotExist otherwise), or the latest (None:
    there is none). 1 query."""
    reports = partner_reports(user)
    if pk is not None:
        return reports.get(pk=pk)
    return reports.first()


def latest_partner_row(user: User) -> ReportRow | None:
    """The user's partner's row in the latest finished report, with the report (1 query; None: none)."""
    if not has_role(user, PARTNER_USERS) or user.partner_id is None:
        return None
    return (
        ReportRow.objects.filter(partner_id=user.partner_id, report__status=Report.Status.DONE)
        .select_related("report")
        .order_by("-report__finished_at", "-report_id")
        .first()
    )


@dataclass(frozen=True)
class RoleTotal:
    role: str  # "" for the other roles put together
    label: str
    partners: int
    value: Decimal


@dataclass(frozen=True)
class EcosystemAggregates:
    """The report's ecosystem figures as a partner may read them: each None where fewer than k partners
    stand behind it."""

    threshold: int
    partners: int | None
    total_value: Decimal | None
    share: float | None  # the partner's share of the total
    joint_value: Decimal | None
    synergy_ratio: float | None
    roles: tuple[RoleTotal, ...]  # roles with at least k partners, largest value first
    other_roles: RoleTotal | None  # beside roles shown, the smaller ones together (k partners or more behind them)
    roles_withheld: bool  # some role's figure is not shown


def _role_totals(report: Report, threshold: int) -> tuple[tuple[RoleTotal, ...], RoleTotal | None, bool]:
    """Value by role, only where at least k partners stand behind a figure (1 query).

    The total is shown, so the roles withheld must not be worked out from it by difference: they are put
    together as "other roles", and when fewer than k partners stand behind those, the smallest role shown
    joins them (it has k or more, so the group then has too)."""
    counted = (
        ReportRow.objects.filter(report=report).order_by().values("role")
        .annotate(partners=Count("pk"), value=Sum("linear")).values_list("role", "partners", "value")
    )  # fmt: skip
    totals = [RoleTotal(role, role_label(role), n, value) for role, n, value in counted]
    shown = [t for t in totals if not below_threshold(t.partners, threshold)]
    shown.sort(key=lambda t: (t.partners, t.value, t.role))  # the smallest first: the one to withhold if need be
    withheld = [t for t in totals if below_threshold(t.partners, threshold)]
    if withheld and below_threshold(sum(t.partners for t in withheld), threshold) and shown:
        withheld.append(shown.pop(0))
    other = None
    # Beside roles shown: alone, "the other roles" would only repeat the total.
    if shown and withheld and not below_threshold(sum(t.partners for t in withheld), threshold):
        other = RoleTotal("", "", sum(t.partners for t in withheld), sum((t.value for t in withheld), Decimal(0)))
    return tuple(sorted(shown, key=lambda t: (-t.value, t.label))), other, bool(withheld)


def ecosystem_aggregates(report: Report, row: ReportRow) -> EcosystemAggregates:
    """The report's ecosystem figures behind the k rule (1 query; the tenant's settings are cached)."""
    k = tenant_settings().coopetition_threshold
    summary = report.summary
    partners = int(summary.get("partners", 0))
    if below_threshold(partners, k):
        return EcosystemAggregates(k, None, None, None, None, None, (), None, partners > 0)
    total = Decimal(summary["total_value"])
    roles, other, withheld = _role_totals(report, k)
    return EcosystemAggregates(
        threshold=k, partners=partners, total_value=total, share=row.share,
        joint_value=Decimal(summary["joint_value"]), synergy_ratio=summary.get("synergy_ratio"),
        roles=roles, other_roles=other, roles_withheld=withheld,
    )  # fmt: skip


def partner_trend(report: Report, row: ReportRow) -> list[tuple[dt.date, Decimal]]:
    """The partner's value month by month over the report's period, 0 for a month without any (from its
    scorecard row: no query)."""
    stored = {dt.date.fromisoformat(month): Decimal(value) for month, value in row.monthly}
    months, month = [], report.period_start.replace(day=1)
    while month <= report.period_end:
        months.append((month, stored.get(month, Decimal(0))))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def explained_for_partner(user: User, report: Report, row: ReportRow) -> ExplainedPartner:
    """The user's own partner's explanation (its caller found `row` through `partner_reports`): objective
    totals only where at least k partners stand behind them, and links only to the contributions the user
    may open (5 queries, plus one per mission of its objectives)."""
    explanation = partner_explanation(report, row.partner_id)
    ids = [line.contribution_id for line in explanation.contributions]
    visible = set(contributions_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    k = tenant_settings().coopetition_threshold
    return _explained(report, row, explanation, threshold=k, visible=visible)
