"""The fuzz harness: Schemathesis over the tenant API, in-process, on real rows.

The schema is the app's own (drf-spectacular's, the one `/api/schema/` serves),
so every endpoint a later issue adds is fuzzed without touching this folder.
Requests go through Django's WSGI handler in the test's own thread and
transaction; each generated case runs in a savepoint that is rolled back, so
a DELETE, a suspension or a new row never changes what the next case sees.
"""

from __future__ import annotations

import json
import re
import traceback
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import cycle

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.conftest import ROOT, admin_of, host, make_user

OUTPUT = ROOT / "test-output" / "fuzz"
# Calls made, by persona, operation and status: counted at the end of the run
# and written to test-output/fuzz/cases.json.
CASES: dict[str, dict[str, Counter]] = {}


class InProcessApp:
    """Django's WSGI handler, called in the test's thread and transaction.

    Like Django's test client, it keeps the request signals from closing the
    database connection (that would abort the test's transaction), and it
    remembers the exception behind a 500 so that a failure shows its traceback.
    """

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        self.exception: str | None = None
        got_request_exception.connect(self._remember, weak=False)

    def _remember(self, sender, request=None, **kwargs) -> None:
        self.exception = traceback.format_exc()

    def __call__(self, environ, start_response):
        self.exception = None
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


class Persona:
    """Who the fuzzer calls as: a name and the headers carrying the user's token."""

    def __init__(self, name: str, user) -> None:
        token, _created = Token.objects.get_or_create(user=user)
        self.name = name
        self.headers = {"Authorization": f"Token {token.key}"}


class RealRows:
    """Points generated ids at rows of the cast.

    A path parameter that closes a collection (`/api/partners/{id}/`), or a
    body or query field named after one (`partner` -> `/api/partners/`,
    `missions` -> `/api/missions/`), has its non-negative integers replaced,
    in turn, by the ids the tenant admin lists there and one id that exists
    nowhere: a partner user thus also asks for rows it may not see. Other
    values (negative, text, null) stay as generated.
    """

    def __init__(self, admin: Persona, raw_schema: dict) -> None:
        self.client = Client(HTTP_HOST=host("alpha"), HTTP_AUTHORIZATION=admin.headers["Authorization"])
        listed = [path for path, item in raw_schema["paths"].items() if "get" in item]
        self.collections = [path for path in listed if "{" not in path]
        # A collection with no list of its own is read where its rows are listed under a parent, for every
        # parent: `/api/governance/decisions/{id}/` at `/api/governance/reviews/{review_pk}/decisions/`.
        self.under_parent: dict[str, str] = {}
        for path in raw_schema["paths"]:
            collection = path.partition("{")[0]
            if "{" not in path or collection in self.collections or path.count("{") > 1:
                continue
            prefix, name = collection.rstrip("/").rsplit("/", 1)
            nested = [p for p in listed if p.count("{") == 1 and p.startswith(prefix) and p.endswith(f"}}/{name}/")]
            if len(nested) == 1:
                self.under_parent[collection] = nested[0]
        self.pools: dict[str, Iterator[int]] = {}

    def _ids(self, collection: str) -> list[int]:
        response = self.client.get(collection, HTTP_ACCEPT="application/json")
        body = response.json() if response["Content-Type"].startswith("application/json") else []
        rows = body.get("results", []) if isinstance(body, dict) else body
        return [row["id"] for row in rows if isinstance(row, dict) and isinstance(row.get("id"), int)]

    def _next_id(self, collection: str) -> int | None:
        if collection not in self.pools:
            if collection in self.under_parent:
                parent, _brace, rest = self.under_parent[collection].partition("{")
                child = rest.partition("}")[2]
                ids = [i for parent_id in self._ids(parent) for i in self._ids(f"{parent}{parent_id}{child}")]
            else:
                ids = self._ids(collection)
            self.pools[collection] = cycle([*ids, max(ids) + 100_000]) if ids else iter(())
        return next(self.pools[collection], None)

    def _collection_named(self, field: str) -> str | None:
        for suffix in (f"/{field}s/", f"/{field}/"):
            matches = [path for path in [*self.collections, *self.under_parent] if path.endswith(suffix)]
            if len(matches) == 1:
                return matches[0]
        return None

    def _point(self, value, collection: str | None):
        if collection is None:
            return value
        if isinstance(value, list):
            return [self._point(item, collection) for item in value]
        is_id = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        is_id_text = isinstance(value, str) and value.isascii() and value.isdigit()
        if not (is_id or is_id_text):
            return value
        real = self._next_id(collection)
        if real is None:
            return value
        return str(real) if is_id_text else real

    def apply(self, case) -> None:
        collection, _brace, rest = case.operation.path.partition("{")
        name = re.match(r"(\w+)\}", rest)
        if name and "{" not in collection and isinstance(case.path_parameters, dict):
            key = name.group(1)
            if key in case.path_parameters:
                case.path_parameters[key] = self._point(case.path_parameters[key], collection)
        for container in (case.query, case.body):
            if isinstance(container, dict):
                for field, value in container.items():
                    container[field] = self._point(value, self._collection_named(field))


