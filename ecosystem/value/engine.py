"""The value-contribution report's computing core (issue #9): figures for a scope, read in PostgreSQL.

`compute(scope)` reads the missions tables with a fixed number of set-based
queries (GROUP BY, GROUPING SETS, window functions, a recursive CTE) and
returns plain frozen dataclasses; `explain(scope, partner_id)` says where one
partner's figures come from. No model, no write, no Celery: the report task
calls these and stores what they return. Both need the tenant's schema set on
the connection.

Query count of `compute`: 4, plus one per mission that has a `value` or
`quantity` objective with a contribution in the period (the fair-share game is
played per objective, in numpy, on the compact sets that query returns).
Contributions are never loaded into Python one by one.

The rules (the issue's definitions, and what it leaves open):

- **What counts.** Validated contributions dated within the period, of the
  scope's missions (all when empty). A correction counts by its own date, with
  its own (possibly negative) value: netted into every sum it falls in.
- **Role filter.** Only the shares of partners whose role is in the scope's
  roles (all when empty) are kept; a kept share counts w·v. A partner outside
  the roles has no row, and its weight of a joint contribution is *not*
  handed to the others: V = Σ over kept shares of w·v.
- **Linear share.** a_i = Σ w_c,i · v_c; V = Σ a_i; share = a_i / V (exact
  Decimal sums: weight x money has up to 8 decimal places; round for display).
- **Solo and joint.** A contribution is joint when it has two or more shares,
  counted before the role filter (the joint work happened even when the
  co-contributor is out of the report). A partner's solo + joint value is its
  linear value; J = Σ of the joint parts = Σ v_c of joint contributions
  without a role filter; synergy ratio J / V (0 when V = 0).
- **Pairs.** For a contribution of value v whose kept partners are P, each
  pair of P gets v (the whole value, not weighted: the size of the work they
  did together), corrections netted; `contributions` counts the originals
  (corrections are not new work). Pairs are ordered by value, largest first.
- **Contributions and missions per partner.** Distinct contributions it has a
  kept share in, corrections not counted; distinct missions of its kept shares.
- **Fair share.** Per objective with metric `value` or `quantity` and its
  target T: each correction is netted into the contribution it corrects (up
  the chain of corrections, to the original), then each set's measure is
  Σ over its kept shares of w·m (so m itself without a role filter), and its
  partners are the kept partners. Netted sets of measure ≤ 0 are dropped.
  Participants: the partners with a kept share toward the objective (those
  whose sets were all dropped get 0). `fair_shares` (shapley.py) plays the
  game. A partner's `fair_share` is the sum over the money objectives
  (rounded to the cent); quantity objectives are reported per objective.
- **Concentration.** Over the scorecard's partners, a negative linear value
  counted as 0: s_i = max(a_i, 0) / Σ max(a_j, 0); HHI = Σ s_i² (0-1, and
  x10,000); Gini = (2·Σ i·x_(i)) / (n·Σx) - (n+1)/n over the values sorted
  ascending; top-5 share; Lorenz points (k/n, cumulative share of the k
  smallest) from (0, 0) to (1, 1). All 0 (Lorenz: the diagonal) when there
  is no positive value.
- **Trend.** Monthly sums (date_trunc('month'), the first day) by partner, by
  role and by contribution kind. The previous period has the same number of
  days and ends the day before the period starts; `Trend.changes` lists every
  partner with a kept share in either period; change = now - then, percent
  None when then is 0.
- **Scorecard.** One row per partner with a kept share in the period, largest
  linear value first.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from ecosystem.missions.models import Contribution, Mission, Objective, Share
from partners.models import Partner, Tier

from . import rollups
from .shapley import FairShares, JointSet, fair_shares

__all__ = [
    "CoContributor",
    "Concentration",
    "ContributionLine",
    "Explanation",
    "MonthlyValue",
    "ObjectiveExplanation",
    "ObjectiveFairShare",
    "ObjectiveShare",
    "Pair",
    "PartnerChange",
    "Results",
    "Scope",
    "ScorecardRow",
    "Synergy",
    "Trend",
    "compute",
    "explain",
]

ZERO = Decimal(0)
CENT = Decimal("0.01")
QUANTUM = {Objective.Metric.VALUE: CENT, Objective.Metric.QUANTITY: Decimal("0.0001")}
GAME_METRICS = (Objective.Metric.VALUE, Objective.Metric.QUANTITY)
EXPLAIN_LIMIT = 500

# Reasons a partner's fair share differs from its linear part of an objective.
TARGET_REACHED = "target_reached"  # the total passed the target: what goes beyond adds nothing
JOINT_SHARED = "joint_shared"  # joint sets are worth something only with all their partners in

C_TABLE = Contribution._meta.db_table
S_TABLE = Share._meta.db_table
P_TABLE = Partner._meta.db_table
T_TABLE = Tier._meta.db_table
O_TABLE = Objective._meta.db_table
M_TABLE = Mission._meta.db_table
VALIDATED = Contribution.Status.VALIDATED.value

Progress = Callable[[int], None]


# --- what goes in -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The report's scope: a period (both days included), missions and partner roles (empty: all)."""

    period_start: dt.date
    period_end: dt.date
    missions: tuple[int, ...] = ()
    roles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.period_end < self.period_start:
            raise ValueError("period_end must not be before period_start")

    @property
    def previous(self) -> tuple[dt.date, dt.date]:
        """The previous period of the same number of days, ending the day before this one starts."""
        days = (self.period_end - self.period_start).days + 1
        end = self.period_start - dt.timedelta(days=1)
        return end - dt.timedelta(days=days - 1), end


