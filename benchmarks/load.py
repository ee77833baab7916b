"""Load test of the production server, measured side by side in one run.

    make load       (or: eval "$(python scripts/dev.py env)"; python benchmarks/load.py)

In a database of its own, a tenant with 10,000 partners. The app is served as
production serves it: gunicorn, `DJANGO_ENV=production` settings, workers
sized for the machine's cores, against the same PostgreSQL and Redis. `wrk`
(compiled, one thread, so that the generator does not eat the server's CPU;
Debian's `wrk` package) then drives, with 50 concurrent connections for 30 s:

1. `GET /api/partners/` (a page of 50 of the 10,000, with its count);
2. `GET /api/me/`, a trivial endpoint served the same way (token auth, one
   user row): what the stack costs before any partner is read.

It prints requests per second, p50 / p99 latency and errors for each, the
ratio between them, the goals (0 errors, p99 < 500 ms, >= 150 req/s for the
partner list), and a profile of one partner-list request (cProfile, in
process, the functions where the time goes).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import ROOT, add_partners, bench_database

SLUG = "load"
PASSWORD = "bench-pass-42x"
GOALS = {"errors": 0, "p99_ms": 500.0, "rps": 150.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(partners: int) -> str:
    """The tenant, its partners and a manager; returns the manager's API token."""
    from django.db import connection
    from django_tenants.utils import schema_context
    from rest_framework.authtoken.models import Token

    from ecosystem.accounts.models import User
    from ecosystem.tenancy.services import orchestrator_signup, public_tenant_ensure
    from partners.models import Tier

    public_tenant_ensure()
    orchestrator_signup(name="Load", slug=SLUG, email=f"admin@{SLUG}.test", password=PASSWORD)
    with schema_context(SLUG):
        tiers = [Tier.objects.create(name=n, rank=r) for r, n in enumerate(["Gold", "Silver", "Bronze"], 1)]
        add_partners(partners, 0, tiers)
        manager = User.objects.create_user(f"manager@{SLUG}.test", PASSWORD, role="manager")
        token = Token.objects.create(user=manager).key
        connection.cursor().execute("ANALYZE")
    return token


def profile(token: str, path: str, top: int) -> str:
    """cProfile of repeated requests through the whole Django stack (test client, same settings)."""
    from django.test import Client

    client = Client(HTTP_HOST=f"{SLUG}.localhost", HTTP_AUTHORIZATION=f"Token {token}")
    for _ in range(3):
        assert client.get(path).status_code == 200
    profiler = cProfile.Profile()
    runs = 20
    start = time.perf_counter()
    profiler.enable()
    for _ in range(runs):
        client.get(path)
    profiler.disable()
    per_request = (time.perf_counter() - start) * 1000 / runs
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    out.write("The project's own functions and DRF's serializers, by cumulative time:\n")
    stats.sort_stats("cumulative").print_stats(r"(ecosystem|partners)/|rest_framework/(serializers|fields)", top)
    out.write("Every function, by its own time:\n")
    stats.sort_stats("tottime").print_stats(top)
    return f"{per_request:.1f} ms per request in process (profiled, {runs} runs)\n" + out.getvalue()


def serve(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "ecosystem.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env)


def wait_ready(port: int, headers: dict[str, str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/me/", headers=headers)
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not answer /api/me/ in time.")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def to_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def wrk(url: str, headers: dict[str, str], connections: int, seconds: int) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    percentile = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    if "50" not in percentile:
        sys.exit(f"wrk gave no latency distribution:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50_ms": to_ms(percentile["50"]),
        "p99_ms": to_ms(percentile["99"]),
        "errors": (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)  # measured: 3 beat 5 on 2 cores
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--profile-lines", type=int, default=25)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (Debian's package).")
    with bench_database("bench_load") as env:
        token = seed(args.partners)
        report = profile(token, "/api/partners/", args.profile_lines)
        from django.db import connections

        connections.close_all()
        static = tempfile.mkdtemp(prefix="symbiose-static-")
        production = {
            **env, "DJANGO_ENV": "production", "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "SECURE_SSL_REDIRECT": "false", "BASE_DOMAIN": "localhost", "STATIC_ROOT": static,
        }  # fmt: skip
        # As a release does: collected, hashed static files.
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v", "0"],
            env=production, check=True, cwd=ROOT,
        )  # fmt: skip
        port = free_port()
        headers = {"Host": f"{SLUG}.localhost", "Authorization": f"Token {token}"}
        server = serve(production, port, args.workers, args.threads)
        try:
            wait_ready(port, headers)
            endpoints = {"partner list (page of 50)": "/api/partners/", "trivial (/api/me/)": "/api/me/"}
            results = {}
            for name, path in endpoints.items():
                wrk(f"http://127.0.0.1:{port}{path}", headers, args.connections, 5)  # warm-up
                results[name] = wrk(f"http://127.0.0.1:{port}{path}", headers, args.connections, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
            shutil.rmtree(static, ignore_errors=True)
    print(f"\ngunicorn: {args.workers} workers x {args.threads} threads on {os.cpu_count()} cores; "
          f"wrk: 1 thread, {args.connections} connections, {args.seconds} s; {args.partners} partners")  # fmt: skip
    print(f"{'endpoint':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'requests':>10}")
    for name, r in results.items():
        print(f"{name:<28}{r['rps']:>9.1f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['errors']:>8}{r['requests']:>10}")
    partners_result, trivial = results.values()
    print(f"ratio partner list / trivial: {partners_result['rps'] / trivial['rps']:.2f} of the throughput, "
          f"{partners_result['p50_ms'] / trivial['p50_ms']:.2f}x the median latency")  # fmt: skip
    verdict = {
        "0 errors": partners_result["errors"] == GOALS["errors"] and trivial["errors"] == 0,
        f"p99 < {GOALS['p99_ms']:.0f} ms": partners_result["p99_ms"] < GOALS["p99_ms"],
        f">= {GOALS['rps']:.0f} req/s": partners_result["rps"] >= GOALS["rps"],
    }
    print("goals: " + ", ".join(f"{goal}: {'met' if ok else 'MISSED'}" for goal, ok in verdict.items()))
    print("\nWhere the time of one partner-list request goes:\n" + report)


if __name__ == "__main__":
    main()
