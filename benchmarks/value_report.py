"""A value report over 1,000,000 validated contributions, against the raw aggregate, in one run.

    make bench      (or: eval "$(python scripts/dev.py env)"; python benchmarks/value_report.py)

In a database of its own, one tenant with 5,000 partners (the seven roles in
turn), 50 missions of 100 participants each (partner i takes part in mission
i mod 50), each with one money objective, and 1,000,000 validated
contributions over 24 months (2025-01-01 to 2026-12-31), seeded with
`INSERT ... SELECT generate_series` in ten transactions of 100,000 (the
database checks at each commit that every contribution's weights add up to 1).
One in five is joint: 2, 3 or 4 partners of the same mission working in a
standing team (consecutive participants), weights split equally with the
remainder on the first (0.333334 + 0.333333 + 0.333333). Each objective's
target is 60 % of its mission's validated total, so it binds and the fair
shares are sampled. Then ANALYZE. The inserts noted their 24 months for the
roll-ups (value/rollups.py); the benchmark rebuilds them once, as beat does
every few minutes while contributions are validated, and prints how long that
took and how long one month's rebuild takes. Then:

(a) the report over the 24 months, every mission and role, end to end through
    the task: `services.report_request` in the tenant, then
    `tasks.compute_report(pk)` called in-process (no worker needed for timing;
    the message `report_request` sends goes to a throw-away queue that no worker
    reads), in a child process that does only that;
    (its refresh finds the roll-ups current); (a') the same with one month
    changed since the last refresh (the task rebuilds it first);
(b) the raw `SUM(value * weight) GROUP BY partner` over the same rows (median);
(c) their ratio (goal <= 3);
(d) the peak memory (ru_maxrss) of that child process (goal <= 500 MB);
(e) the fair shares of a 200-participant mission with 300 joint sets at
    ±1 % / 95 % (goal <= 2 s; the mission of benchmarks/shapley.py).
"""

from __future__ import annotations

import statistics
import sys
import time

from _common import ROOT, job_bench_main, job_in_child, time_job

SCHEMA = "bench"
PERIOD = ("2025-01-01", "2026-12-31")
DAYS = 730
MISSIONS = 50
KINDS = ["revenue_sourced", "revenue_influenced", "referral", "content", "training", "co_development", "in_kind"]

RAW_SQL = """
    SELECT s.partner_id, SUM(c.value * s.weight)
    FROM missions_contribution c JOIN missions_share s ON s.contribution_id = c.id
    WHERE c.status = 'validated' AND c.date BETWEEN %(start)s AND %(end)s
    GROUP BY s.partner_id
"""

# Contribution i (explicit id i): mission i mod 50; its first partner the participant number
# (i / 50) mod per_mission of that mission; joint when i mod 5 = 0, with 2 + (i / 5) mod 3 partners
# (the next participants of the same mission).
CONTRIBUTIONS_SQL = """
    INSERT INTO missions_contribution
        (id, mission_id, objective_id, partner_id, kind, description, value, quantity, date, status,
         evidence_url, evidence_file, external_id, rejection_reason, created_at, updated_at)
    SELECT i, (%(missions)s::bigint[])[1 + i %% 50], (%(objectives)s::bigint[])[1 + i %% 50],
           (%(partners)s::bigint[])[1 + i %% 50 + 50 * ((i / 50) %% %(per_mission)s)],
           (%(kinds)s::text[])[1 + (i / 7) %% 7], '', ((i * 7919) %% 100000 / 100.0 + 1)::numeric(14, 2), NULL,
           DATE '2025-01-01' + ((i * 31) %% 730)::int, 'validated', '', '', NULL, '', now(), now()
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i
"""
SHARES_SQL = """
    INSERT INTO missions_share (contribution_id, partner_id, weight, state, created_at)
    SELECT i, (%(partners)s::bigint[])[1 + i %% 50 + 50 * (((i / 50) + t) %% %(per_mission)s)],
           CASE WHEN t = 0 THEN 1 - (n - 1) * trunc(1.0 / n, 6) ELSE trunc(1.0 / n, 6) END,
           'confirmed', now()
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i
    CROSS JOIN LATERAL (SELECT CASE WHEN i %% 5 = 0 THEN 2 + (i / 5) %% 3 ELSE 1 END AS n) AS size
    CROSS JOIN LATERAL generate_series(0, size.n - 1) AS t
"""


