"""Monthly roll-ups of validated contributions: what a report reads instead of every contribution.

A report over a million contributions would otherwise read them all, several
times. Each *grain* below adds the validated contributions of a month up along
the dimensions the report needs (`engine.py` says what each figure is); it is
one SELECT over a date range, used two ways:

- `refresh()` rebuilds, grain by grain, the months whose contributions changed
  (DELETE the month's rows, INSERT the SELECT over the month), in one
  transaction under a lock of the tenant's schema;
- `source(grain, start, end)` gives the rows of a period: the stored rows of
  its whole months and, for a period that starts or ends inside a month, the
  same SELECT over those days read live. The figures are the same either way.

Which months changed: database triggers (migration 0002) append a row to
`RollupDirty` for every month a statement touches — a validated contribution
inserted, changed or deleted (or one that becomes or stops being validated),
its shares changed, a correction whose chain of corrected contributions goes
back to earlier months (those months too), a partner whose role changes, an
objective whose metric or mission changes. The triggers see every path
(services, the CRM batch's COPY, raw SQL), so the roll-ups cannot drift.
A month noted while a refresh runs stays noted for the next one (the refresh
deletes only the rows it read).

The report task refreshes first, so a report is always as current as the
contributions; beat refreshes every tenant every few minutes
(`tasks.refresh_rollups_everywhere`) so that the report finds little to do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from ecosystem.missions.models import Contribution, Objective, Share
from partners.models import Partner

from .models import (
    RollupCount,
    RollupDirty,
    RollupGame,
    RollupGamePartner,
    RollupKind,
    RollupPair,
    RollupPartner,
)

__all__ = ["GRAINS", "month_spans", "refresh", "source"]

# False: `source` reads every month live, as it reads the days of a cut month (the tests compare both).
STORED = True

C_TABLE = Contribution._meta.db_table
S_TABLE = Share._meta.db_table
P_TABLE = Partner._meta.db_table
O_TABLE = Objective._meta.db_table
VALIDATED = Contribution.Status.VALIDATED.value
GAME_METRICS = (Objective.Metric.VALUE.value, Objective.Metric.QUANTITY.value)
assert VALIDATED.isidentifier() and all(m.isidentifier() for m in GAME_METRICS)  # safe to write into SQL


def _in_range(a: str, b: str) -> str:
    return f"c.status = '{VALIDATED}' AND c.date BETWEEN %({a})s AND %({b})s"


def _partner_sql(a: str, b: str) -> str:
    return f"""
        SELECT month, mission_id, partner_id, SUM(part), COALESCE(SUM(part) FILTER (WHERE n = 1), 0),
               COALESCE(SUM(part) FILTER (WHERE n > 1), 0), COUNT(*), COUNT(*) FILTER (WHERE original)
        FROM (
            SELECT date_trunc('month', c.date)::date AS month, c.mission_id, s.partner_id, s.weight * c.value AS part,
                   c.corrects_id IS NULL AS original, count(*) OVER (PARTITION BY c.id) AS n
            FROM {C_TABLE} c JOIN {S_TABLE} s ON s.contribution_id = c.id
            WHERE {_in_range(a, b)}
        ) shares
        GROUP BY month, mission_id, partner_id"""


def _kind_sql(a: str, b: str) -> str:
    return f"""
        SELECT date_trunc('month', c.date)::date, c.mission_id, c.kind, p.role, SUM(s.weight * c.value)
        FROM {C_TABLE} c JOIN {S_TABLE} s ON s.contribution_id = c.id JOIN {P_TABLE} p ON p.id = s.partner_id
        WHERE {_in_range(a, b)}
        GROUP BY 1, 2, 3, 4"""


def _count_sql(a: str, b: str) -> str:
    return f"""
        SELECT month, mission_id, roles, COUNT(*)
        FROM (
            SELECT date_trunc('month', c.date)::date AS month, c.mission_id,
                   array_agg(DISTINCT p.role ORDER BY p.role) AS roles
            FROM {C_TABLE} c JOIN {S_TABLE} s ON s.contribution_id = c.id JOIN {P_TABLE} p ON p.id = s.partner_id
            WHERE {_in_range(a, b)} AND c.corrects_id IS NULL
            GROUP BY c.id
        ) contributions
        GROUP BY month, mission_id, roles"""


def _pair_sql(a: str, b: str) -> str:
    return f"""
        SELECT date_trunc('month', c.date)::date, c.mission_id, x.partner_id, y.partner_id, SUM(c.value),
               COUNT(*) FILTER (WHERE c.corrects_id IS NULL)
        FROM {C_TABLE} c
        JOIN {S_TABLE} x ON x.contribution_id = c.id
        JOIN {S_TABLE} y ON y.contribution_id = c.id AND y.partner_id > x.partner_id
        WHERE {_in_range(a, b)}
        GROUP BY 1, 2, 3, 4"""


def _measured(a: str, b: str) -> str:
    """The validated contributions toward a money or quantity objective, with their measure."""
    return f"""
        SELECT c.id, c.objective_id, c.mission_id, c.corrects_id, date_trunc('month', c.date)::date AS month,
               CASE WHEN o.metric = '{GAME_METRICS[0]}' THEN c.value ELSE COALESCE(c.quantity, 0) END AS measure
        FROM {C_TABLE} c JOIN {O_TABLE} o ON o.id = c.objective_id
        WHERE {_in_range(a, b)} AND o.metric IN {GAME_METRICS!r}"""


def _game_sql(a: str, b: str) -> str:
    # A correction's root is the first contribution of its chain (a walk up `corrects`, over the
    # corrections only); a contribution with a validated correction, or a negative one, is its own root.
    return f"""
        SELECT g.month, g.objective_id, g.mission_id, g.root, sets.partners, sets.weights, SUM(g.measure)
        FROM (
            WITH RECURSIVE measured AS ({_measured(a, b)}),
            up AS (
                SELECT id, corrects_id AS root, 1 AS depth FROM measured WHERE corrects_id IS NOT NULL
                UNION ALL
                SELECT up.id, c.corrects_id, up.depth + 1
                FROM up JOIN {C_TABLE} c ON c.id = up.root WHERE c.corrects_id IS NOT NULL
            ),
            roots AS (SELECT DISTINCT ON (id) id, root FROM up ORDER BY id, depth DESC)
            SELECT m.*, CASE
                WHEN r.root IS NOT NULL THEN r.root
                WHEN m.measure < 0 OR EXISTS (
                    SELECT 1 FROM {C_TABLE} x WHERE x.corrects_id = m.id AND x.status = '{VALIDATED}'
                ) THEN m.id
            END AS root
            FROM measured m LEFT JOIN roots r ON r.id = m.id
        ) g
        JOIN (
            SELECT s.contribution_id AS id, array_agg(s.partner_id ORDER BY s.partner_id) AS partners,
                   array_agg(s.weight ORDER BY s.partner_id) AS weights
            FROM {S_TABLE} s JOIN {C_TABLE} c ON c.id = s.contribution_id
            WHERE {_in_range(a, b)}
            GROUP BY s.contribution_id
        ) sets ON sets.id = g.id
        GROUP BY 1, 2, 3, 4, 5, 6"""


def _game_partner_sql(a: str, b: str) -> str:
    return f"""
        SELECT m.month, m.objective_id, m.mission_id, s.partner_id, SUM(s.weight * m.measure)
        FROM ({_measured(a, b)}) m JOIN {S_TABLE} s ON s.contribution_id = m.id
        GROUP BY 1, 2, 3, 4"""


@dataclass(frozen=True)
class Grain:
    table: str
    columns: str  # in the order the SELECT gives them
    select: Any  # (start parameter name, end parameter name) -> SQL


GRAINS: dict[str, Grain] = {
    "partner": Grain(
        RollupPartner._meta.db_table,
        "month, mission_id, partner_id, value, solo, joint, shares, originals",
        _partner_sql,
    ),
    "kind": Grain(RollupKind._meta.db_table, "month, mission_id, kind, role, value", _kind_sql),
    "count": Grain(RollupCount._meta.db_table, "month, mission_id, roles, contributions", _count_sql),
    "pair": Grain(RollupPair._meta.db_table, "month, mission_id, partner_a, partner_b, value, originals", _pair_sql),
    "game": Grain(
        RollupGame._meta.db_table, "month, objective_id, mission_id, root, partners, weights, measure", _game_sql
    ),
    "game_partner": Grain(
        RollupGamePartner._meta.db_table, "month, objective_id, mission_id, partner_id, linear", _game_partner_sql
    ),
}


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def month_spans(months: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Runs of consecutive months (first days), as (first day, last day of the run)."""
    spans: list[tuple[dt.date, dt.date]] = []
    for month in sorted(set(months)):
        if spans and spans[-1][1] + dt.timedelta(days=1) == month:
            spans[-1] = (spans[-1][0], _month_end(month))
        else:
            spans.append((month, _month_end(month)))
    return spans