# --- what comes out -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorecardRow:
    partner_id: int
    name: str
    role: str
    tier: str  # the tier's name, "" without one
    value: Decimal  # linear value a_i
    share: float  # a_i / V (0 when V = 0)
    solo_value: Decimal  # from contributions with one partner
    joint_value: Decimal  # its weighted part of joint contributions
    fair_share: Decimal  # sum of its Shapley values over the money objectives, to the cent
    contributions: int  # distinct contributions it has a share in (corrections not counted)
    missions: int
    previous_value: Decimal  # its linear value in the previous period
    change: Decimal  # value - previous_value
    change_percent: float | None  # None when previous_value is 0


@dataclass(frozen=True)
class Pair:
    partner_a: int  # the smaller id
    partner_b: int
    value: Decimal  # Σ v over the joint contributions both have a share in
    contributions: int  # how many (corrections not counted)


@dataclass(frozen=True)
class Synergy:
    joint_value: Decimal  # J
    ratio: float  # J / V (0 when V = 0)
    pairs: tuple[Pair, ...]  # the collaboration network's edges


@dataclass(frozen=True)
class Concentration:
    hhi: float  # Σ s_i², 0-1
    hhi_points: float  # the same x10,000
    gini: float
    top5_share: float
    lorenz: tuple[tuple[float, float], ...]  # (cumulative share of partners, of value), (0,0) … (1,1)


@dataclass(frozen=True)
class MonthlyValue:
    month: dt.date  # first day of the month
    key: int | str  # partner id, role or contribution kind
    value: Decimal


@dataclass(frozen=True)
class PartnerChange:
    partner_id: int
    value: Decimal
    previous_value: Decimal
    change: Decimal
    change_percent: float | None


@dataclass(frozen=True)
class Trend:
    by_partner: tuple[MonthlyValue, ...]  # ordered by month, then key
    by_role: tuple[MonthlyValue, ...]
    by_kind: tuple[MonthlyValue, ...]
    previous_start: dt.date
    previous_end: dt.date
    changes: tuple[PartnerChange, ...]  # every partner with a share in either period, by partner id


