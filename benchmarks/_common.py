"""What the benchmarks share: a database of their own on DATABASE_URL's server."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
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
