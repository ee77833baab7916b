"""A connection to the PostgreSQL server behind a DATABASE_URL, on its
maintenance database: for creating and dropping whole databases (the
benchmarks' and the browser tests' own)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import psycopg


def server_connect(url: str) -> psycopg.Connection:
    parts = urlsplit(url)
    params = {
        "host": unquote(parts.hostname or "") or None,
        "port": parts.port,
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or "") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None})


def database_url(url: str, name: str) -> str:
    """The same server, another database."""
    return urlsplit(url)._replace(path=f"/{name}").geturl()
