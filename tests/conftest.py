"""Shared fixtures.

Two tenants, `alpha` and `beta`, are provisioned once per session in the test
database and committed; each test then runs in a transaction that is rolled
back, with the connection set to the tenant it asks for. Sign-up tests create
more tenants inside that transaction: PostgreSQL rolls their schemas back too.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from celery.result import _set_task_join_will_block, task_join_will_block
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context

from ecosystem.celery import app as celery_app
from ecosystem.tenancy.middleware import forget_tenants

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-9"
TENANTS = {"alpha": "Alpha Medical Commons", "beta": "Beta Clinics Network"}


@pytest.fixture(scope="session")
def tenants(django_db_setup, django_db_blocker):
    """alpha and beta, each with its admin `admin@<slug>.test`; committed."""
    from ecosystem.tenancy.models import Orchestrator
    from ecosystem.tenancy.services import orchestrator_signup, public_tenant_ensure

    if not settings.DATABASES["default"]["NAME"].startswith("test_"):
        # pytest-django creates the test database only when a selected test asks
        # for `db`; tests using `committed` alone would write to the real one.
        pytest.fail("No test database: select at least one test that uses `db` along with this one.")
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        public_tenant_ensure()
        for slug, name in TENANTS.items():
            if not Orchestrator.objects.filter(slug=slug).exists():
                orchestrator_signup(name=name, slug=slug, email=f"admin@{slug}.test", password=PASSWORD)
        result = {o.slug: o for o in Orchestrator.objects.filter(slug__in=TENANTS)}
        connection.set_schema_to_public()
    return result


@pytest.fixture(autouse=True)
def _fresh_state(settings):
    """Each test starts on the public schema, with an empty tenant cache and
    tasks run in-process (tests marked `worker` use the real worker)."""
    connection.set_schema_to_public()
    forget_tenants()
    # A key namespace of its own per test, in the real Redis: no throttle
    # counter or cached value leaks from one test into the next.
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex[:10]}"}}
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    # A request leaves its language active in the thread: start each test in the default one.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
    # The schema is left as the test left it: pytest-django empties a
    # `transaction=True` test's database after this, in the schema the
    # connection is on, which `race` keeps on its tenant (never the public one).
    forget_tenants()


@pytest.fixture
def alpha(db, tenants):
    connection.set_tenant(tenants["alpha"])
    return tenants["alpha"]


@pytest.fixture
def beta(db, tenants):
    return tenants["beta"]


def host(slug: str | None) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}" if slug else settings.BASE_DOMAIN


@pytest.fixture
def public_client(db, tenants) -> Client:
    return Client(HTTP_HOST=host(None))


@pytest.fixture
def alpha_client(alpha) -> Client:
    return Client(HTTP_HOST=host("alpha"))


@pytest.fixture
def beta_client(beta) -> Client:
    return Client(HTTP_HOST=host("beta"))


def make_user(tenant, role: str, email: str | None = None, **fields):
    from ecosystem.accounts.models import User

    with schema_context(tenant.schema_name):
        return User.objects.create_user(
            email or f"{role}-{uuid.uuid4().hex[:6]}@{tenant.slug}.test", PASSWORD, role=role, **fields
        )


def admin_of(tenant):
    from ecosystem.accounts.models import User

    with schema_context(tenant.schema_name):
        return User.objects.get(email=f"admin@{tenant.slug}.test")


def login(client: Client, tenant, user) -> Client:
    """Sign `user` in on `client`, with the session stored in `tenant`'s schema."""
    with schema_context(tenant.schema_name):
        client.force_login(user, backend="ecosystem.accounts.backends.AccountBackend")
    return client


@pytest.fixture
def alpha_admin(alpha):
    return admin_of(alpha)


def audit_actions() -> list[str]:
    """The actions of the current tenant's audit trail, oldest first. A refused
    request leaves this list as it was. (The one place the tests name the audit model.)"""
    from ecosystem.core.models import AuditEvent

    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def french(text: str) -> str:
    """`text` with French typography's no-break spaces (before : ; and inside « »), as the catalogue writes them."""
    for plain, tied in (
        (" :", "\N{NO-BREAK SPACE}:"),
        (" ;", "\N{NO-BREAK SPACE};"),
        ("« ", "«\N{NO-BREAK SPACE}"),
        (" »", "\N{NO-BREAK SPACE}»"),
    ):
        text = text.replace(plain, tied)
    return text


def flash_messages(response) -> list[str]:
    """The messages a page queued for the next page it redirects to."""
    from django.contrib.messages import get_messages

    return [str(m) for m in get_messages(response.wsgi_request)]