@dataclass(frozen=True)
class ObjectiveShare:
    partner_id: int
    linear: Decimal  # Σ w·m of its shares toward the objective, corrections netted
    fair: Decimal  # its Shapley value, rounded to the metric's places (cents, or 4 places)


@dataclass(frozen=True)
class ObjectiveFairShare:
    objective_id: int
    mission_id: int
    title: str
    metric: str  # "value" (money) or "quantity" (in `unit`)
    unit: str
    target: Decimal
    total: Decimal  # Σ of the sets' netted measures kept in the game (those > 0)
    capped: bool  # total > target: the target binds
    shares: tuple[ObjectiveShare, ...]  # by partner id
    exact: bool
    permutations: int  # 0 when exact
    bound: float  # ± half-width in the objective's unit (0 when exact)
    confidence: float


@dataclass(frozen=True)
class Results:
    scope: Scope
    total_value: Decimal  # V
    contributions: int  # distinct contributions counted (corrections not counted)
    scorecard: tuple[ScorecardRow, ...]
    synergy: Synergy
    concentration: Concentration
    trend: Trend
    objectives: tuple[ObjectiveFairShare, ...]  # money and quantity objectives, by mission then due date


@dataclass(frozen=True)
class CoContributor:
    partner_id: int
    name: str
    weight: Decimal
    in_scope: bool  # False: its role is outside the scope's roles (its part is not counted)


@dataclass(frozen=True)
class ContributionLine:
    contribution_id: int
    date: dt.date
    mission_id: int
    mission: str
    kind: str
    objective_id: int | None
    corrects_id: int | None  # a correction: the contribution it adjusts
    value: Decimal  # the contribution's whole value
    weight: Decimal  # this partner's weight
    part: Decimal  # weight x value, what it adds to the partner's linear value
    joint: bool
    others: tuple[CoContributor, ...]  # the co-contributors, largest weight first


@dataclass(frozen=True)
class ObjectiveExplanation:
    objective_id: int
    mission_id: int
    title: str
    metric: str
    unit: str
    target: Decimal
    total: Decimal
    linear: Decimal  # the partner's Σ w·m toward it
    fair: Decimal  # its Shapley value
    difference: Decimal  # fair - linear
    capped: bool
    joint: bool  # it has a joint set of positive measure toward it
    exact: bool
    bound: float
    reasons: tuple[str, ...]  # TARGET_REACHED, JOINT_SHARED, those that hold when fair != linear


@dataclass(frozen=True)
class Explanation:
    partner_id: int
    value: Decimal
    solo_value: Decimal
    joint_value: Decimal
    fair_share: Decimal
    contributions: tuple[ContributionLine, ...]  # the EXPLAIN_LIMIT largest |part|, largest first
    more: int  # how many lines were left out
    objectives: tuple[ObjectiveExplanation, ...]


# --- SQL ----------------------------------------------------------------------------------------


def _fetch(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True)
class _PartnerSums:
    partner_id: int
    name: str
    role: str
    tier: str
    value: Decimal
    solo: Decimal
    joint: Decimal
    contributions: int
    missions: int
    current_rows: int
    previous: Decimal


def _filters(scope: Scope, *, mission: str = "r.mission_id", roles: Sequence[str] = ()) -> tuple[str, dict[str, Any]]:
    """`AND ...` conditions for the scope's missions and, on each of `roles` (role columns), its roles."""
    sql, params = "", {}
    if scope.missions:
        sql += f" AND {mission} = ANY(%(missions)s)"
        params["missions"] = list(scope.missions)
    if scope.roles:
        for column in roles:
            sql += f" AND {column} = ANY(%(roles)s)"
        params["roles"] = list(scope.roles)
    return sql, params


