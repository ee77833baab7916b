"""Celery entry points of value reports (run in the tenant's schema by tenant-schemas-celery).

`compute_report` is idempotent: it does nothing for a report that is no
longer pending, and it writes a report's results in one transaction that
first deletes any earlier ones, so running it twice gives one result. With
`acks_late` and `task_reject_on_worker_lost` (settings), a worker killed
mid-report leaves the message in the queue: another worker computes it again.
If none does within the time limit, `sweep_stuck_reports` (Celery beat) marks
the report failed: never running for ever.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.celery import app
from ecosystem.tenancy.tasks import in_every_active_tenant

from . import engine, rollups, services, storage
from .models import Report

log = logging.getLogger(__name__)
# A report redelivered this many times (its worker killed each time) is given up.
MAX_ATTEMPTS = 3


class Cancelled(Exception):
    """The report was cancelled (or finished elsewhere) while it was being computed."""


PROGRESS_EVERY = 0.5  # seconds: a page polls every second or two; each write is a commit


def _progress(report_id: int):
    """Writes the percentage (and finds out about a cancel) at most every PROGRESS_EVERY seconds."""
    last = -math.inf

    def report(percent: int) -> None:
        nonlocal last
        if time.monotonic() - last < PROGRESS_EVERY:
            return
        last = time.monotonic()
        still = Report.objects.filter(pk=report_id, status=Report.Status.RUNNING).update(
            progress=max(1, min(99, int(percent)))
        )
        if not still:
            raise Cancelled

    return report


def _start(report_id: int) -> Report | None:
    """Mark the report running (committed at once, so pages show it); None if there is nothing to do."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or not report.is_pending:
            return None
        if report.attempts >= MAX_ATTEMPTS:
            _fail(report, _("The computation was interrupted %(count)d times; request the report again.")
                  % {"count": report.attempts})  # fmt: skip
            return None
        report.status, report.progress, report.attempts = Report.Status.RUNNING, 1, report.attempts + 1
        report.started_at, report.failure_reason = timezone.now(), ""
        report.save(update_fields=["status", "progress", "attempts", "started_at", "failure_reason"])
        return report


def _fail(report: Report, reason: str) -> None:
    Report.objects.filter(pk=report.pk, status__in=Report.PENDING).update(
        status=Report.Status.FAILED, failure_reason=reason, finished_at=timezone.now()
    )


@app.task(
    name="value.compute_report",
    soft_time_limit=settings.VALUE_REPORT_TIME_LIMIT,
    time_limit=settings.VALUE_REPORT_TIME_LIMIT + 60,
)
def compute_report(report_id: int) -> str:
    report = _start(report_id)
    if report is None:
        return "nothing to do"
    scope = engine.Scope(
        period_start=report.period_start, period_end=report.period_end,
        missions=tuple(report.missions), roles=tuple(report.roles),
    )  # fmt: skip
    try:
        results = engine.compute(scope, progress=_progress(report.pk))
        with transaction.atomic():
            # Not waiting for the disk: a database crash in the instant after this commit can lose the
            # whole transaction (never half of it), and the report, still running, is then failed by the
            # sweeper and requested again. Tens of thousands of rows flush in the background instead.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            locked = Report.objects.select_for_update().get(pk=report.pk)
            if locked.status != Report.Status.RUNNING:
                raise Cancelled
            storage.store(locked, results)
    except Cancelled:
        return "cancelled"
    except SoftTimeLimitExceeded:
        _fail(report, _("The computation took longer than its time limit; narrow the period or the missions."))
        return "failed"
    except Exception:
        log.exception("value report %s failed", report.pk)
        _fail(report, _("An unexpected error stopped the computation (report %(id)d); the team was told. "
                        "Request it again later.") % {"id": report.pk})  # fmt: skip
        return "failed"
    return "done"


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