@pytest.fixture
def fuzz_cast(alpha, settings, tmp_path):
    """A small realistic ecosystem in alpha, written through the services."""
    from ecosystem.accounts.services import invitation_create
    from partners import services

    # Agreement documents the fuzzer manages to upload stay out of .data/media.
    settings.MEDIA_ROOT = tmp_path / "media"
    admin = admin_of(alpha)
    gold = services.tier_create(actor=admin, name="Gold", description="Strategic partners")
    silver = services.tier_create(actor=admin, name="Silver")

    def partner(name, role, tier=None, **data):
        return services.partner_create(
            actor=admin,
            data={"name": name, "role": role, "tier": tier.pk if tier else None, "country": "FR", **data},
        )

    medisol = partner("Medisol Devices", "supplier", gold, external_id="MED-1", tags=["imaging", "devices"])
    carevia = partner("Carevia Equipment", "supplier", silver, external_id="CAR-1", country="DE")
    finamed = partner("Finamed Leasing", "partner", gold, website="finamed.example")
    refit = partner("Refit Lab", "complementary")
    partner("Rural Health Association", "association")
    partner("Public Health Agency", "institution")
    services.partner_update(actor=admin, partner=medisol, data={"competitors": [carevia.pk]})
    for active in (medisol, carevia, finamed, refit):
        services.partner_activate(actor=admin, partner=active)
    today = date.today()
    services.agreement_create(
        actor=admin, partner=medisol,
        data={"kind": "supply", "reference": "SUP-2026-01", "signed_on": today - timedelta(days=200),
              "expires_on": today + timedelta(days=500)},
    )  # fmt: skip
    services.agreement_create(
        actor=admin, partner=carevia,
        data={"kind": "partnership", "reference": "PA-2026-07", "signed_on": today - timedelta(days=300),
              "expires_on": today + timedelta(days=10)},
    )  # fmt: skip
    sam = make_user(alpha, "partner_admin", email="sam@medisol.test", full_name="Sam Medisol", partner=medisol)
    invitation_create(actor=admin, email="new.colleague@medisol.test", role="partner_member", partner=medisol)
    invitation_create(actor=admin, email="new.manager@alpha.test", role="manager")
    _missions(admin, sam, medisol=medisol, carevia=carevia, finamed=finamed)
    _governance(admin, gold, sam=sam, medisol=medisol, carevia=carevia)
    return {"admin": admin, "sam": sam, "medisol": medisol, "carevia": carevia}


def _missions(admin, sam, *, medisol, carevia, finamed) -> None:
    """An open mission with a joint contribution awaiting Medisol, a coopetition one, a draft."""
    from ecosystem.missions import services

    for partner in (medisol, carevia, finamed):
        partner.refresh_from_db()  # activated since
    today = date.today()
    start, end = (today - timedelta(days=180)).isoformat(), (today + timedelta(days=180)).isoformat()

    def mission(title, confidentiality, *partners):
        created = services.mission_create(
            actor=admin, data={"title": title, "start": start, "end": end, "confidentiality": confidentiality}
        )
        for step in ("open", "active"):
            created = services.mission_move(actor=admin, mission=created, to=step)
        for partner in partners:
            invited = services.participation_invite(actor=admin, mission=created, partner=partner)
            services.participation_answer(actor=admin, participation=invited, accept=True)
        return created

    clinics = mission("Equip 500 rural clinics", "open", medisol, finamed)
    value = services.objective_create(
        actor=admin, mission=clinics, data={"title": "Revenue", "metric": "value", "target": "50000", "due": end}
    )
    services.objective_create(
        actor=admin, mission=clinics,
        data={"title": "Clinics", "metric": "quantity", "target": "500", "unit": "clinics", "due": end},
    )  # fmt: skip
    services.objective_create(
        actor=admin, mission=clinics, data={"title": "Satisfaction", "metric": "manual", "target": "90", "due": end}
    )
    solo = services.contribution_declare(
        actor=sam, mission=clinics,
        data={"kind": "revenue_sourced", "value": "1200.00", "date": today.isoformat(), "objective": value.pk,
              "external_id": "CRM-1"},
    )  # fmt: skip
    services.contribution_validate(actor=admin, contribution=solo)
    services.contribution_declare(
        actor=admin, mission=clinics,
        data={"partner": finamed.pk, "kind": "referral", "value": "300.00", "date": today.isoformat(),
              "contributors": [{"partner": finamed.pk}, {"partner": medisol.pk}]},
    )  # fmt: skip
    circular = mission("Circular medical equipment", "coopetition", medisol, carevia)
    services.contribution_declare(
        actor=admin, mission=circular,
        data={"partner": carevia.pk, "kind": "in_kind", "value": "80.00", "date": today.isoformat()},
    )  # fmt: skip
    services.mission_create(actor=admin, data={"title": "Not yet", "start": start, "end": end})


