"""Evaluating a rule book over the partners: one SQL statement per rule, over every partner at once.

Each rule's statement gives one row per partner in its scope (the active
partners whose role and tier match both the rule's and the review's scope):
the outcome (`pass`, or the rule's severity; `warn` for an agreement about to
expire), the measured value, the threshold, and a note when there was nothing
to measure. What each kind measures, at the period's end `E`:

- `min_contribution`: the partner's validated linear value Σ weight * value
  over the period (the value roll-ups), >= `per_tier[tier]` or `min_value`;
- `max_share`: that value as a percentage of the whole ecosystem's, <= `max_percent`;
- `agreement_valid`: the latest end of its agreements signed by `E` (none: no
  end) is `E` or later; `warn` when it is `warn_days` days after `E` or sooner.
  Measured: the days from `E` to that end;
- `recent_activity`: its latest validated contribution (any share of one)
  dated by `E` is within the last `days` days (after `E - days`). Measured: the
  days since it;
- `commitment_met`: its numeric commitments (active participations with a
  target) reached by `E`, measured by the missions app's own selector
  (`participations_with_commitment_progress`). Measured: how many are met, of how many;
- `pending_confirmations`: none of its shares of a contribution awaiting
  confirmation, created by `E`, has waited more than `days` days at `E`.
  Measured: the longest wait.

The rows go to a temporary table (`gov_found`) as the rules are evaluated;
`store` moves them into the review's findings in the caller's transaction.
Rule parameters and scopes are checked by the services before they are
stored and are re-read here as numbers and identifiers, so they are written
into the SQL as literals; the rest are query parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F

from ecosystem.missions.models import Contribution, Participation, Share
from ecosystem.missions.selectors import participations_with_commitment_progress
from ecosystem.value import rollups
from partners.models import Agreement, Partner

from .models import Finding, Review, Rule

P_TABLE = Partner._meta.db_table
A_TABLE = Agreement._meta.db_table
C_TABLE = Contribution._meta.db_table
S_TABLE = Share._meta.db_table
F_TABLE = Finding._meta.db_table
VALIDATED = Contribution.Status.VALIDATED.value
AWAITING = Contribution.Status.AWAITING_CONFIRMATION.value
PENDING_SHARE = Share.State.PENDING.value
ACTIVE = Partner.Status.ACTIVE.value
NEVER = "9999-12-31"
COLUMNS = "partner_id, rule_id, outcome, measured, threshold, note"


def _number(raw: Any) -> str:
    number = Decimal(str(raw))
    if not number.is_finite():  # checked by the services before it was stored; never written into SQL otherwise
        raise ValueError(f"not a finite number: {raw!r}")
    return str(number)


def _day(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def _in(column: str, values: list[Any], kind: Callable[[Any], str]) -> str:
    return f"{column} IN ({', '.join(kind(v) for v in values)})"


def _role(raw: Any) -> str:
    if not (isinstance(raw, str) and raw.isidentifier()):  # a role is a choice's value: letters and underscores
        raise ValueError(f"not a role: {raw!r}")
    return f"'{raw}'"


def scope_sql(rule: Rule, review: Review) -> str:
    """The partners a rule applies to in a review: active, of the roles and tiers of both scopes."""
    conditions = [f"p.status = '{ACTIVE}'"]
    for roles in (rule.roles, review.roles):
        if roles:
            conditions.append(_in("p.role", list(roles), _role))
    for tiers in (rule.tiers, review.tiers):
        if tiers:
            conditions.append(_in("p.tier_id", list(tiers), lambda t: str(int(t))))
    return f"SELECT p.id, p.tier_id FROM {P_TABLE} p WHERE {' AND '.join(conditions)}"


def _outcome(passes: str, rule: Rule) -> str:
    severity = Rule.Severity(rule.severity).value
    return f"CASE WHEN {passes} THEN 'pass' ELSE '{severity}' END"


def _value_by_partner(review: Review) -> tuple[str, dict[str, Any]]:
    source, params = rollups.source("partner", review.period_start, review.period_end, "v")
    return f"SELECT partner_id, SUM(value) AS v FROM {source} AS src GROUP BY partner_id", params


def _min_contribution(rule: Rule, review: Review) -> tuple[str, Any]:
    values, params = _value_by_partner(review)
    default = _number(rule.params["min_value"])
    per_tier = rule.params.get("per_tier") or {}
    if per_tier:
        cases = " ".join(f"WHEN {int(tier)} THEN {_number(amount)}" for tier, amount in per_tier.items())
        threshold = f"(CASE s.tier_id {cases} ELSE {default} END)::numeric"
    else:
        threshold = f"{default}::numeric"
    measured = "COALESCE(v.v, 0)"
    sql = f"""
        WITH scope AS ({scope_sql(rule, review)}), value AS ({values})
        SELECT s.id, {rule.pk}, {_outcome(f"{measured} >= t.threshold", rule)}, round({measured}, 2), t.threshold, ''
        FROM scope s LEFT JOIN value v ON v.partner_id = s.id
        CROSS JOIN LATERAL (SELECT {threshold} AS threshold) t"""
    return sql, params


def _max_share(rule: Rule, review: Review) -> tuple[str, Any]:
    values, params = _value_by_partner(review)
    limit = _number(rule.params["max_percent"])
    sql = f"""
        WITH scope AS ({scope_sql(rule, review)}), value AS ({values}), total AS (SELECT SUM(v) AS t FROM value)
        SELECT s.id, {rule.pk}, {_outcome(f"x.share <= {limit}", rule)}, round(x.share, 4), {limit}, ''
        FROM scope s LEFT JOIN value v ON v.partner_id = s.id CROSS JOIN total
        CROSS JOIN LATERAL (
            SELECT CASE WHEN COALESCE(total.t, 0) <= 0 THEN 0 ELSE COALESCE(v.v, 0) * 100 / total.t END AS share
        ) x"""
    return sql, params


def _agreement_valid(rule: Rule, review: Review) -> tuple[str, Any]:
    end, warn = _day(review.period_end), int(rule.params["warn_days"])
    severity = Rule.Severity(rule.severity).value
    sql = f"""
        WITH scope AS ({scope_sql(rule, review)}),
        agreed AS (
            SELECT partner_id, MAX(COALESCE(expires_on, DATE '{NEVER}')) AS until
            FROM {A_TABLE} WHERE signed_on <= {end} GROUP BY partner_id
        )
        SELECT s.id, {rule.pk},
               CASE WHEN a.until IS NULL OR a.until < {end} THEN '{severity}'
                    WHEN a.until <= {end} + {warn} THEN 'warn' ELSE 'pass' END,
               CASE WHEN a.until IS NULL OR a.until = DATE '{NEVER}' THEN NULL ELSE a.until - {end} END,
               {warn},
               CASE WHEN a.until IS NULL THEN 'no_agreement' WHEN a.until = DATE '{NEVER}' THEN 'never_expires'
                    ELSE '' END
        FROM scope s LEFT JOIN agreed a ON a.partner_id = s.id"""
    return sql, None


def _recent_activity(rule: Rule, review: Review) -> tuple[str, Any]:
    end, days = _day(review.period_end), int(rule.params["days"])
    sql = f"""
        WITH scope AS ({scope_sql(rule, review)}),
        latest AS (
            SELECT sh.partner_id, MAX(c.date) AS day
            FROM {S_TABLE} sh JOIN {C_TABLE} c ON c.id = sh.contribution_id
            WHERE c.status = '{VALIDATED}' AND c.date <= {end}
            GROUP BY sh.partner_id
        )
        SELECT s.id, {rule.pk}, {_outcome(f"l.day > {end} - {days}", rule)}, {end} - l.day, {days},
               CASE WHEN l.day IS NULL THEN 'no_activity' ELSE '' END
        FROM scope s LEFT JOIN latest l ON l.partner_id = s.id"""
    return sql, None


def _commitment_met(rule: Rule, review: Review) -> tuple[str, Any]:
    committed = (
        participations_with_commitment_progress(
            Participation.objects.filter(
                state=Participation.State.ACTIVE, commitment_target__isnull=False,
                commitment_objective__isnull=False,
            ),
            until=review.period_end,
        )
        .annotate(metric=F("commitment_objective__metric"))
        .order_by()
        .values("partner_id", "commitment_target", "metric", "committed_value", "committed_quantity",
                "committed_count")
    )  # fmt: skip
    inner, params = committed.query.sql_with_params()
    achieved = ("CASE metric WHEN 'value' THEN committed_value WHEN 'quantity' THEN committed_quantity "
                "WHEN 'count' THEN committed_count ELSE 0 END")  # fmt: skip
    sql = f"""
        WITH scope AS ({scope_sql(rule, review)}),
        committed AS ({inner}),
        per AS (
            SELECT partner_id, COUNT(*) AS total, COUNT(*) FILTER (WHERE {achieved} >= commitment_target) AS met
            FROM committed GROUP BY partner_id
        )
        SELECT s.id, {rule.pk}, {_outcome("COALESCE(per.met, 0) = COALESCE(per.total, 0)", rule)},
               COALESCE(per.met, 0), COALESCE(per.total, 0),
               CASE WHEN per.total IS NULL THEN 'no_commitment' ELSE '' END
        FROM scope s LEFT JOIN per ON per.partner_id = s.id"""
    return sql, list(params)


def _pending_confirmations(rule: Rule, review: Review) -> tuple[str, Any]:
    end, days = _day(review.period_end), int(rule.params["days"])
    zone = settings.TIME_ZONE
    assert all(ch.isalnum() or ch in "/_-+" for ch in zone)
    created = f"(sh.created_at AT TIME ZONE '{zone}')::date"
    sql = f"""
        WITH scope AS ({scope_sql(rule, review)}),
        waiting AS (
            SELECT sh.partner_id, MAX({end} - {created}) AS age
            FROM {S_TABLE} sh JOIN {C_TABLE} c ON c.id = sh.contribution_id
            WHERE sh.state = '{PENDING_SHARE}' AND c.status = '{AWAITING}' AND {created} <= {end}
            GROUP BY sh.partner_id
        )
        SELECT s.id, {rule.pk}, {_outcome(f"w.age IS NULL OR w.age <= {days}", rule)}, w.age, {days},
               CASE WHEN w.age IS NULL THEN 'no_pending' ELSE '' END
        FROM scope s LEFT JOIN waiting w ON w.partner_id = s.id"""
    return sql, None


STATEMENTS: dict[str, Callable[[Rule, Review], tuple[str, Any]]] = {
    Rule.Kind.MIN_CONTRIBUTION: _min_contribution,
    Rule.Kind.MAX_SHARE: _max_share,
    Rule.Kind.AGREEMENT_VALID: _agreement_valid,
    Rule.Kind.RECENT_ACTIVITY: _recent_activity,
    Rule.Kind.COMMITMENT_MET: _commitment_met,
    Rule.Kind.PENDING_CONFIRMATIONS: _pending_confirmations,
}


def statement(rule: Rule, review: Review) -> tuple[str, Any]:
    """The SELECT of one rule's rows (partner, rule, outcome, measured, threshold, note) and its parameters."""
    return STATEMENTS[rule.kind](rule, review)


