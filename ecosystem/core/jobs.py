"""Long jobs run by Celery (value reports, governance reviews): one lifecycle, written once.

A request creates the job's row `queued` (`job_request`: asking again with the
same parameters while one is pending returns that one; the concrete model's
partial unique constraint guarantees it under concurrency) and sends its task
once committed. The task (`job_run`) moves it to `running`, reports progress
(and finds out about a cancel: `Cancelled`), then its work ends it `done`
(`job_done`) in one transaction, or it is `failed` with a reason a person can
read. A task is idempotent: it does nothing for a job that is no longer
pending. A worker killed mid-job leaves the message to another worker
(`acks_late`); after MAX_ATTEMPTS deliveries the job is failed, and one nobody
finishes within its time limit is failed by the sweeper (`jobs_fail_stuck`,
from beat): never running for ever.

The concrete models (`value.Report`, `governance.Review`) subclass `Job`, keep
their own parameters, and add their own constraints to `Job.Meta`'s; the
per-kind texts (what to tell a person) stay with them.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .errors import Conflict

# A job redelivered this many times (its worker killed each time) is given up.
MAX_ATTEMPTS = 3
PROGRESS_EVERY = 0.5  # seconds: a page polls every second or two; each write is a commit


class Job(models.Model):
    """What every long job row holds: its status, progress, attempts, times and why it failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    PENDING = (Status.QUEUED, Status.RUNNING)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    failure_reason = models.TextField(_("why it failed"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        # `%(class)s`: report_progress_percent, review_status_started, ... (the names the tables have).
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="%(class)s_progress_percent")]
        indexes = [models.Index(fields=["status", "started_at"], name="%(class)s_status_started")]

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING


J = TypeVar("J", bound=Job)
Progress = Callable[[int], None]


class Cancelled(Exception):
    """The job was cancelled (or finished elsewhere) while it was running."""


# --- requests (services) ----------------------------------------------------------------------


def job_request(
    model: type[J],
    *,
    parameters: Callable[[], Mapping[str, Any]],
    queue: Callable[[Mapping[str, Any]], J],
    contended: str,
    code: str,
) -> tuple[J, bool]:
    """The pending job of these `parameters()` and False, or `queue(parameters)`'s new one and True.

    `queue` creates the row (and sends its task on commit) in its own transaction: when a request
    with the same parameters wins the race, the unique constraint refuses ours and we look again
    (theirs, if it is still pending; a small job may be done already: then ours is queued)."""
    for _attempt in range(3):
        found_with = parameters()
        found = model.objects.filter(status__in=model.PENDING, **found_with).first()
        if found is not None:
            return found, False
        try:
            return queue(found_with), True
        except IntegrityError:
            continue
    raise Conflict(contended, code=code)


def job_cancel(job: J, *, refusal: str, code: str) -> J:
    """The job, locked and cancelled (its task sees it at its next step and stops); Conflict if it is
    no longer pending (`refusal` % {"status": ...}). Needs a transaction."""
    job = type(job).objects.select_for_update().get(pk=job.pk)
    if not job.is_pending:
        raise Conflict(refusal % {"status": job.get_status_display()}, code=code)
    job.status, job.finished_at = Job.Status.CANCELLED, timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return job


def jobs_stuck(model: type[J], *, limit: dt.timedelta, now: dt.datetime | None = None) -> QuerySet[J]:
    """Jobs running for longer than `limit` (their worker was lost), or queued for twice as long
    (their message was lost)."""
    cutoff = (now or timezone.now()) - limit
    return model.objects.filter(
        Q(status=Job.Status.RUNNING, started_at__lt=cutoff)
        | Q(status=Job.Status.QUEUED, created_at__lt=cutoff - limit)
    )


@transaction.atomic
def jobs_fail_stuck(
    model: type[Job], *, limit: dt.timedelta, reason: str, action: str, now: dt.datetime | None = None
) -> int:
    """Mark every stuck job `failed` with `reason`, audited as `action` by the system; how many."""
    stuck = list(jobs_stuck(model, limit=limit, now=now).select_for_update())
    for job in stuck:
        job.status, job.failure_reason, job.finished_at = Job.Status.FAILED, reason, timezone.now()
        job.save(update_fields=["status", "failure_reason", "finished_at"])
        audit_record(actor=None, action=action, target=job, after={"reason": reason}, actor_label="system")
    return len(stuck)