def _partner_sums(scope: Scope, *, partner_id: int | None = None) -> list[_PartnerSums]:
    """Per partner, this period's sums and the previous period's value: one query over both periods."""
    previous_start, previous_end = scope.previous
    now, now_params = rollups.source("partner", scope.period_start, scope.period_end, "now")
    then, then_params = rollups.source("partner", previous_start, previous_end, "then")
    where, params = _filters(scope, roles=["p.role"])
    if partner_id is not None:
        where += " AND r.partner_id = %(partner)s"
        params["partner"] = partner_id
    rows = _fetch(
        f"""
        SELECT r.partner_id, p.name, p.role, COALESCE(t.name, ''),
               COALESCE(SUM(r.value) FILTER (WHERE r.now), 0),
               COALESCE(SUM(r.solo) FILTER (WHERE r.now), 0),
               COALESCE(SUM(r.joint) FILTER (WHERE r.now), 0),
               COALESCE(SUM(r.originals) FILTER (WHERE r.now), 0),
               COUNT(DISTINCT r.mission_id) FILTER (WHERE r.now),
               COALESCE(SUM(r.shares) FILTER (WHERE r.now), 0),
               COALESCE(SUM(r.value) FILTER (WHERE NOT r.now), 0)
        FROM (SELECT TRUE AS now, * FROM {now} AS a UNION ALL SELECT FALSE, * FROM {then} AS b) r
        JOIN {P_TABLE} p ON p.id = r.partner_id LEFT JOIN {T_TABLE} t ON t.id = p.tier_id
        WHERE TRUE {where}
        GROUP BY r.partner_id, p.id, t.id
        """,
        {**params, **now_params, **then_params},
    )
    return [_PartnerSums(*row) for row in rows]


def _pairs(scope: Scope) -> list[Pair]:
    pairs, params = rollups.source("pair", scope.period_start, scope.period_end, "pair")
    where, filters = _filters(scope, roles=["pa.role", "pb.role"])
    rows = _fetch(
        f"""
        SELECT r.partner_a, r.partner_b, SUM(r.value), SUM(r.originals)
        FROM {pairs} AS r JOIN {P_TABLE} pa ON pa.id = r.partner_a JOIN {P_TABLE} pb ON pb.id = r.partner_b
        WHERE TRUE {where}
        GROUP BY r.partner_a, r.partner_b
        ORDER BY 3 DESC, 1, 2
        """,
        {**params, **filters},
    )
    return [Pair(*row) for row in rows]


def _monthly(scope: Scope) -> tuple[dict[str, list[MonthlyValue]], int]:
    """Monthly sums by partner, role and kind, and the count of contributions: one query."""
    start, end = scope.period_start, scope.period_end
    partners, partner_params = rollups.source("partner", start, end, "partner")
    kinds, kind_params = rollups.source("kind", start, end, "kind")
    counts, count_params = rollups.source("count", start, end, "count")
    by_partner, params = _filters(scope, roles=["p.role"])
    by_kind, _ = _filters(scope, roles=["r.role"])
    by_count, _ = _filters(scope)
    if scope.roles:
        by_count += " AND r.roles && %(roles)s::varchar[]"
    rows = _fetch(
        f"""
        WITH monthly AS (
            SELECT r.month, r.partner_id, p.role, SUM(r.value) AS value
            FROM {partners} AS r JOIN {P_TABLE} p ON p.id = r.partner_id WHERE TRUE {by_partner}
            GROUP BY r.month, r.partner_id, p.role
        )
        SELECT 'partner', month, partner_id, NULL, value FROM monthly
        UNION ALL
        SELECT 'role', month, NULL, role, SUM(value) FROM monthly GROUP BY month, role
        UNION ALL
        SELECT 'kind', r.month, NULL, r.kind, SUM(r.value) FROM {kinds} AS r WHERE TRUE {by_kind}
        GROUP BY r.month, r.kind
        UNION ALL
        SELECT 'count', NULL, NULL, NULL, COALESCE(SUM(r.contributions), 0) FROM {counts} AS r WHERE TRUE {by_count}
        ORDER BY 1, 2, 3, 4
        """,
        {**params, **partner_params, **kind_params, **count_params},
    )
    series: dict[str, list[MonthlyValue]] = {"partner": [], "role": [], "kind": []}
    count = 0
    for dimension, month, partner, label, value in rows:
        if dimension == "count":
            count = int(value)
        else:
            series[dimension].append(MonthlyValue(month, partner if dimension == "partner" else label, value))
    return series, count


