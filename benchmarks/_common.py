"""What the benchmarks share: a database of their own on DATABASE_URL's server, and a long job
(a value report, a governance review) timed in a child process of its own."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ecosystem.core.dbserver import database_url, server_connect  # noqa: E402  (needs ROOT on the path)


@contextmanager
def bench_database(suffix: str):
    """Create `<name>_<suffix>`, point this process (and children) at it, set
    Django up, and drop the database at the end."""
    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        sys.exit('DATABASE_URL is not set: run `make bench`, or eval "$(python scripts/dev.py env)" first.')
    name = urlsplit(base_url).path.lstrip("/") + f"_{suffix}"
    with server_connect(base_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DATABASE_URL": database_url(base_url, name),
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "false",
        "BASE_DOMAIN": "localhost",
        "DJANGO_SETTINGS_MODULE": "ecosystem.settings",
    }
    os.environ.update(env)
    try:
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate_schemas", "--shared", "-v", "0"],
            env=env, check=True, cwd=ROOT,
        )  # fmt: skip
        import django

        django.setup()
        yield env
    finally:
        from django.db import connections

        connections.close_all()
        with server_connect(base_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def add_partners(count: int, start: int, tiers) -> None:
    """Bulk rows, with what the agreement service would have kept on them."""
    from partners.models import Agreement, Partner

    roles = ["supplier", "partner", "complementary", "institution", "association"]
    today = dt.date.today()

    def expiry(i: int) -> dt.date | None:
        return today + dt.timedelta(days=(i * 37 % 400) - 100) if i % 2 else None

    partners = Partner.objects.bulk_create(
        [
            Partner(
                name=f"Partner {i:05d}", role=roles[i % 5], status="active" if i % 7 else "suspended",
                tier=tiers[i % len(tiers)], country=["FR", "DE", "BE", "ES"][i % 4], external_id=f"P-{i:05d}",
                tags=["care"] if i % 3 else ["imaging"], agreement_horizon=expiry(i),
            )
            for i in range(start, start + count)
        ],
        batch_size=2000,
    )  # fmt: skip
    Agreement.objects.bulk_create(
        [
            Agreement(partner=p, kind="partnership", reference=f"A-{p.external_id}",
                      signed_on=today - dt.timedelta(days=500), expires_on=p.agreement_horizon)
            for p in partners if p.agreement_horizon
        ],
        batch_size=2000,
    )  # fmt: skip


def query_count(client, path: str) -> int:
    """The queries one GET of `path` runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return len(queries)


def job_bench_main(
    description: str, *, database: str, tenant: str, partners: int, contributions: int, repeat: int,
    child: Callable[[], None], run: Callable[[argparse.Namespace, dict], None],
) -> None:  # fmt: skip
    """The command line of a job benchmark: its sizes and --repeat; then `run(args, env)` in a database of
    its own holding one tenant (schema `tenant`, its administrator admin@bench.test), or, with --child
    (how `job_in_child` starts it), only `child()` in that tenant (which calls `time_job`)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--partners", type=int, default=partners)
    parser.add_argument("--contributions", type=int, default=contributions)
    parser.add_argument("--repeat", type=int, default=repeat, help="runs of the raw SQL (median)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import django

        django.setup()
        from django_tenants.utils import schema_context

        with schema_context(tenant):
            child()
        return
    with bench_database(database) as env:
        from ecosystem.tenancy.services import orchestrator_signup, public_tenant_ensure

        public_tenant_ensure()
        orchestrator_signup(name="Bench", slug=tenant, email="admin@bench.test", password="bench-pass-42x")
        run(args, env)


def job_in_child(script: str, env: dict, queue: str) -> dict:
    """Run `script --child` (whose child part calls `time_job`) in a process of its own; what it printed.

    Its Celery messages (the one a request sends at commit) go to a queue named after `queue` that no
    worker reads: the child runs the task itself, in-process."""
    env = {**env, "CELERY_QUEUE": f"{queue}-{os.getpid()}"}
    done = subprocess.run(
        [sys.executable, script, "--child"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_job(request: Callable[[], Any], run: Callable[[int], str], describe: Callable[[Any], dict]) -> None:
    """The child's part (in the tenant's schema, see `job_bench_main`): `request()` a job and `run(pk)` its task
    in-process, then print one JSON line: the seconds both took, the task's outcome, the job's status and
    failure reason, `describe(job)` of the job as stored, and this process's peak memory (ru_maxrss, kB)."""
    start = time.perf_counter()
    job = request()
    outcome = run(job.pk)
    seconds = time.perf_counter() - start
    job = type(job).objects.get(pk=job.pk)
    print(json.dumps({
        "seconds": seconds, "outcome": outcome, "status": job.status, "reason": job.failure_reason,
        **describe(job), "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))  # fmt: skip
