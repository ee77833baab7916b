"""Partner directory and import, measured side by side in one run.

    make bench      (or: eval "$(python scripts/dev.py env)"; python benchmarks/partners.py)

In a database of its own:
1. the directory page (`/partners/`, first page, default sort, and a filtered
   page) in a tenant with 100 partners and in one with 10,000, requests
   interleaved: median time and queries per request. Goal: ratio <= 2.
2. the API list (`/api/partners/`) the same way.
3. importing a 10,000-row CSV through `POST /api/partners/import/`. Goal: <= 10 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import time

from _common import add_partners, bench_database, query_count


def timed(client, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    args = parser.parse_args()
    with bench_database("bench_partners"):
        run(args)


def run(args) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django_tenants.utils import schema_context
    from rest_framework.authtoken.models import Token

    from ecosystem.accounts.models import User
    from ecosystem.tenancy.services import orchestrator_signup, public_tenant_ensure
    from partners.models import Tier

    public_tenant_ensure()
    # Two tenants side by side, one small and one large, requests interleaved:
    # machine noise hits both sizes alike.
    sizes = {"small": 100, "large": args.partners}
    clients = {}
    for slug, size in sizes.items():
        orchestrator_signup(name=slug.title(), slug=slug, email=f"admin@{slug}.test", password="bench-pass-42x")
        with schema_context(slug):
            tiers = [Tier.objects.create(name=n, rank=r) for r, n in enumerate(["Gold", "Silver", "Bronze"], 1)]
            add_partners(size, 0, tiers)
            manager = User.objects.create_user(f"manager@{slug}.test", "bench-pass-42x", role="manager")
            page = Client(HTTP_HOST=f"{slug}.localhost")
            page.force_login(manager, backend="ecosystem.accounts.backends.AccountBackend")
            token = Token.objects.create(user=manager).key
            clients[slug] = {
                "page": page,
                "api": Client(HTTP_HOST=f"{slug}.localhost", HTTP_AUTHORIZATION=f"Token {token}"),
            }
            from django.db import connection

            connection.cursor().execute("ANALYZE")
    paths = {
        "directory page": ("page", "/partners/"),
        "directory page, filtered": ("page", "/partners/?status=active&agreement=valid&sort=tier"),
        "API list": ("api", "/api/partners/"),
        "API list, filtered": ("api", "/api/partners/?status=active&agreement=valid&sort=tier"),
    }
    results: dict[str, dict[str, tuple[float, int]]] = {}
    for name, (kind, path) in paths.items():
        timings: dict[str, list[float]] = {"small": [], "large": []}
        for _ in range(3):
            for slug in sizes:
                timed(clients[slug][kind], path)
        for _ in range(args.repeat):
            for slug in sizes:
                timings[slug].append(timed(clients[slug][kind], path))
        results[name] = {
            slug: (statistics.median(timings[slug]), query_count(clients[slug][kind], path)) for slug in sizes
        }
        print(f"{name:<26} " + "  ".join(f"{sizes[s]:>6}: {results[name][s][0]:6.1f} ms" for s in sizes))

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["external_id", "name", "role", "tier", "country", "website", "tags", "contact_email"])
    for i in range(args.import_rows):
        writer.writerow([f"CRM-{i:05d}", f"Imported {i:05d}", "supplier", "Silver", "FR",
                         f"imported{i}.example", "care, rural", f"c{i}@imported.example"])  # fmt: skip
    payload = buffer.getvalue().encode()
    api = clients["small"]["api"]
    start = time.perf_counter()
    response = api.post("/api/partners/import/", {"file": SimpleUploadedFile("p.csv", payload)})
    import_seconds = time.perf_counter() - start
    assert response.status_code == 200, response.content[:500]
    created = response.json()["created"]
    start = time.perf_counter()
    response = api.post("/api/partners/import/", {"file": SimpleUploadedFile("p.csv", payload)})
    reimport_seconds = time.perf_counter() - start
    assert response.json() == {"created": 0, "updated": 0}

    print()
    print(f"| measure | 100 partners | {args.partners:,} partners | ratio (goal <= 2) | queries |")
    print("|---|---|---|---|---|")
    worst = 0.0
    for name, by_size in results.items():
        small, large = by_size["small"], by_size["large"]
        ratio = large[0] / small[0]
        worst = max(worst, ratio)
        print(f"| {name} | {small[0]:.1f} ms | {large[0]:.1f} ms | {ratio:.2f} | {small[1]} / {large[1]} |")
    print(f"| import {args.import_rows:,} rows (creates {created:,}) | | {import_seconds:.2f} s | goal <= 10 s | |")
    print(f"| re-import the same {args.import_rows:,} rows (no change) | | {reimport_seconds:.2f} s | | |")
    print("GOALS MET" if worst <= 2 and import_seconds <= 10 else "GOAL MISSED")


if __name__ == "__main__":
    main()