def _governance(admin, gold, *, sam, medisol, carevia) -> None:
    """A rule book of every kind of rule; a closed review of the last quarter (a warning to Medisol, applied,
    and Sam's open appeal of it) and a finished review of the quarter before, still open (Carevia's suspension
    awaiting its second approval): decisions and appeals to read, approve, apply, withdraw and answer."""
    from governance import decisions, services, tasks

    for name, kind, params in [
        ("Minimum", "min_contribution", {"min_value": "100", "per_tier": {str(gold.pk): "500"}}),
        ("Share", "max_share", {"max_percent": "60"}),
        ("Agreement", "agreement_valid", {"warn_days": 30}),
        ("Activity", "recent_activity", {"days": 90}),
        ("Commitments", "commitment_met", {}),
        ("Confirmations", "pending_confirmations", {"days": 7}),
    ]:
        services.rule_create(actor=admin, data={"name": name, "kind": kind, "params": params})
    today = date.today()
    reviews = []
    for days in (0, 91):
        end = today - timedelta(days=days)
        review, _created = services.review_request(
            actor=admin, data={"period_start": end - timedelta(days=90), "period_end": end}
        )
        tasks.run_review(review.pk)
        reviews.append(review)
    closed, open_ = reviews
    warned = decisions.decision_record(
        actor=admin, review=closed, data={"partner": medisol.pk, "kind": "warn", "rationale": "Late reports."}
    )
    decisions.review_apply(actor=admin, review=closed)
    warned = type(warned).objects.select_related("review").get(pk=warned.pk)  # its review closed since
    decisions.appeal_file(actor=sam, decision=warned, reason="The reports were sent on time.")
    decisions.decision_record(
        actor=admin, review=open_, data={"partner": carevia.pk, "kind": "suspend", "rationale": "Deliveries late."}
    )


# The persona of the running test, for the `after_call` hook.
ACTIVE: dict[str, Persona] = {}


@pytest.fixture
def raw_schema(alpha):
    return Client(HTTP_HOST=host("alpha")).get("/api/schema/", HTTP_ACCEPT="application/json").json()


@pytest.fixture
def real_rows(fuzz_cast, raw_schema):
    return RealRows(Persona("admin", fuzz_cast["admin"]), raw_schema)


@pytest.fixture
def admin_persona(fuzz_cast):
    ACTIVE["persona"] = Persona("admin", fuzz_cast["admin"])
    yield ACTIVE["persona"]
    ACTIVE.clear()


@pytest.fixture
def partner_persona(fuzz_cast):
    ACTIVE["persona"] = Persona("partner_admin", fuzz_cast["sam"])
    yield ACTIVE["persona"]
    ACTIVE.clear()


def record_call(context, case, response) -> None:
    """Schemathesis' `after_call` hook: one more case of this persona, by operation and status."""
    persona = ACTIVE["persona"].name
    CASES.setdefault(persona, {}).setdefault(case.operation.label, Counter())[str(response.status_code)] += 1


def pytest_sessionfinish(session):
    """Under pytest-xdist, a worker hands its counts to the controller (see `merge_cases`)."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None and CASES:
        output["fuzz_cases"] = {p: {op: dict(statuses) for op, statuses in ops.items()} for p, ops in CASES.items()}


def merge_cases(cases: dict[str, dict[str, dict[str, int]]]) -> None:
    """Adds a worker's counts to this process's (the controller's)."""
    for persona, operations in cases.items():
        for label, statuses in operations.items():
            CASES.setdefault(persona, {}).setdefault(label, Counter()).update(statuses)


def write_report(terminalreporter) -> None:
    """The cases by persona, operation and status, written to test-output/fuzz/cases.json and summed up."""
    if not CASES:
        return
    OUTPUT.mkdir(parents=True, exist_ok=True)
    report = {
        persona: {
            "cases": sum(sum(statuses.values()) for statuses in operations.values()),
            "operations": {label: dict(sorted(statuses.items())) for label, statuses in sorted(operations.items())},
        }
        for persona, operations in sorted(CASES.items())
    }
    (OUTPUT / "cases.json").write_text(json.dumps(report, indent=2) + "\n")
    terminalreporter.section("fuzz cases")
    for persona, data in report.items():
        ok = sum(n for statuses in data["operations"].values() for code, n in statuses.items() if int(code) < 300)
        terminalreporter.write_line(
            f"{persona}: {data['cases']} cases over {len(data['operations'])} operations, {ok} answered 2xx"
        )
    terminalreporter.write_line(f"details in {OUTPUT / 'cases.json'}")