def seed(args) -> dict:
    import datetime as dt

    from django.db import connection, transaction

    from ecosystem.accounts.models import User
    from ecosystem.missions.models import Mission, Objective
    from partners.models import ParticipantRole, Partner

    roles = list(ParticipantRole.values)
    partners = Partner.objects.bulk_create(
        [Partner(name=f"Partner {i:05d}", role=roles[i % len(roles)], status="active") for i in range(args.partners)],
        batch_size=2000,
    )
    manager = User.objects.create_user("manager@bench.test", "bench-pass-42x", role="manager")
    missions = Mission.objects.bulk_create(
        [
            Mission(title=f"Mission {m:02d}", owner=manager, start=dt.date(2025, 1, 1), end=dt.date(2026, 12, 31),
                    status="active")
            for m in range(MISSIONS)
        ]
    )  # fmt: skip
    objectives = Objective.objects.bulk_create(
        [Objective(mission=m, title="Financed", metric="value", target=1, due=dt.date(2026, 12, 31)) for m in missions]
    )
    params = {
        "missions": [m.pk for m in missions], "objectives": [o.pk for o in objectives],
        "partners": [p.pk for p in partners], "per_mission": args.partners // MISSIONS, "kinds": KINDS,
    }  # fmt: skip
    step = 100_000
    for first in range(1, args.contributions + 1, step):
        last = min(first + step - 1, args.contributions)
        # One transaction per slice: the deferred check sees each contribution with all its shares.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(CONTRIBUTIONS_SQL, {**params, "first": first, "last": last})
            cursor.execute(SHARES_SQL, {**params, "first": first, "last": last})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('missions_contribution', 'id'), %s)", [args.contributions]
        )
        # A binding target: 60 % of the mission's validated total.
        cursor.execute(
            """
            UPDATE missions_objective o SET target = round(t.total * 0.6, 2)
            FROM (SELECT objective_id, sum(value) AS total FROM missions_contribution
                  WHERE status = 'validated' GROUP BY objective_id) t
            WHERE t.objective_id = o.id
            """
        )
        cursor.execute("SELECT count(*) FROM missions_share")
        shares = cursor.fetchone()[0]
        cursor.execute("ANALYZE")
    return {"shares": shares}


def raw_sql() -> float:
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(RAW_SQL, {"start": PERIOD[0], "end": PERIOD[1]})
        cursor.fetchall()
    return time.perf_counter() - start


def child() -> None:
    """Only the report: request it in the tenant, compute it in-process; print time and peak memory."""
    from ecosystem.value import services, tasks

    time_job(
        lambda: services.report_request(actor=None, data={"period_start": PERIOD[0], "period_end": PERIOD[1]})[0],
        tasks.compute_report,
        lambda report: {
            "rows": report.rows.count(), "pairs": report.pairs.count(), "total": report.summary.get("total_value")
        },
    )  # fmt: skip


def shapley_seconds() -> tuple[float, int]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from shapley import mission

    from ecosystem.value.shapley import fair_shares

    participants, sets, target = mission(200, 300, seed=7)
    fair_shares(participants, sets, target)  # warm-up
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = fair_shares(participants, sets, target)
        times.append(time.perf_counter() - start)
    return min(times), result.permutations


def main() -> None:
    job_bench_main(__doc__, database="bench_value", tenant=SCHEMA, child=child, run=run,
                   partners=5_000, contributions=1_000_000, repeat=5)  # fmt: skip


def run(args, env: dict) -> None:
    import datetime as dt

    from django_tenants.utils import schema_context

    with schema_context(SCHEMA):
        started = time.perf_counter()
        seeded = seed(args)
        print(f"seeded {args.contributions:,} contributions ({seeded['shares']:,} shares) "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        from ecosystem.value import rollups
        from ecosystem.value.models import RollupDirty

        started = time.perf_counter()
        months = rollups.refresh()
        built = time.perf_counter() - started
        RollupDirty.objects.create(month=dt.date(2026, 6, 1))
        started = time.perf_counter()
        rollups.refresh()
        one_month = time.perf_counter() - started
        print(f"roll-ups built for {len(months)} months in {built:.1f} s; one month rebuilt in {one_month:.2f} s")
        raw_sql()  # warm the cache
        raw = statistics.median(raw_sql() for _ in range(args.repeat))
    from django.db import connections

    connections.close_all()
    report = job_in_child(__file__, env, "value-bench")
    assert report["status"] == "done", report
    with schema_context(SCHEMA):
        RollupDirty.objects.create(month=dt.date(2026, 6, 1))
    connections.close_all()
    report_changed = job_in_child(__file__, env, "value-bench")
    assert report_changed["status"] == "done", report_changed
    print(f"report: {report['seconds']:.2f} s, {report['rows']:,} scorecard rows, {report['pairs']:,} pairs, "
          f"total {report['total']}")  # fmt: skip
    with schema_context(SCHEMA):
        raw_after = statistics.median(raw_sql() for _ in range(args.repeat))
    raw = min(raw, raw_after)
    shapley, permutations = shapley_seconds()
    ratio = report["seconds"] / raw
    memory_mb = report["maxrss_kb"] / 1024

    print()
    print(f"| measure ({args.contributions:,} contributions, {args.partners:,} partners, {MISSIONS} missions, "
          f"24 months) | figure | goal |")  # fmt: skip
    print("|---|---|---|")
    print(f"| (a) report end to end through the task (in-process) | {report['seconds']:.2f} s | |")
    print(f"| (a') the same, one month changed since beat's last refresh | {report_changed['seconds']:.2f} s | |")
    print(f"| (b) raw SUM(value x weight) GROUP BY partner | {raw:.2f} s | |")
    print(f"| (c) ratio (a) / (b) | {ratio:.2f} | <= 3 |")
    print(f"| (d) peak memory of the process computing the report | {memory_mb:.0f} MB | <= 500 MB |")
    print(f"| (e) fair shares, 200 participants, 300 joint sets, ±1 % / 95 % ({permutations:,} permutations) "
          f"| {shapley:.2f} s | <= 2 s |")  # fmt: skip
    print("GOALS MET" if ratio <= 3 and memory_mb <= 500 and shapley <= 2 else "GOAL MISSED")


if __name__ == "__main__":
    main()
