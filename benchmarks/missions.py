"""A mission with 100,000 contributions, and the CRM batch, measured side by side in one run.

    make bench      (or: eval "$(python scripts/dev.py env)"; python benchmarks/missions.py)

In a database of its own, one tenant, one mission of 100,000 contributions
(a fifth of them joint, nine in ten validated) toward three objectives:
1. the staff mission page, the partner's portal mission page and the
   objectives API (progress of every objective), each against the raw
   aggregate SQL over the same rows (validated value, quantity, count and
   contributing partners per objective, and the mission's validated total),
   requests interleaved: medians and their ratio. Goal: ratio <= 3.
2. 10,000 contributions sent through `POST /api/contributions/batch/`, then
   the same batch again (nothing changes). Goal: <= 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import bench_database, query_count

# What the mission page shows, written by hand: every objective's validated value, quantity, count
# and contributing partners, and the mission's validated total, count and contributing partners.
RAW_SQL = [
    """
    SELECT c.objective_id, sum(c.value), sum(c.quantity), count(*) FILTER (WHERE c.corrects_id IS NULL),
           (SELECT count(DISTINCT s.partner_id) FROM missions_share s JOIN missions_contribution c2
              ON c2.id = s.contribution_id WHERE c2.objective_id = c.objective_id AND c2.status = 'validated')
    FROM missions_contribution c
    WHERE c.mission_id = %(mission)s AND c.status = 'validated'
    GROUP BY c.objective_id
    """,
    """
    SELECT sum(c.value), count(*) FILTER (WHERE c.corrects_id IS NULL),
           (SELECT count(DISTINCT s.partner_id) FROM missions_share s JOIN missions_contribution c2
              ON c2.id = s.contribution_id WHERE c2.mission_id = %(mission)s AND c2.status = 'validated')
    FROM missions_contribution c
    WHERE c.mission_id = %(mission)s AND c.status = 'validated'
    """,
]


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def get(client, path: str):
    def call():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    return call


def raw_sql(mission_id: int):
    from django.db import connection

    def call():
        with connection.cursor() as cursor:
            for statement in RAW_SQL:
                cursor.execute(statement, {"mission": mission_id})
                cursor.fetchall()

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--contributions", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args()
    with bench_database("bench_missions"):
        run(args)


def seed(args):
    from django.db import connection, transaction
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from ecosystem.accounts.models import User
    from ecosystem.missions import services
    from partners.models import Partner

    partners = Partner.objects.bulk_create(
        [Partner(name=f"Partner {i:03d}", role="supplier", status="active") for i in range(20)]
    )
    manager = User.objects.create_user("manager@bench.test", "bench-pass-42x", role="manager")
    sam = User.objects.create_user("sam@bench.test", "bench-pass-42x", role="partner_admin", partner=partners[0])
    mission = services.mission_create(
        actor=manager, data={"title": "Equip 500 rural clinics", "start": "2026-01-01", "end": "2027-12-31"}
    )
    for step in ("open", "active"):
        mission = services.mission_move(actor=manager, mission=mission, to=step)
    for partner in partners:
        invited = services.participation_invite(actor=manager, mission=mission, partner=partner)
        services.participation_answer(actor=manager, participation=invited, accept=True)
    objectives = [
        services.objective_create(actor=manager, mission=mission, data=data)
        for data in (
            {"title": "Financed", "metric": "value", "target": "50000000", "due": "2027-12-31"},
            {"title": "Clinics", "metric": "quantity", "target": "500000", "unit": "clinics", "due": "2027-12-31"},
            {"title": "Deals", "metric": "count", "target": "100000", "due": "2027-12-31"},
        )
    ]
    ids = [p.pk for p in partners]
    # One transaction: the database checks at commit that every contribution's weights add up to 1.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO missions_contribution
                (mission_id, objective_id, partner_id, kind, description, value, quantity, date, status,
                 evidence_url, evidence_file, external_id, rejection_reason, created_at, updated_at)
            SELECT %(mission)s, (%(objectives)s::bigint[])[1 + i %% 3], (%(partners)s::bigint[])[1 + i %% 20],
                   'revenue_sourced', '', (i %% 1000)::numeric, CASE WHEN i %% 3 = 1 THEN 1 + i %% 4 END,
                   DATE '2026-01-01' + (i %% 700), CASE WHEN i %% 10 = 0 THEN 'submitted' ELSE 'validated' END,
                   '', '', NULL, '', now(), now()
            FROM generate_series(1, %(rows)s) AS i
            """,
            {"mission": mission.pk, "objectives": [o.pk for o in objectives], "partners": ids,
             "rows": args.contributions},
        )  # fmt: skip
        cursor.execute(
            """
            INSERT INTO missions_share (contribution_id, partner_id, weight, state, created_at)
            SELECT c.id, c.partner_id, CASE WHEN c.id %% 5 = 0 THEN 0.5 ELSE 1 END, 'confirmed', now()
            FROM missions_contribution c
            UNION ALL
            SELECT c.id, (%(partners)s::bigint[])[1 + (c.id + 7) %% 20], 0.5, 'confirmed', now()
            FROM missions_contribution c WHERE c.id %% 5 = 0
            """,
            {"partners": ids},
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    staff = Client(HTTP_HOST="bench.localhost")
    staff.force_login(manager, backend="ecosystem.accounts.backends.AccountBackend")
    portal = Client(HTTP_HOST="bench.localhost")
    portal.force_login(sam, backend="ecosystem.accounts.backends.AccountBackend")
    api = Client(HTTP_HOST="bench.localhost", HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    return mission, objectives, partners, staff, portal, api


def batch_items(mission, objective, partners, count: int) -> list[dict]:
    return [
        {
            "mission": mission.pk, "partner": partners[i % 20].pk, "kind": "revenue_sourced", "value": f"{i % 900}.50",
            "date": f"2027-{1 + i % 12:02d}-{1 + i % 28:02d}", "objective": objective.pk, "external_id": f"CRM-{i}",
            **({"contributors": [{"partner": partners[i % 20].pk}, {"partner": partners[(i + 1) % 20].pk}]}
               if i % 5 == 0 else {}),
        }
        for i in range(count)
    ]  # fmt: skip


def run(args) -> None:
    from django_tenants.utils import schema_context

    from ecosystem.tenancy.services import orchestrator_signup, public_tenant_ensure

    public_tenant_ensure()
    orchestrator_signup(name="Bench", slug="bench", email="admin@bench.test", password="bench-pass-42x")
    with schema_context("bench"):
        started = time.perf_counter()
        mission, objectives, partners, staff, portal, api = seed(args)
        print(f"seeded {args.contributions:,} contributions in {time.perf_counter() - started:.1f} s")
        measures = {
            "staff mission page": (staff, f"/missions/{mission.pk}/"),
            "portal mission page": (portal, f"/portal/missions/{mission.pk}/"),
            "objectives API": (api, f"/api/objectives/?mission={mission.pk}"),
        }
        results = {}
        for name, (client, path) in measures.items():
            page, sql = get(client, path), raw_sql(mission.pk)
            for _ in range(3):
                page(), sql()
            page_times, sql_times = [], []
            for _ in range(args.repeat):
                page_times.append(timed(page))
                sql_times.append(timed(sql))
            results[name] = (statistics.median(page_times), statistics.median(sql_times), query_count(client, path))
            print(f"{name:<22} {results[name][0]:7.1f} ms   raw SQL {results[name][1]:6.1f} ms")

        rows = batch_items(mission, objectives[0], partners, args.batch)
        started = time.perf_counter()
        first = api.post("/api/contributions/batch/", {"items": rows}, content_type="application/json")
        batch_seconds = time.perf_counter() - started
        assert first.status_code == 200 and first.json()["created"] == args.batch, first.content[:500]
        started = time.perf_counter()
        again = api.post("/api/contributions/batch/", {"items": rows}, content_type="application/json")
        resend_seconds = time.perf_counter() - started
        assert again.json()["unchanged"] == args.batch, again.content[:500]

    print()
    print(
        f"| measure ({args.contributions:,} contributions) | page | raw aggregate SQL | ratio (goal <= 3) | queries |"
    )
    print("|---|---|---|---|---|")
    worst = 0.0
    for name, (page_ms, sql_ms, queries) in results.items():
        ratio = page_ms / sql_ms
        worst = max(worst, ratio)
        print(f"| {name} | {page_ms:.1f} ms | {sql_ms:.1f} ms | {ratio:.2f} | {queries} |")
    print(f"| batch of {args.batch:,} contributions (creates them) | {batch_seconds:.2f} s | | goal <= 5 s | |")
    print(f"| the same batch again (nothing changes) | {resend_seconds:.2f} s | | | |")
    print("GOALS MET" if worst <= 3 and batch_seconds <= 5 else "GOAL MISSED")


if __name__ == "__main__":
    main()