@dataclass(frozen=True)
class _Objective:
    id: int
    mission_id: int
    title: str
    metric: str
    unit: str
    target: Decimal


def _objectives(scope: Scope, *, partner_id: int | None = None) -> list[_Objective]:
    """The money and quantity objectives with a counted contribution (of the partner, if given)."""
    params: dict[str, Any] = {
        "metrics": list(GAME_METRICS), "validated": VALIDATED,
        "start": scope.period_start, "end": scope.period_end,
    }  # fmt: skip
    where = ""
    if scope.missions:
        where += " AND o.mission_id = ANY(%(missions)s)"
        params["missions"] = list(scope.missions)
    if partner_id is not None:
        where += f"""
            AND EXISTS (SELECT 1 FROM {S_TABLE} s WHERE s.contribution_id = c.id AND s.partner_id = %(partner)s)
        """
        params["partner"] = partner_id
    rows = _fetch(
        f"""
        SELECT o.id, o.mission_id, o.title, o.metric, o.unit, o.target
        FROM {O_TABLE} o
        WHERE o.metric = ANY(%(metrics)s) AND EXISTS (
            SELECT 1 FROM {C_TABLE} c
            WHERE c.objective_id = o.id AND c.status = %(validated)s AND c.date BETWEEN %(start)s AND %(end)s
            {where}
        )
        ORDER BY o.mission_id, o.due, o.id
        """,
        params,
    )
    return [_Objective(*row) for row in rows]


@dataclass(frozen=True)
class _Game:
    objective: _Objective
    sets: tuple[JointSet, ...]  # netted, measure > 0, one per coalition of partners
    total: Decimal  # Σ of their measures, exactly
    linear: dict[int, Decimal]  # every participant's Σ w·m
    result: FairShares

    def fair(self, partner_id: int) -> Decimal:
        quantum = QUANTUM[Objective.Metric(self.objective.metric)]
        return Decimal(repr(self.result.values.get(partner_id, 0.0))).quantize(quantum)

    def public(self) -> ObjectiveFairShare:
        o, r = self.objective, self.result
        total = self.total
        return ObjectiveFairShare(
            objective_id=o.id, mission_id=o.mission_id, title=o.title, metric=o.metric, unit=o.unit,
            target=o.target, total=total, capped=total > o.target,
            shares=tuple(ObjectiveShare(p, self.linear[p], self.fair(p)) for p in sorted(self.linear)),
            exact=r.exact, permutations=r.permutations, bound=r.bound, confidence=r.confidence,
        )  # fmt: skip