def external_assets(html: str) -> list[str]:
    """The scripts, style sheets and images a page loads from anywhere but its own site (a CDN, say)."""
    found = re.findall(r"<(?:script|img)\b[^>]*\bsrc=\"([^\"]+)\"|<link\b[^>]*\bhref=\"([^\"]+)\"", html)
    return [url for pair in found for url in pair if url and not url.startswith("/")]


# --- the real Celery worker ------------------------------------------------


def test_database_url() -> str:
    """DATABASE_URL pointing at the test database pytest-django created."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return url._replace(path="/" + settings.DATABASES["default"]["NAME"]).geturl()


@pytest.fixture(scope="session")
def celery_worker_process(tenants, tmp_path_factory):
    """A real `celery worker` on its own queue, reading the test database."""
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    mail_dir = tmp_path_factory.mktemp("worker-mail")
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_QUEUE": queue,
        "EMAIL_FILE_PATH": str(mail_dir),
        "DJANGO_ENV": "test",
        "SITE_PORT": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "ecosystem", "worker", "--pool=solo",
         "--loglevel=WARNING", "-Q", queue, "-n", f"{queue}@%h"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not celery_app.control.ping(destination=[f"{queue}@{socket.gethostname()}"], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the Celery worker did not start")
    yield {"queue": queue, "mail_dir": mail_dir}
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture
def worker(celery_worker_process):
    """Tasks go to the real worker (not run in-process) for this test."""
    celery_app.conf.task_always_eager = False
    return celery_worker_process


@pytest.fixture
def committed(django_db_blocker, tenants):
    """Autocommit access for tests whose data a worker must see; the test
    cleans up what it wrote through the callbacks it registers."""
    cleanups = []
    with django_db_blocker.unblock():
        yield cleanups.append
        for cleanup in reversed(cleanups):
            cleanup()
        connection.set_schema_to_public()


# --- requests at once ---------------------------------------------------------


@pytest.fixture(scope="module")
def race_tenant(django_db_setup, django_db_blocker, tenants):
    """A tenant of the module's own, committed, dropped at the end: for
    `transaction=True` tests through `race` (creating a schema per test would
    be slow)."""
    from ecosystem.tenancy.services import orchestrator_signup

    slug = f"race-{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        tenant = orchestrator_signup(name="Race Commons", slug=slug, email=f"admin@{slug}.test", password=PASSWORD)
        connection.set_schema_to_public()
    yield tenant
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        tenant.delete(force_drop=True)
        forget_tenants()


@pytest.fixture
def race(race_tenant, transactional_db):
    """The module's tenant, for tests whose requests run in threads with
    connections of their own: nothing is wrapped in a transaction, so every
    thread sees what the others committed, as in production.

    After the test pytest-django flushes the tables of the schema the
    connection is on: this fixture leaves it on the race tenant, whose tables
    are emptied (its admin too: tests make their own users); the public
    schema, where the session's tenants live, is never touched."""
    connection.set_tenant(race_tenant)
    yield race_tenant
    connection.set_tenant(race_tenant)


def in_parallel(count: int, call: Callable[[int], object]) -> list:
    """`call(0)` … `call(count - 1)`, each in a thread of its own (so with a
    database connection of its own), all released at once; their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    # Celery runs an eager task inside `denied_join_result()`, which saves and
    # restores one process-wide flag: tasks run by threads at once can leave
    # it set, and a later `result.get()` would refuse to wait. Put it back.
    join_will_block = task_join_will_block()

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call(index)
        except BaseException as error:  # re-raised in the test's thread below
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    _set_task_join_will_block(join_will_block)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist: a worker is done; what its fuzz tests counted joins the controller's report."""
    from tests.fuzz.conftest import merge_cases

    merge_cases(node.workeroutput.get("fuzz_cases", {}))


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, config):
    """The fuzz cases' report (see tests/fuzz), then coverage."""
    from tests.fuzz.conftest import write_report

    write_report(terminalreporter)
    _coverage_summary(terminalreporter, config)


def _coverage_summary(terminalreporter, config) -> None:
    """With --cov: lines and branches apart (pytest-cov prints them together), and test-output/coverage.json."""
    plugin = config.pluginmanager.getplugin("_cov")
    controller = getattr(plugin, "cov_controller", None)
    if controller is None or getattr(plugin, "cov_total", None) is None:
        return
    report = ROOT / "test-output" / "coverage.json"
    report.parent.mkdir(exist_ok=True)
    controller.cov.json_report(outfile=str(report))
    totals = json.loads(report.read_text())["totals"]
    lines = 100 * totals["covered_lines"] / max(totals["num_statements"], 1)
    branches = 100 * totals["covered_branches"] / max(totals["num_branches"], 1)
    terminalreporter.write_line(
        f"coverage of ecosystem/, partners/, governance/: lines {lines:.1f} %, branches {branches:.1f} %, "
        f"together {totals['percent_covered']:.1f} %"
    )