def evaluate(review: Review, rules: list[Rule], progress: Callable[[int], None]) -> None:
    """Every rule over every partner in scope, into the temporary table `gov_found` (emptied first).
    Needs the tenant's schema on the connection; `progress(percent)` after each rule."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS gov_found (partner_id bigint, rule_id bigint, outcome text, "
            "measured numeric, threshold numeric, note text)"
        )
        cursor.execute("TRUNCATE gov_found")
        for done, rule in enumerate(rules, start=1):
            sql, params = statement(rule, review)
            cursor.execute(f"INSERT INTO gov_found ({COLUMNS}) {sql}", params)
            progress(5 + 90 * done // max(1, len(rules)))


def store(review: Review) -> dict[str, Any]:
    """The rows of `gov_found` as the review's findings (any earlier ones replaced); the summary.
    In the caller's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {F_TABLE} WHERE review_id = %s", [review.pk])
        cursor.execute(
            f"INSERT INTO {F_TABLE} (review_id, {COLUMNS}) SELECT %s, {COLUMNS} FROM gov_found", [review.pk]
        )
        cursor.execute(
            "SELECT COUNT(DISTINCT partner_id), COUNT(*) FILTER (WHERE outcome = 'pass'), "
            "COUNT(*) FILTER (WHERE outcome = 'warn'), COUNT(*) FILTER (WHERE outcome = 'fail'), "
            "COUNT(DISTINCT partner_id) FILTER (WHERE outcome = 'fail') FROM gov_found"
        )
        partners, passed, warned, failed, failing = cursor.fetchone()
        cursor.execute("TRUNCATE gov_found")
    return {"partners": partners, "pass": passed, "warn": warned, "fail": failed, "partners_failing": failing}
