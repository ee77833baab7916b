"""Schemathesis over the tenant API, as the tenant's admin and as a partner admin.

Every operation of the tenant schema is fuzzed (its examples, Schemathesis'
coverage cases and Hypothesis-generated cases, valid and invalid input): no
answer may be a 5xx, and every answer whose status the schema documents must
match the documented schema. The schema is drf-spectacular's, generated from
the tenant URLconf at collection time; the first test checks it is the one
`/api/schema/` serves, so endpoints added later join the fuzzing by themselves.

Nothing is excluded. `POST /api/auth/token/` needs no exclusion either: the
failed sign-ins it sees are django-axes rows written inside the case's
savepoint, so they are rolled back with it and never add up to a lockout.

The number of cases per persona, operation and status is printed at the end
of the run and written to test-output/fuzz/cases.json. `FUZZ_MAX_EXAMPLES=300
make test ARGS=tests/fuzz` digs deeper by hand (about six minutes).
"""

from __future__ import annotations

import os

import schemathesis
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import host
from tests.fuzz.conftest import InProcessApp, record_call

BASE_URL = f"http://{host('alpha')}"
CHECKS = [not_a_server_error, response_schema_conformance]
TENANT_SCHEMA = SchemaGenerator(urlconf="ecosystem.urls").get_schema(request=None, public=True)
APP = InProcessApp()

schema = schemathesis.openapi.from_dict(
    TENANT_SCHEMA,
    config=schemathesis.Config.from_dict(
        {
            "seed": 20260501,
            "generation": {
                "mode": "all",  # valid and invalid input
                # The persona's token is sent by the test, not generated.
                "with-security-parameters": False,
            },
            "phases": {"stateful": {"enabled": False}},
        }
    ),
)
schema.app = APP
schema.hook("after_call")(record_call)

FUZZ = settings(
    # Per operation, on top of the coverage phase's cases (about 1,750 cases a persona in all).
    max_examples=int(os.environ.get("FUZZ_MAX_EXAMPLES", "20")),
    deadline=None,
    derandomize=True,  # the same cases on every run
    database=None,
    # The cast and the persona are function-scoped on purpose (each case also
    # runs in a savepoint of its own, see run_case); a request per generated
    # case is slow by Hypothesis' measure, and Schemathesis filters some input.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def run_case(case, persona, real_rows) -> None:
    """One generated call, checked, and rolled back whatever it wrote."""
    real_rows.apply(case)
    with transaction.atomic():
        try:
            case.call_and_validate(base_url=BASE_URL, headers=persona.headers, checks=CHECKS)
        except Exception as error:
            if APP.exception:
                error.add_note(f"Server traceback:\n{APP.exception}")
            raise
        finally:
            transaction.set_rollback(True)


def test_the_fuzzed_schema_is_the_one_the_tenant_serves(alpha_client):
    served = alpha_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert served.status_code == 200
    assert served.json() == TENANT_SCHEMA


@schema.parametrize()
@FUZZ
def test_the_api_as_the_tenant_admin(case, admin_persona, real_rows):
    run_case(case, admin_persona, real_rows)


@schema.parametrize()
@FUZZ
def test_the_api_as_a_partner_admin(case, partner_persona, real_rows):
    run_case(case, partner_persona, real_rows)
