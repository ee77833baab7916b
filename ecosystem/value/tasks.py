"""Celery entry points of value reports (run in the tenant's schema by tenant-schemas-celery).

`compute_report` is idempotent: it does nothing for a report that is no
longer pending, and it writes a report's results in one transaction that
first deletes any earlier ones, so running it twice gives one result. With
`acks_late` and `task_reject_on_worker_lost` (settings), a worker killed
mid-report leaves the message in the queue: another worker computes it again.
If none does within the time limit, `sweep_stuck_reports` (Celery beat) marks
the report failed: never running for ever. The lifecycle (start, progress,
cancel, fail, attempts) is `ecosystem.core.jobs`'s.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.celery import app
from ecosystem.core import jobs
from ecosystem.tenancy.tasks import in_every_active_tenant

from . import engine, rollups, services, storage
from .models import Report

log = logging.getLogger(__name__)


def _compute(report: Report, progress: jobs.Progress) -> None:
    scope = engine.Scope(
        period_start=report.period_start, period_end=report.period_end,
        missions=tuple(report.missions), roles=tuple(report.roles),
    )  # fmt: skip
    results = engine.compute(scope, progress=progress)
    with transaction.atomic():
        # Not waiting for the disk: a database crash in the instant after this commit can lose the
        # whole transaction (never half of it), and the report, still running, is then failed by the
        # sweeper and requested again. Tens of thousands of rows flush in the background instead.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        storage.store(jobs.job_lock_running(report), results)


@app.task(name="value.compute_report", **jobs.time_limits(settings.VALUE_REPORT_TIME_LIMIT))
def compute_report(report_id: int) -> str:
    return jobs.job_run(
        Report, report_id, _compute, log=log,
        interrupted=_("The computation was interrupted %(count)d times; request the report again."),
        too_long=_("The computation took longer than its time limit; narrow the period or the missions."),
        unexpected=_("An unexpected error stopped the computation (report %(id)d); the team was told. "
                     "Request it again later."),
    )  # fmt: skip


@app.task(name="value.sweep_stuck_reports")
def sweep_stuck_reports() -> int:
    return services.reports_fail_stuck()


@app.task(name="value.sweep_stuck_reports_everywhere")
def sweep_stuck_reports_everywhere() -> int:
    """Beat entry point (public schema): one sweep per active tenant, run in its schema."""
    return in_every_active_tenant(sweep_stuck_reports)


@app.task(name="value.monthly_report")
def monthly_report(today: str | None = None) -> int:
    """The previous calendar month's report of this tenant, every mission and role."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    end = day.replace(day=1) - dt.timedelta(days=1)
    report, _created = services.report_request(
        actor=None, data={"period_start": end.replace(day=1), "period_end": end}
    )
    return report.pk


@app.task(name="value.monthly_reports_everywhere")
def monthly_reports_everywhere() -> int:
    """Beat entry point (public schema), on the first of each month: every active tenant's report."""
    return in_every_active_tenant(monthly_report)


@app.task(name="value.refresh_rollups")
def refresh_rollups() -> int:
    """Rebuild this tenant's roll-ups of the months changed since the last refresh; how many months."""
    return len(rollups.refresh())


@app.task(name="value.refresh_rollups_everywhere")
def refresh_rollups_everywhere() -> int:
    """Beat entry point (public schema): keeps every active tenant's roll-ups current between reports."""
    return in_every_active_tenant(refresh_rollups)
