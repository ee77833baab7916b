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
objective whose metric or mission changes; a TRUNCATE of the contributions or
shares notes every month stored (migration 0004). The triggers see every path
(services, the CRM batch's COPY, raw SQL), so the roll-ups cannot drift.
A month noted while a refresh runs stays noted for the next one (the refresh
deletes only the rows it read).

The report task refreshes first, so a report is always as current as the
contributions; beat refreshes every tenant every few minutes
(`tasks.refresh_rollups_everywhere`) so that the report finds little to do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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

__all__ = ["GRAINS", "base_sql", "month_spans", "refresh", "source"]

# False: `source` reads every month live, as it reads the days of a cut month (the tests compare both).
STORED = True

C_TABLE = Contribution._meta.db_table
S_TABLE = Share._meta.db_table
P_TABLE = Partner._meta.db_table
O_TABLE = Objective._meta.db_table
VALIDATED = Contribution.Status.VALIDATED.value
GAME_METRICS = (Objective.Metric.VALUE.value, Objective.Metric.QUANTITY.value)
assert VALIDATED.isidentifier() and all(m.isidentifier() for m in GAME_METRICS)  # safe to write into SQL


def base_sql(a: str, b: str) -> str:
    """Every share of a validated contribution dated in [%(a)s, %(b)s], with what the grains need: its
    contribution's month, value, kind, mission, objective and correction, its partner's role, how many
    shares the contribution has (`n`), and the contribution's measure toward a money or quantity
    objective (NULL toward another or none)."""
    return f"""
        SELECT c.id, c.mission_id, c.kind, c.objective_id, c.corrects_id,
               date_trunc('month', c.date)::date AS month, c.value, s.partner_id, s.weight, p.role,
               count(*) OVER (PARTITION BY c.id) AS n,
               CASE o.metric WHEN '{GAME_METRICS[0]}' THEN c.value
                             WHEN '{GAME_METRICS[1]}' THEN COALESCE(c.quantity, 0) END AS measure
        FROM {C_TABLE} c
        JOIN {S_TABLE} s ON s.contribution_id = c.id
        JOIN {P_TABLE} p ON p.id = s.partner_id
        LEFT JOIN {O_TABLE} o ON o.id = c.objective_id
        WHERE c.status = '{VALIDATED}' AND c.date BETWEEN %({a})s AND %({b})s"""


# Each grain is a query over `base` (the SELECT above, or the table a refresh made of it).


def _partner_sql(base: str) -> str:
    return f"""
        WITH base AS ({base})
        SELECT month, mission_id, partner_id, SUM(weight * value),
               COALESCE(SUM(weight * value) FILTER (WHERE n = 1), 0),
               COALESCE(SUM(weight * value) FILTER (WHERE n > 1), 0),
               COUNT(*), COUNT(*) FILTER (WHERE corrects_id IS NULL)
        FROM base
        GROUP BY month, mission_id, partner_id"""


def _kind_sql(base: str) -> str:
    return f"""
        WITH base AS ({base})
        SELECT month, mission_id, kind, role, SUM(weight * value) FROM base GROUP BY month, mission_id, kind, role"""


def _count_sql(base: str) -> str:
    return f"""
        WITH base AS ({base})
        SELECT month, mission_id, roles, COUNT(*)
        FROM (
            SELECT month, mission_id, array_agg(DISTINCT role ORDER BY role) AS roles
            FROM base WHERE corrects_id IS NULL
            GROUP BY id, month, mission_id
        ) contributions
        GROUP BY month, mission_id, roles"""


def _pair_sql(base: str) -> str:
    return f"""
        WITH base AS ({base})
        SELECT x.month, x.mission_id, x.partner_id, y.partner_id, SUM(x.value),
               COUNT(*) FILTER (WHERE x.corrects_id IS NULL)
        FROM base x JOIN base y ON y.id = x.id AND y.partner_id > x.partner_id
        WHERE x.n > 1
        GROUP BY x.month, x.mission_id, x.partner_id, y.partner_id"""


def _game_sql(base: str) -> str:
    # A correction's root is the first contribution of its chain (a walk up `corrects`, over the
    # corrections only); a contribution with a validated correction, or a negative one, is its own root.
    return f"""
        WITH RECURSIVE base AS ({base}),
        measured AS (
            SELECT id, objective_id, mission_id, corrects_id, month, measure,
                   array_agg(partner_id ORDER BY partner_id) AS partners,
                   array_agg(weight ORDER BY partner_id) AS weights
            FROM base WHERE measure IS NOT NULL
            GROUP BY id, objective_id, mission_id, corrects_id, month, measure
        ),
        up AS (
            SELECT id, corrects_id AS root, 1 AS depth FROM measured WHERE corrects_id IS NOT NULL
            UNION ALL
            SELECT up.id, c.corrects_id, up.depth + 1
            FROM up JOIN {C_TABLE} c ON c.id = up.root WHERE c.corrects_id IS NOT NULL
        ),
        roots AS (SELECT DISTINCT ON (id) id, root FROM up ORDER BY id, depth DESC)
        SELECT m.month, m.objective_id, m.mission_id,
               CASE
                   WHEN r.root IS NOT NULL THEN r.root
                   WHEN m.measure < 0 OR EXISTS (
                       SELECT 1 FROM {C_TABLE} x WHERE x.corrects_id = m.id AND x.status = '{VALIDATED}'
                   ) THEN m.id
               END,
               m.partners, m.weights, SUM(m.measure)
        FROM measured m LEFT JOIN roots r ON r.id = m.id
        GROUP BY 1, 2, 3, 4, 5, 6"""


def _game_partner_sql(base: str) -> str:
    return f"""
        WITH base AS ({base})
        SELECT month, objective_id, mission_id, partner_id, SUM(weight * measure)
        FROM base WHERE measure IS NOT NULL
        GROUP BY month, objective_id, mission_id, partner_id"""


@dataclass(frozen=True)
class Grain:
    table: str
    columns: str  # in the order the SELECT gives them
    select: Callable[[str], str]  # base SELECT -> the grain's SELECT


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
            # One read of the contributions per run of months, into a temporary table the grains add up.
            cursor.execute(f"CREATE TEMPORARY TABLE value_base ON COMMIT DROP AS {base_sql('a', 'b')}",
                           {"a": start, "b": end})  # fmt: skip
            cursor.execute("ANALYZE value_base")
            for grain in GRAINS.values():
                cursor.execute(f"INSERT INTO {grain.table} ({grain.columns}) {grain.select('TABLE value_base')}")
            cursor.execute("DROP TABLE value_base")
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
            parts.append(f"SELECT * FROM ({g.select(base_sql(*names))}) AS edge{number} ({g.columns})")
            params.update(dict(zip(names, (a, b), strict=True)))
    if not parts:  # an empty period cannot happen (Scope refuses it); keep the SQL valid anyway
        parts.append(f"SELECT {g.columns} FROM {g.table} WHERE FALSE")
    return "(" + " UNION ALL ".join(f"({part})" for part in parts) + ")", params
