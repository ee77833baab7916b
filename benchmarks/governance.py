"""A governance review of 10,000 partners x 6 rules, end to end through the task, against the raw SQL it rests on.

    eval "$(python scripts/dev.py env)"; python benchmarks/governance.py [--partners N --contributions N]

In a database of its own, one tenant seeded as benchmarks/value_report.py seeds
it (here 10,000 active partners, the seven roles in turn, 50 missions, 200,000
validated contributions over 24 months, one in five joint; `INSERT ... SELECT
generate_series`), and then, with `INSERT ... SELECT` too:

- one agreement per partner but one in ten, signed in 2024, ending between
  2026-10 and 2027-05 (one in seven without an end);
- every partner taking part in its mission (partner i in mission i mod 50),
  one in two with a numeric commitment toward the mission's money objective;
- one joint contribution in 97 awaiting confirmation, its co-contributors'
  shares pending.

The roll-ups are built once (as beat keeps them), then the rule book gets six
rules, one of each kind, through the services. Then:

(a) the review of 2026 (every partner, every rule) end to end through the task:
    `services.review_request` in the tenant, then `tasks.run_review(pk)`
    in-process, in a child process that does only that (the message the
    request sends goes to a queue no worker reads);
(b) the raw SQL it rests on: the six rules' SELECTs (`evaluation.statement`),
    run as they are, one after the other (median of --repeat runs);
(c) their ratio; goal: (a) <= 10 s.
"""

from __future__ import annotations

import statistics
import sys
import time

from _common import ROOT, job_bench_main, job_in_child, time_job

SCHEMA = "bench"
PERIOD = ("2026-01-01", "2026-12-31")

AGREEMENTS_SQL = """
    INSERT INTO partners_agreement (partner_id, kind, reference, signed_on, expires_on, document, created_at)
    SELECT id, 'partnership', 'A-' || id, DATE '2024-01-01',
           CASE WHEN id % 7 = 0 THEN NULL ELSE DATE '2026-10-01' + (id % 240)::int END, '', now()
    FROM partners_partner WHERE id % 10 <> 0
"""
PARTICIPATIONS_SQL = """
    INSERT INTO missions_participation
        (mission_id, partner_id, role, state, commitment, commitment_objective_id, commitment_target, reason,
         answered_on_behalf, created_at, updated_at)
    SELECT o.mission_id, p.id, 'contributor', 'active', '',
           CASE WHEN p.id % 2 = 0 THEN o.id END, CASE WHEN p.id % 2 = 0 THEN 500 + (p.id % 5) * 200 END,
           '', false, now(), now()
    FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM partners_partner) p
    JOIN (SELECT id, mission_id, row_number() OVER (ORDER BY id) - 1 AS m FROM missions_objective) o
      ON o.m = p.i % 50
"""
PENDING_SQL = [
    """UPDATE missions_contribution SET status = 'awaiting_confirmation'
       WHERE id % 97 = 0 AND id % 5 = 0 AND date >= DATE '2026-06-01'""",
    """UPDATE missions_share s SET state = 'pending', created_at = c.date::timestamptz
       FROM missions_contribution c
       WHERE c.id = s.contribution_id AND c.status = 'awaiting_confirmation' AND s.partner_id <> c.partner_id""",
]
RULES = [
    ("Minimum contribution", "min_contribution", {"min_value": "2000"}),
    ("Concentration", "max_share", {"max_percent": "0.05"}),
    ("Agreement", "agreement_valid", {"warn_days": 60}),
    ("Activity", "recent_activity", {"days": 30}),
    ("Commitments", "commitment_met", {}),
    ("Confirmations", "pending_confirmations", {"days": 14}),
]


def seed(args) -> dict:
    sys.path.append(str(ROOT / "benchmarks"))  # after the project: benchmarks/partners.py is no package
    import value_report
    from django.db import connection

    from ecosystem.accounts.models import User
    from governance import services

    seeded = value_report.seed(args)
    with connection.cursor() as cursor:
        cursor.execute(AGREEMENTS_SQL)
        cursor.execute(PARTICIPATIONS_SQL)
        for sql in PENDING_SQL:
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    reviewer = User.objects.create_user("reviewer@bench.test", "bench-pass-42x", role="reviewer")
    for name, kind, params in RULES:
        services.rule_create(actor=reviewer, data={"name": name, "kind": kind, "params": params})
    return seeded


def raw_sql() -> float:
    """The six rules' SELECTs as they are (no task, no temporary table, no transaction of results)."""
    import datetime as dt

    from django.db import connection

    from governance import evaluation
    from governance.models import Review
    from governance.selectors import rule_book_current

    book = rule_book_current()
    review = Review(book=book, period_start=dt.date.fromisoformat(PERIOD[0]),
                    period_end=dt.date.fromisoformat(PERIOD[1]))  # fmt: skip
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for rule in book.rules.order_by("key"):
            sql, params = evaluation.statement(rule, review)
            cursor.execute(sql, params)
            cursor.fetchall()
    return time.perf_counter() - start


def child() -> None:
    """Only the review: request it in the tenant, run it in-process; print the time and what it found."""
    from ecosystem.accounts.models import User
    from governance import services, tasks

    reviewer = User.objects.get(email="reviewer@bench.test")
    time_job(
        lambda: services.review_request(actor=reviewer, data={"period_start": PERIOD[0], "period_end": PERIOD[1]})[0],
        tasks.run_review,
        lambda review: {"summary": review.summary, "findings": review.findings.count()},
    )  # fmt: skip


def main() -> None:
    job_bench_main(__doc__, database="bench_governance", tenant=SCHEMA, child=child, run=run,
                   partners=10_000, contributions=200_000, repeat=3)  # fmt: skip


def run(args, env: dict) -> None:
    from django.db import connections
    from django_tenants.utils import schema_context

    from ecosystem.value import rollups

    with schema_context(SCHEMA):
        started = time.perf_counter()
        seeded = seed(args)
        seconds = time.perf_counter() - started
        print(f"seeded {args.partners:,} partners, {args.contributions:,} contributions ({seeded['shares']:,} "
              f"shares), agreements, commitments, pending shares in {seconds:.1f} s")  # fmt: skip
        started = time.perf_counter()
        months = rollups.refresh()
        print(f"roll-ups built for {len(months)} months in {time.perf_counter() - started:.1f} s")
        raw_sql()  # warm the cache
        raw = statistics.median(raw_sql() for _ in range(args.repeat))
    connections.close_all()
    review = job_in_child(__file__, env, "governance-bench")
    assert review["status"] == "done", review
    with schema_context(SCHEMA):
        raw = min(raw, statistics.median(raw_sql() for _ in range(args.repeat)))
    ratio = review["seconds"] / raw
    summary = review["summary"]
    print(f"review: {review['findings']:,} findings; pass {summary['pass']:,}, warn {summary['warn']:,}, "
          f"fail {summary['fail']:,}; {summary['partners_failing']:,} partners failing a rule")  # fmt: skip
    print()
    print(f"| measure ({args.partners:,} partners x {len(RULES)} rules, {args.contributions:,} contributions) "
          "| figure | goal |")  # fmt: skip
    print("|---|---|---|")
    print(f"| (a) review end to end through the task (in-process) | {review['seconds']:.2f} s | <= 10 s |")
    print(f"| (b) raw SQL: the six rules' SELECTs | {raw:.2f} s | |")
    print(f"| (c) ratio (a) / (b) | {ratio:.2f} | |")
    print("GOAL MET" if review["seconds"] <= 10 else "GOAL MISSED")


if __name__ == "__main__":
    main()