def job_send(task: Any, job: Job) -> None:
    """Send `task(job.pk)` once the current transaction commits (never for a row that was rolled back)."""
    pk = job.pk
    transaction.on_commit(lambda: task.delay(pk))


# --- running (tasks) --------------------------------------------------------------------------


def time_limits(seconds: int) -> dict[str, int]:
    """A job task's Celery time limits: `seconds` soft (`job_run` fails the job with a readable reason),
    then a minute more before the worker kills the task (a job left running is the sweeper's)."""
    return {"soft_time_limit": seconds, "time_limit": seconds + 60}


def job_start(model: type[J], pk: int, *, interrupted: str) -> J | None:
    """Mark the job running (committed at once, so pages show it); None if there is nothing to do.
    A job started MAX_ATTEMPTS times already is failed instead (`interrupted` % {"count": ...})."""
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=pk).first()
        if job is None or not job.is_pending:
            return None
        if job.attempts >= MAX_ATTEMPTS:
            job_fail(job, interrupted % {"count": job.attempts})
            return None
        job.status, job.progress, job.attempts = Job.Status.RUNNING, 1, job.attempts + 1
        job.started_at, job.failure_reason = timezone.now(), ""
        job.save(update_fields=["status", "progress", "attempts", "started_at", "failure_reason"])
        return job


def job_progress(model: type[Job], pk: int) -> Progress:
    """A `progress(percent)` that writes the percentage (and finds out about a cancel: raises
    Cancelled once the job is no longer running) at most every PROGRESS_EVERY seconds."""
    last = -math.inf

    def report(percent: int) -> None:
        nonlocal last
        if time.monotonic() - last < PROGRESS_EVERY:
            return
        last = time.monotonic()
        still = model.objects.filter(pk=pk, status=Job.Status.RUNNING).update(progress=max(1, min(99, int(percent))))
        if not still:
            raise Cancelled

    return report


def job_fail(job: Job, reason: str) -> None:
    """`failed` with `reason`, unless it is no longer pending (cancelled, or done elsewhere)."""
    type(job).objects.filter(pk=job.pk, status__in=Job.PENDING).update(
        status=Job.Status.FAILED, failure_reason=reason, finished_at=timezone.now()
    )


def job_lock_running(job: J) -> J:
    """The job's row, locked until the transaction ends; Cancelled if it is no longer running
    (its results must then not be stored). Needs a transaction."""
    locked = type(job).objects.select_for_update().get(pk=job.pk)
    if locked.status != Job.Status.RUNNING:
        raise Cancelled
    return locked


def job_done(job: Job, summary: dict[str, Any]) -> None:
    """`done` at 100%, with its summary. In the transaction that stores its results."""
    job.summary = summary
    job.status, job.progress, job.finished_at = Job.Status.DONE, 100, timezone.now()
    job.save(update_fields=["summary", "status", "progress", "finished_at"])


def job_run(
    model: type[J],
    pk: int,
    work: Callable[[J, Progress], None],
    *,
    log: logging.Logger,
    interrupted: str,
    too_long: str,
    unexpected: str,
) -> str:
    """A task's body: start the job, `work(job, progress)` (which ends it with `job_done`), and fail
    it with a readable reason if it runs out of time (`too_long`) or breaks (`unexpected` %
    {"id": ...}, logged). What happened: "nothing to do", "cancelled", "failed" or "done"."""
    job = job_start(model, pk, interrupted=interrupted)
    if job is None:
        return "nothing to do"
    try:
        work(job, job_progress(model, job.pk))
    except Cancelled:
        return "cancelled"
    except SoftTimeLimitExceeded:
        job_fail(job, too_long)
        return "failed"
    except Exception:
        log.exception("%s %s failed", model._meta.verbose_name, job.pk)
        job_fail(job, unexpected % {"id": job.pk})
        return "failed"
    return "done"
