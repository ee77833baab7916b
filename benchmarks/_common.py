"""What the benchmarks share: a database of their own on DATABASE_URL's server."""

from __future__ import annotations

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
