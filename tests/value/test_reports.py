"""The life of a value report: requested (202), deduplicated, cancelled, swept when stuck; who may do what."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from ecosystem.accounts.models import User
from ecosystem.missions import services as missions_services
from ecosystem.missions.models import Contribution, Mission
from ecosystem.value import services
from ecosystem.value.models import Report, ReportPair, ReportRow
from partners.models import Partner
from tests.conftest import ROOT, host, in_parallel, make_user, test_database_url
from tests.missions.conftest import declare, join, open_mission
from tests.partners.conftest import api

PERIOD = {"period_start": "2026-01-01", "period_end": "2026-06-30"}


def request(client, **body):
    return client.post("/api/reports/", {**PERIOD, **body}, content_type="application/json")


def test_a_manager_requests_a_report_and_the_same_request_returns_it(alpha_client, world):
    client = api(alpha_client, world["manager"])

    first = request(client, missions=[world["circular"].pk, world["mission"].pk], roles=["supplier", "partner"])
    again = request(client, missions=[world["mission"].pk, world["circular"].pk], roles=["partner", "supplier"])
    other = request(client, roles=["supplier"])
    shown = client.get(f"/api/reports/{first.json()['id']}/")

    assert first.status_code == again.status_code == other.status_code == 202
    assert first.json() | {"id": 0, "created_at": ""} == {
        "id": 0, "period_start": "2026-01-01", "period_end": "2026-06-30",
        "missions": sorted([world["mission"].pk, world["circular"].pk]), "roles": ["partner", "supplier"],
        "status": "queued", "progress": 0, "failure_reason": "", "created_at": "", "started_at": None,
        "finished_at": None, "results": None,
    }  # fmt: skip
    assert again.json()["id"] == first.json()["id"]
    assert other.json()["id"] != first.json()["id"]
    assert shown.status_code == 200 and shown.json()["status"] == "queued"
    assert Report.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"period_end": "2025-12-31"}, {"period_end": ["The period must not end before it starts."]}),
        (
            {"period_start": "2020-01-01", "period_end": "2026-01-01"},
            {"period_end": ["A report covers at most five years."]},
        ),
        ({"period_start": "01/02/2026"}, {"period_start": ["Give a date as YYYY-MM-DD."]}),
        ({"missions": [999999]}, {"missions": ["No such mission: 999999."]}),
        (
            {"roles": ["overlord"]},
            {
                "roles": [
                    "Unknown roles: overlord. Choose among: partner, supplier, complementary, institution, association, "
                    "client_community, content_creator."
                ]
            },
        ),
        ({"colour": "red"}, {"colour": ["This field cannot be set here."]}),
    ],
)
def test_a_bad_request_is_refused_field_by_field_and_queues_nothing(alpha_client, world, body, errors):
    answer = request(api(alpha_client, world["manager"]), **body)

    assert (answer.status_code, answer.json()) == (400, errors)
    assert not Report.objects.exists()


def test_only_the_orchestrators_staff_see_reports_and_only_managers_request_them(alpha_client, world, beta):
    report, _created = services.report_request(actor=world["manager"], data=PERIOD)
    reviewer = api(Client(HTTP_HOST=host("alpha")), world["reviewer"])
    sam = api(Client(HTTP_HOST=host("alpha")), world["sam"])

    assert reviewer.get("/api/reports/").json()["count"] == 1
    assert request(reviewer).status_code == 403
    assert reviewer.post(f"/api/reports/{report.pk}/cancel/").status_code == 403
    assert [sam.get("/api/reports/").status_code, sam.get(f"/api/reports/{report.pk}/").status_code] == [403, 403]
    assert request(sam).status_code == 403
    assert Report.objects.count() == 1
    # Alpha's manager's token means nothing on beta's host.
    token = api(Client(), world["manager"]).defaults["HTTP_AUTHORIZATION"]
    assert Client(HTTP_HOST=host("beta"), HTTP_AUTHORIZATION=token).get("/api/reports/").status_code == 401


def test_a_pending_report_is_cancelled_once(alpha_client, world):
    client = api(alpha_client, world["manager"])
    report = request(client).json()

    cancelled = client.post(f"/api/reports/{report['id']}/cancel/")
    again = client.post(f"/api/reports/{report['id']}/cancel/")
    export = client.get(f"/api/reports/{report['id']}/export/")
    fresh = request(client)

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert again.status_code == 409 and again.json()["code"] == "report_not_pending"
    assert export.status_code == 409 and export.json()["code"] == "report_not_done"
    assert fresh.json()["id"] != report["id"]  # a cancelled report no longer stands for its parameters


def test_the_sweeper_fails_a_report_whose_worker_was_lost_and_no_other(world, settings):
    now = timezone.now()
    limit = dt.timedelta(seconds=settings.VALUE_REPORT_TIME_LIMIT)
    stuck = Report.objects.create(period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 1, 31),
                                  status="running", started_at=now - limit - dt.timedelta(minutes=1))  # fmt: skip
    running = Report.objects.create(period_start=dt.date(2026, 2, 1), period_end=dt.date(2026, 2, 28),
                                    status="running", started_at=now - limit + dt.timedelta(minutes=1))  # fmt: skip
    lost = Report.objects.create(period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31))
    Report.objects.filter(pk=lost.pk).update(created_at=now - 2 * limit - dt.timedelta(minutes=1))
    queued = Report.objects.create(period_start=dt.date(2026, 4, 1), period_end=dt.date(2026, 4, 30))

    swept = services.reports_fail_stuck(now)

    states = dict(Report.objects.values_list("pk", "status"))
    assert swept == 2
    assert states == {stuck.pk: "failed", running.pk: "running", lost.pk: "failed", queued.pk: "queued"}
    assert Report.objects.get(pk=stuck.pk).failure_reason.startswith("The computation stopped before it finished")


def test_the_monthly_report_covers_the_previous_month(world):
    from ecosystem.value.tasks import monthly_report

    pk = monthly_report("2026-03-01")
    again = monthly_report("2026-03-15")

    report = Report.objects.get(pk=pk)
    assert (report.period_start, report.period_end, report.missions, report.roles) == (
        dt.date(2026, 2, 1), dt.date(2026, 2, 28), [], [],
    )  # fmt: skip
    assert again == pk and report.requested_by is None


@pytest.mark.django_db(transaction=True)
def test_identical_requests_at_once_never_make_two_pending_reports(race):
    """Eight requests at once: while a report is queued or running every other request returns it. A small
    report may finish during the race (tasks run as soon as a request commits): a request after that
    queues a new one, and that is right; two reports of these parameters are never pending together."""
    manager = make_user(race, "manager")
    token = api(Client(), manager).defaults["HTTP_AUTHORIZATION"]

    def post(i: int):
        client = Client(HTTP_HOST=host(race.slug), HTTP_AUTHORIZATION=token, raise_request_exception=False)
        return client.post("/api/reports/", PERIOD, content_type="application/json")

    answers = in_parallel(8, post)

    assert {a.status_code for a in answers} == {202}
    reports = list(Report.objects.order_by("created_at", "pk"))
    assert {a.json()["id"] for a in answers} == {r.pk for r in reports}
    for earlier, later in itertools.pairwise(reports):
        assert earlier.finished_at is not None and earlier.finished_at <= later.created_at


# --- through the real worker ------------------------------------------------------------


def _wait_until_finished(report_id: int, timeout: float = 30.0) -> Report:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = Report.objects.get(pk=report_id)
        if not report.is_pending:
            return report
        time.sleep(0.1)
    raise AssertionError(f"report {report_id} still {report.status} after {timeout}s")


def _forget(tenant, *, users, partners) -> None:
    with schema_context(tenant.schema_name):
        Report.objects.all().delete()
        Contribution.objects.filter(partner__in=partners).delete()
        Mission.objects.filter(owner_id__in=users).delete()
        User.objects.filter(pk__in=users).delete()
        Partner.objects.filter(pk__in=[p.pk for p in partners]).delete()
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE core_auditevent")  # the trail refuses DELETE


@pytest.mark.worker
def test_a_real_worker_computes_the_report_and_its_results_are_stored(tenants, committed, worker):
    alpha = tenants["alpha"]
    connection.set_tenant(alpha)
    medisol = Partner.objects.create(name="Worker Medisol", role="supplier", status="active")
    finamed = Partner.objects.create(name="Worker Finamed", role="partner", status="active")
    manager = make_user(alpha, "manager")
    committed(lambda: _forget(alpha, users=[manager.pk], partners=[medisol, finamed]))
    connection.set_tenant(alpha)
    mission = open_mission(manager, title="Worker mission")
    join(manager, mission, medisol, finamed)
    solo = declare(manager, mission, partner=medisol.pk, value="600.00", date="2026-02-10")
    joint = declare(manager, mission, partner=medisol.pk, value="400.00", date="2026-03-05",
                    contributors=[{"partner": medisol.pk, "weight": "0.75"}, {"partner": finamed.pk, "weight": "0.25"}])  # fmt: skip
    connection.set_tenant(alpha)
    finamed_user = make_user(alpha, "partner_admin", partner=finamed)
    committed(lambda: _forget(alpha, users=[finamed_user.pk], partners=[]))
    missions_services.share_confirm(actor=finamed_user, contribution=joint)
    for contribution in (solo, joint):
        missions_services.contribution_validate(actor=manager, contribution=contribution)

    report, created = services.report_request(actor=manager, data=PERIOD)
    finished = _wait_until_finished(report.pk)

    assert created and finished.status == "done", finished.failure_reason
    assert (finished.progress, finished.attempts, finished.started_at is not None) == (100, 1, True)
    summary = finished.summary
    assert (summary["total_value"], summary["joint_value"], summary["synergy_ratio"]) == ("1000.00", "400.00", 0.4)
    rows = {r.partner_id: r for r in ReportRow.objects.filter(report=finished)}
    assert (str(rows[medisol.pk].linear), str(rows[finamed.pk].linear)) == ("900.00", "100.00")
    assert (str(rows[medisol.pk].solo), str(rows[medisol.pk].joint)) == ("600.00", "300.00")
    assert list(ReportPair.objects.filter(report=finished).values_list("value", flat=True)) == [Decimal("400.00")]
    again, created_again = services.report_request(actor=manager, data=PERIOD)
    assert created_again is True  # done: a new request computes anew
    # Let the worker finish it: the cleanup deletes the reports, and a result written meanwhile would block it.
    assert _wait_until_finished(again.pk).status == "done"


def _start_worker(queue: str) -> subprocess.Popen:
    """A worker of this test's own, quick to take back a task whose worker died."""
    env = {
        **os.environ, "DATABASE_URL": test_database_url(), "CELERY_QUEUE": queue, "DJANGO_ENV": "test",
        "CELERY_VISIBILITY_TIMEOUT": "2", "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "ecosystem", "worker", "--pool=solo", "--loglevel=WARNING",
         "-Q", queue, "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    return process


@pytest.mark.worker
def test_a_worker_killed_mid_report_leaves_it_to_another_worker_which_completes_it(tenants, committed):
    from ecosystem.celery import app as celery_app
    from ecosystem.value.tasks import compute_report

    celery_app.conf.task_always_eager = False  # to the workers below (the autouse fixture puts it back)

    alpha = tenants["alpha"]
    connection.set_tenant(alpha)
    medisol = Partner.objects.create(name="Killed Medisol", role="supplier", status="active")
    finamed = Partner.objects.create(name="Killed Finamed", role="partner", status="active")
    manager = make_user(alpha, "manager")

    def forget() -> None:
        with schema_context(alpha.schema_name), connection.cursor() as cursor:
            cursor.execute("TRUNCATE missions_share, missions_contribution CASCADE")
        _forget(alpha, users=[manager.pk], partners=[medisol, finamed])

    committed(forget)
    connection.set_tenant(alpha)
    mission = open_mission(manager, title="Killed mission")
    join(manager, mission, medisol, finamed)
    connection.set_tenant(alpha)
    with transaction.atomic(), connection.cursor() as cursor:
        # Enough contributions for the report to take a moment: the worker dies in the middle of it.
        cursor.execute(
            """
            INSERT INTO missions_contribution (mission_id, partner_id, kind, description, value, date, status,
                evidence_url, evidence_file, rejection_reason, created_at, updated_at)
            SELECT %s, %s, 'revenue_sourced', '', 1 + i %% 100, DATE '2026-01-01' + i %% 180, 'validated',
                   '', '', '', now(), now()
            FROM generate_series(1, 120000) AS i
            """,
            [mission.pk, medisol.pk],
        )
        cursor.execute(
            "INSERT INTO missions_share (contribution_id, partner_id, weight, state, created_at)"
            " SELECT id, partner_id, 1, 'confirmed', now() FROM missions_contribution WHERE mission_id = %s",
            [mission.pk],
        )
    with connection.cursor() as cursor:
        # What autovacuum would do soon after such an import: without statistics the planner takes
        # these tables for empty and the report's plans crawl.
        cursor.execute("ANALYZE missions_contribution; ANALYZE missions_share")
    report = Report.objects.create(**{k: dt.date.fromisoformat(v) for k, v in PERIOD.items()})
    queue = f"kill-{uuid.uuid4().hex[:8]}"
    first = _start_worker(queue)
    second = None
    try:
        compute_report.apply_async(args=[report.pk], queue=queue)
        deadline = time.monotonic() + 60
        while (status := Report.objects.get(pk=report.pk).status) == "queued":
            assert time.monotonic() < deadline, "the first worker never started the report"
            time.sleep(0.02)
        assert status == "running", status
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        stuck = Report.objects.get(pk=report.pk)
        assert (stuck.status, stuck.attempts) == ("running", 1)

        second = _start_worker(queue)
        finished = _wait_until_finished(report.pk, timeout=90)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)

    assert (finished.status, finished.attempts, finished.progress) == ("done", 2, 100), finished.failure_reason
    assert finished.summary["contributions"] == 120000
    assert ReportRow.objects.filter(report=finished).count() == 1  # one result, whatever ran before


def test_on_the_first_of_the_month_every_active_tenant_gets_its_report(alpha, beta):
    from ecosystem.value.tasks import monthly_reports_everywhere

    sent = monthly_reports_everywhere()

    for slug in ("alpha", "beta"):
        with schema_context(slug):
            assert Report.objects.filter(requested_by=None).count() == 1, slug
    assert sent >= 2