def refresh() -> list[dt.date]:
    """Rebuild the roll-ups of the months noted as changed; returns those months (oldest first).

    One transaction, under a transaction-level advisory lock of the schema, so
    two refreshes never interleave. Needs the tenant's schema on the connection.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('value-rollups:' || current_schema()))")
        cursor.execute(f"DELETE FROM {RollupDirty._meta.db_table} RETURNING month")
        months = sorted({row[0] for row in cursor.fetchall()})
        if not months:
            return []
        for grain in GRAINS.values():
            cursor.execute(f"DELETE FROM {grain.table} WHERE month = ANY(%(months)s)", {"months": months})
            for start, end in month_spans(months):
                cursor.execute(
                    f"INSERT INTO {grain.table} ({grain.columns}) {grain.select('a', 'b')}", {"a": start, "b": end}
                )
        cursor.execute("ANALYZE " + ", ".join(g.table for g in GRAINS.values()))
    return months


def source(grain: str, start: dt.date, end: dt.date, tag: str) -> tuple[str, dict[str, Any]]:
    """A parenthesised SELECT of the grain's rows for the days [start, end], and its parameters.

    The stored rows of the months wholly inside; for the days of a month cut by
    the period, the grain's SELECT over those days (so those rows' `month` is
    still the month's first day). `tag` keeps the parameter names apart when a
    query reads several sources.
    """
    g = GRAINS[grain]
    first_whole = start if start.day == 1 else _month_end(start) + dt.timedelta(days=1)
    last_whole = end if end == _month_end(end) else end.replace(day=1) - dt.timedelta(days=1)
    parts: list[str] = []
    params: dict[str, Any] = {}
    if STORED and first_whole <= last_whole:
        parts.append(f"SELECT {g.columns} FROM {g.table} WHERE month BETWEEN %({tag}_m1)s AND %({tag}_m2)s")
        params.update({f"{tag}_m1": first_whole, f"{tag}_m2": last_whole})
        edges = [(start, first_whole - dt.timedelta(days=1)), (last_whole + dt.timedelta(days=1), end)]
    else:
        edges = [(start, end)]
    for number, (a, b) in enumerate(edges):
        if a <= b:
            names = (f"{tag}_e{number}a", f"{tag}_e{number}b")
            parts.append(f"SELECT * FROM ({g.select(*names)}) AS edge{number} ({g.columns})")
            params.update(dict(zip(names, (a, b), strict=True)))
    if not parts:  # an empty period cannot happen (Scope refuses it); keep the SQL valid anyway
        parts.append(f"SELECT {g.columns} FROM {g.table} WHERE FALSE")
    return "(" + " UNION ALL ".join(f"({part})" for part in parts) + ")", params