def _games(scope: Scope, objectives: list[_Objective], progress: Progress, start: int, end: int) -> list[_Game]:
    """The fair-share games of the objectives: one query, then numpy per objective.

    The query nets each correction into the contribution its chain starts from
    (the roll-ups keep those apart, see rollups.RollupGame), drops the netted
    sets of measure <= 0 and adds the others up per coalition of kept partners
    (as `fair_shares` would): it returns, per objective, one row per distinct
    coalition and one per partner (its Σ w·m), never one per contribution.
    """
    if not objectives:
        progress(end)
        return []
    games_sql, game_params = rollups.source("game", scope.period_start, scope.period_end, "game")
    linear_sql, linear_params = rollups.source("game_partner", scope.period_start, scope.period_end, "linear")
    params: dict[str, Any] = {"objectives": [o.id for o in objectives], **game_params, **linear_params}
    if scope.roles:
        # Only the kept partners' parts: a set's measure is Σ over them of w·m.
        params["roles"] = list(scope.roles)
        netted = f"""
            parts AS (
                SELECT src.objective_id, src.root, src.row_no, u.partner_id, u.weight * src.measure AS part
                FROM (SELECT row_number() OVER () AS row_no, * FROM src) src
                CROSS JOIN LATERAL unnest(src.partners, src.weights) AS u(partner_id, weight)
                JOIN {P_TABLE} p ON p.id = u.partner_id
                WHERE p.role = ANY(%(roles)s)
            ),
            netted AS (
                SELECT objective_id, array_agg(DISTINCT partner_id ORDER BY partner_id) AS partners,
                       SUM(part) AS measure
                FROM parts GROUP BY objective_id, root, CASE WHEN root IS NULL THEN row_no END
            )"""
        kept = f"JOIN {P_TABLE} p ON p.id = r.partner_id AND p.role = ANY(%(roles)s)"
    else:
        # Every partner kept: a set's measure is m itself (its weights add up to 1).
        netted = """
            netted AS (
                SELECT objective_id, partners, measure FROM src WHERE root IS NULL
                UNION ALL
                SELECT src.objective_id, array_agg(DISTINCT u.partner_id ORDER BY u.partner_id),
                       SUM(u.weight * src.measure)
                FROM src CROSS JOIN LATERAL unnest(src.partners, src.weights) AS u(partner_id, weight)
                WHERE src.root IS NOT NULL
                GROUP BY src.objective_id, src.root
            )"""
        kept = ""
    rows = _fetch(
        f"""
        WITH src AS (SELECT * FROM {games_sql} AS r WHERE r.objective_id = ANY(%(objectives)s)),
        {netted}
        SELECT objective_id, NULL::bigint, partners, SUM(measure)
        FROM netted WHERE measure > 0 GROUP BY objective_id, partners
        UNION ALL
        SELECT r.objective_id, r.partner_id, NULL, SUM(r.linear)
        FROM {linear_sql} AS r {kept}
        WHERE r.objective_id = ANY(%(objectives)s)
        GROUP BY r.objective_id, r.partner_id
        """,
        params,
    )
    sets: dict[int, list[JointSet]] = defaultdict(list)
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    linear: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for objective_id, partner_id, partners, total in rows:
        if partner_id is not None:
            linear[objective_id][partner_id] = total
        else:
            sets[objective_id].append(JointSet(tuple(partners), float(total)))
            totals[objective_id] += total
    middle = start + (end - start) // 3
    progress(middle)
    games = []
    for done, objective in enumerate(objectives, start=1):
        if objective.id in linear:  # else every share toward it is outside the roles
            participants = sorted(linear[objective.id])
            chosen = tuple(sets[objective.id])
            result = fair_shares(participants, chosen, float(objective.target))
            games.append(_Game(objective, chosen, totals[objective.id], linear[objective.id], result))
        progress(middle + (end - middle) * done // len(objectives))
    return games


# --- figures from sums --------------------------------------------------------------------------


def _ratio(part: Decimal, whole: Decimal) -> float:
    return float(part / whole) if whole else 0.0


def _percent(change: Decimal, before: Decimal) -> float | None:
    return float(change * 100 / before) if before else None


def _concentration(values: Iterable[Decimal]) -> Concentration:
    held = sorted(max(v, ZERO) for v in values)
    whole = sum(held, ZERO)
    if not whole:
        return Concentration(hhi=0.0, hhi_points=0.0, gini=0.0, top5_share=0.0, lorenz=((0.0, 0.0), (1.0, 1.0)))
    n = len(held)
    shares = [v / whole for v in held]
    hhi = sum((s * s for s in shares), ZERO)
    ranked = sum((i * v for i, v in enumerate(held, start=1)), ZERO)
    gini = 2 * ranked / (n * whole) - Decimal(n + 1) / n
    lorenz = [(0.0, 0.0)]
    running = ZERO
    for k, value in enumerate(held, start=1):
        running += value
        lorenz.append((k / n, float(running / whole)))
    lorenz[-1] = (1.0, 1.0)  # exactly, whatever the rounding of the divisions
    return Concentration(
        hhi=float(hhi), hhi_points=float(hhi * 10_000), gini=float(gini),
        top5_share=float(sum(shares[-5:], ZERO)), lorenz=tuple(lorenz),
    )  # fmt: skip


def _no_progress(percent: int) -> None:
    return None


def compute(scope: Scope, *, progress: Progress | None = None) -> Results:
    """Every figure of the report for `scope` (see the module docstring for the rules).

    Needs the tenant's schema on the connection; reads only. Queries: 4, plus
    one per mission with a counted contribution toward a money or quantity
    objective. `progress(percent)` is called after each step and during the
    per-mission fair-share loop, ending with 100.
    """
    report = progress or _no_progress
    rollups.refresh()
    sums = _partner_sums(scope)
    report(15)
    pairs = _pairs(scope)
    report(25)
    series, count = _monthly(scope)
    report(35)
    objectives = _objectives(scope)
    report(40)
    games = _games(scope, objectives, report, 40, 95)

    money: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for game in games:
        if game.objective.metric == Objective.Metric.VALUE:
            for partner in game.linear:
                money[partner] += game.fair(partner)

    current = [s for s in sums if s.current_rows]
    total = sum((s.value for s in current), ZERO)
    joint = sum((s.joint for s in current), ZERO)
    scorecard = tuple(
        ScorecardRow(
            partner_id=s.partner_id,
            name=s.name,
            role=s.role,
            tier=s.tier,
            value=s.value,
            share=_ratio(s.value, total),
            solo_value=s.solo,
            joint_value=s.joint,
            fair_share=money[s.partner_id],
            contributions=s.contributions,
            missions=s.missions,
            previous_value=s.previous,
            change=s.value - s.previous,
            change_percent=_percent(s.value - s.previous, s.previous),
        )
        for s in sorted(current, key=lambda s: (-s.value, s.name, s.partner_id))
    )
    previous_start, previous_end = scope.previous
    changes = tuple(
        PartnerChange(
            s.partner_id, s.value, s.previous, s.value - s.previous, _percent(s.value - s.previous, s.previous)
        )
        for s in sorted(sums, key=lambda s: s.partner_id)
    )
    results = Results(
        scope=scope,
        total_value=total,
        contributions=count,
        scorecard=scorecard,
        synergy=Synergy(joint_value=joint, ratio=_ratio(joint, total), pairs=tuple(pairs)),
        concentration=_concentration(s.value for s in current),
        trend=Trend(
            by_partner=tuple(series["partner"]),
            by_role=tuple(series["role"]),
            by_kind=tuple(series["kind"]),
            previous_start=previous_start,
            previous_end=previous_end,
            changes=changes,
        ),
        objectives=tuple(game.public() for game in games),
    )
    report(100)
    return results


# --- explanation --------------------------------------------------------------------------------


def _lines(scope: Scope, partner_id: int) -> tuple[list[ContributionLine], int]:
    """The partner's counted contributions, largest |weight x value| first, at most EXPLAIN_LIMIT: one query."""
    where, params = _filters(scope, mission="c.mission_id", roles=["p.role"])
    params.update(partner=partner_id, limit=EXPLAIN_LIMIT, validated=VALIDATED,
                  start=scope.period_start, end=scope.period_end)  # fmt: skip
    in_scope = "xp.role = ANY(%(roles)s)" if scope.roles else "TRUE"
    rows = _fetch(
        f"""
        WITH kept AS (
            SELECT c.id, c.mission_id, c.kind, c.date, c.value, c.corrects_id, s.partner_id, s.weight,
                   (SELECT count(*) FROM {S_TABLE} x WHERE x.contribution_id = c.id) AS partners
            FROM {S_TABLE} s JOIN {C_TABLE} c ON c.id = s.contribution_id JOIN {P_TABLE} p ON p.id = s.partner_id
            WHERE s.partner_id = %(partner)s AND c.status = %(validated)s AND c.date BETWEEN %(start)s AND %(end)s
            {where}
        )
        SELECT k.id, k.date, k.mission_id, m.title, k.kind, c.objective_id, k.corrects_id, k.value, k.weight,
               k.weight * k.value, k.partners > 1,
               (SELECT COALESCE(json_agg(json_build_array(x.partner_id, xp.name, x.weight::text, {in_scope})
                                         ORDER BY x.weight DESC, x.partner_id), '[]'::json)
                FROM {S_TABLE} x JOIN {P_TABLE} xp ON xp.id = x.partner_id
                WHERE x.contribution_id = k.id AND x.partner_id <> k.partner_id),
               COUNT(*) OVER ()
        FROM kept k JOIN {C_TABLE} c ON c.id = k.id JOIN {M_TABLE} m ON m.id = k.mission_id
        WHERE k.partner_id = %(partner)s
        ORDER BY abs(k.weight * k.value) DESC, k.date, k.id
        LIMIT %(limit)s
        """,
        params,
    )
    lines = [
        ContributionLine(
            contribution_id=row[0],
            date=row[1],
            mission_id=row[2],
            mission=row[3],
            kind=row[4],
            objective_id=row[5],
            corrects_id=row[6],
            value=row[7],
            weight=row[8],
            part=row[9],
            joint=row[10],
            others=tuple(CoContributor(p, name, Decimal(w), scoped) for p, name, w, scoped in row[11]),
        )
        for row in rows
    ]
    return lines, (rows[0][12] - len(rows) if rows else 0)


def _objective_explanation(game: _Game, partner_id: int) -> ObjectiveExplanation:
    o = game.objective
    total = game.total
    linear = game.linear.get(partner_id, ZERO)
    fair = game.fair(partner_id)
    capped = total > o.target
    joint = any(len(s.partners) > 1 and partner_id in s.partners for s in game.sets)
    # Nothing to explain when they agree (equal weights of a joint set below the target, say).
    reasons = tuple(
        reason for reason, holds in ((TARGET_REACHED, capped), (JOINT_SHARED, joint)) if holds and fair != linear
    )
    return ObjectiveExplanation(
        objective_id=o.id, mission_id=o.mission_id, title=o.title, metric=o.metric, unit=o.unit, target=o.target,
        total=total, linear=linear, fair=fair, difference=fair - linear, capped=capped, joint=joint,
        exact=game.result.exact, bound=game.result.bound, reasons=reasons,
    )  # fmt: skip


def explain(scope: Scope, partner_id: int) -> Explanation:
    """Where one partner's figures come from, for the same scope as `compute`.

    Its linear, solo and joint sums (the scorecard's), its contributions — the
    EXPLAIN_LIMIT largest parts, with how many more — solo or joint with whom
    at which weight, and per objective its linear part against its fair share
    with the reasons they differ (`TARGET_REACHED`: the total passed the target
    and what goes beyond adds nothing; `JOINT_SHARED`: a joint set is worth
    something only with all its partners, who share it whatever the declared
    weights). A partner outside the scope's roles gets zeros and no lines.
    Queries: 3, plus one per mission of its objectives.
    """
    rollups.refresh()
    sums = [s for s in _partner_sums(scope, partner_id=partner_id) if s.current_rows]
    lines, more = _lines(scope, partner_id)
    games = _games(scope, _objectives(scope, partner_id=partner_id), _no_progress, 0, 100)
    objectives = tuple(_objective_explanation(g, partner_id) for g in games if partner_id in g.linear)
    fair_share = sum((o.fair for o in objectives if o.metric == Objective.Metric.VALUE), ZERO)
    mine = sums[0] if sums else None
    return Explanation(
        partner_id=partner_id,
        value=mine.value if mine else ZERO,
        solo_value=mine.solo if mine else ZERO,
        joint_value=mine.joint if mine else ZERO,
        fair_share=fair_share,
        contributions=tuple(lines),
        more=more,
        objectives=objectives,
    )
