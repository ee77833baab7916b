"""Celery entry points of governance reviews (run in the tenant's schema by tenant-schemas-celery).

`run_review` has the value reports' guarantees (`ecosystem/value/tasks.py`):
it does nothing for a review that is no longer pending, and writes a review's
findings in one transaction that first deletes any earlier ones, so running it
twice gives one result. A worker killed mid-review leaves the message to
another worker (`acks_late`); after MAX_ATTEMPTS deliveries, or if none comes
within the time limit (`sweep_stuck_reviews`, from beat), the review is failed
with a reason a person can read: never running for ever.
"""

from __future__ import annotations

import logging
import math
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.celery import app
from ecosystem.tenancy.tasks import in_every_active_tenant
from ecosystem.value import rollups

from . import evaluation, services
from .models import Review

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
PROGRESS_EVERY = 0.5  # seconds


class Cancelled(Exception):
    """The review was cancelled (or finished elsewhere) while it was being evaluated."""


def _progress(review_id: int):
    """Writes the percentage (and finds out about a cancel) at most every PROGRESS_EVERY seconds."""
    last = -math.inf

    def report(percent: int) -> None:
        nonlocal last
        if time.monotonic() - last < PROGRESS_EVERY:
            return
        last = time.monotonic()
        still = Review.objects.filter(pk=review_id, status=Review.Status.RUNNING).update(
            progress=max(1, min(99, int(percent)))
        )
        if not still:
            raise Cancelled

    return report


def _fail(review: Review, reason: str) -> None:
    Review.objects.filter(pk=review.pk, status__in=Review.PENDING).update(
        status=Review.Status.FAILED, failure_reason=reason, finished_at=timezone.now()
    )


def _start(review_id: int) -> Review | None:
    """Mark the review running (committed at once, so pages show it); None if there is nothing to do."""
    with transaction.atomic():
        review = Review.objects.select_for_update().filter(pk=review_id).first()
        if review is None or not review.is_pending:
            return None
        if review.attempts >= MAX_ATTEMPTS:
            _fail(review, _("The review was interrupted %(count)d times; run it again.") % {"count": review.attempts})
            return None
        review.status, review.progress, review.attempts = Review.Status.RUNNING, 1, review.attempts + 1
        review.started_at, review.failure_reason = timezone.now(), ""
        review.save(update_fields=["status", "progress", "attempts", "started_at", "failure_reason"])
        return review


@app.task(
    name="governance.run_review",
    soft_time_limit=settings.GOVERNANCE_REVIEW_TIME_LIMIT,
    time_limit=settings.GOVERNANCE_REVIEW_TIME_LIMIT + 60,
)
def run_review(review_id: int) -> str:
    review = _start(review_id)
    if review is None:
        return "nothing to do"
    try:
        rollups.refresh()  # the value rules read the roll-ups: as current as the contributions
        rules = list(review.book.rules.order_by("key"))
        evaluation.evaluate(review, rules, _progress(review.pk))
        with transaction.atomic():
            locked = Review.objects.select_for_update().get(pk=review.pk)
            if locked.status != Review.Status.RUNNING:
                raise Cancelled
            summary = evaluation.store(locked)
            locked.status, locked.progress, locked.finished_at = Review.Status.DONE, 100, timezone.now()
            locked.summary = {**summary, "rules": len(rules), "version": review.book.number}
            locked.save(update_fields=["status", "progress", "finished_at", "summary"])
    except Cancelled:
        return "cancelled"
    except SoftTimeLimitExceeded:
        _fail(review, _("The review took longer than its time limit; narrow its scope or run it again later."))
        return "failed"
    except Exception:
        log.exception("governance review %s failed", review.pk)
        _fail(review, _("An unexpected error stopped the review (review %(id)d); the team was told. "
                        "Run it again later.") % {"id": review.pk})  # fmt: skip
        return "failed"
    return "done"


@app.task(name="governance.sweep_stuck_reviews")
def sweep_stuck_reviews() -> int:
    return services.reviews_fail_stuck()


@app.task(name="governance.sweep_stuck_reviews_everywhere")
def sweep_stuck_reviews_everywhere() -> int:
    """Beat entry point (public schema): one sweep per active tenant, run in its schema."""
    return in_every_active_tenant(sweep_stuck_reviews)
