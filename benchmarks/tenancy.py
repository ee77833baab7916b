"""Tenancy costs, measured side by side in one run.

    make bench            (or: eval "$(python scripts/dev.py env)"; python benchmarks/tenancy.py)

Works in a database of its own (`<name>_bench`, dropped at the end) on the
server DATABASE_URL names. Prints:

1. time to provision one tenant (sign-up: schema, migrations, domain, first
   admin) with 0 and with N (default 200) tenants present;
2. `migrate_schemas` over those tenants with nothing to apply (standard and
   multiprocessing executors);
3. requests per second on a trivial tenant page (/robots.txt) through the
   whole middleware stack with our tenant middleware, with django-tenants'
   stock (uncached) middleware, and with no tenant middleware at all.
   Goal: ours / none >= 0.8.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from _common import ROOT, bench_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    with bench_database("bench_tenancy") as env:
        run(args, env)


def run(args, env: dict[str, str]) -> None:
    manage = [sys.executable, str(ROOT / "manage.py")]
    from django.db import connection

    from ecosystem.tenancy.models import Domain, Orchestrator
    from ecosystem.tenancy.services import orchestrator_signup, public_tenant_ensure

    public_tenant_ensure()

    def provision(slug: str) -> float:
        start = time.perf_counter()
        orchestrator_signup(name=slug.title(), slug=slug, email=f"admin@{slug}.test", password="bench-pass-42x")
        elapsed = time.perf_counter() - start
        connection.set_schema_to_public()
        return elapsed

    first = provision("first")
    print(f"provisioning: 0 tenants present  -> {first:.2f} s", flush=True)
    start = time.perf_counter()
    for i in range(args.tenants - 1):
        # Filler tenants: schema, migrations and domain (the part that grows
        # with the number of tenants); no admin user to hash a password for.
        filler = Orchestrator(schema_name=f"filler-{i:04d}", slug=f"filler-{i:04d}", name=f"Filler {i}")
        filler.save(verbosity=0)
        Domain.objects.create(domain=f"filler-{i:04d}.localhost", tenant=filler, is_primary=True)
        connection.set_schema_to_public()
    filled = time.perf_counter() - start
    present = Orchestrator.objects.exclude(schema_name="public").count()
    print(f"  (created {present - 1} more tenants in {filled:.1f} s)", flush=True)
    last = provision("last")
    print(f"provisioning: {present} tenants present -> {last:.2f} s", flush=True)

    migrate = {}
    for executor in ("standard", "multiprocessing"):
        start = time.perf_counter()
        subprocess.run(
            [*manage, "migrate_schemas", f"--executor={executor}", "-v", "0"], env=env, check=True, cwd=ROOT
        )
        migrate[executor] = time.perf_counter() - start
        seconds = migrate[executor]
        print(f"migrate_schemas, nothing to apply, {present + 1} tenants, {executor}: {seconds:.2f} s")

    rps = requests_per_second(args.requests)
    ratio = rps["ours"] / rps["none"]
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| provision one tenant, 0 present | {first:.2f} s |")
    print(f"| provision one tenant, {present} present | {last:.2f} s |")
    for executor, seconds in migrate.items():
        print(f"| migrate_schemas, nothing to apply, {present + 1} tenants ({executor}) | {seconds:.2f} s |")
    print(f"| /robots.txt, cached tenant middleware (ours) | {rps['ours']:,.0f} req/s |")
    print(f"| /robots.txt, django-tenants stock middleware | {rps['stock']:,.0f} req/s |")
    print(f"| /robots.txt, no tenant middleware | {rps['none']:,.0f} req/s |")
    print(f"| ratio ours / none (goal >= 0.8) | {ratio:.2f} |")
    print(f"| ratio stock / none | {rps['stock'] / rps['none']:.2f} |")
    print("GOAL MET" if ratio >= 0.8 else "GOAL MISSED")


def requests_per_second(count: int) -> dict[str, float]:
    """The same page through the same stack; only the tenant middleware differs."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings

    from ecosystem.tenancy.models import Orchestrator

    ours = "ecosystem.tenancy.middleware.TenantMiddleware"
    stock = "django_tenants.middleware.main.TenantMainMiddleware"
    stacks = {
        "ours": settings.MIDDLEWARE,
        "stock": [m.replace(ours, stock) for m in settings.MIDDLEWARE],
        "none": [m for m in settings.MIDDLEWARE if m != ours],
    }
    tenant = Orchestrator.objects.get(slug="first")
    best = dict.fromkeys(stacks, 0.0)
    for _round in range(3):  # interleaved rounds, best of three: noise hits all alike
        for name, middleware in stacks.items():
            with override_settings(MIDDLEWARE=middleware):
                client = Client(HTTP_HOST="first.localhost")
                if name == "none":
                    # What the middleware would have done, once for the whole run.
                    connection.set_tenant(tenant)
                for _ in range(50):
                    client.get("/robots.txt")
                start = time.perf_counter()
                for _ in range(count):
                    response = client.get("/robots.txt")
                elapsed = time.perf_counter() - start
                assert response.status_code == 200, response
                best[name] = max(best[name], count / elapsed)
                connection.set_schema_to_public()
    return best


if __name__ == "__main__":
    main()
