"""Celery entry points of governance reviews (run in the tenant's schema by tenant-schemas-celery).

`run_review` has the value reports' guarantees (`ecosystem/value/tasks.py`):
it does nothing for a review that is no longer pending, and writes a review's
findings in one transaction that first deletes any earlier ones, so running it
twice gives one result. A worker killed mid-review leaves the message to
another worker (`acks_late`); after `jobs.MAX_ATTEMPTS` deliveries, or if none
comes within the time limit (`sweep_stuck_reviews`, from beat), the review is
failed with a reason a person can read: never running for ever. The lifecycle
is `ecosystem.core.jobs`'s, as the value reports'.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from ecosystem.celery import app
from ecosystem.core import jobs
from ecosystem.tenancy.tasks import in_every_active_tenant
from ecosystem.value import rollups

from . import evaluation, services
from .models import Review

log = logging.getLogger(__name__)


def _evaluate(review: Review, progress: jobs.Progress) -> None:
    rollups.refresh()  # the value rules read the roll-ups: as current as the contributions
    rules = list(review.book.rules.order_by("key"))
    evaluation.evaluate(review, rules, progress)
    with transaction.atomic():
        locked = jobs.job_lock_running(review)
        summary = evaluation.store(locked)
        jobs.job_done(locked, {**summary, "rules": len(rules), "version": review.book.number})


@app.task(name="governance.run_review", **jobs.time_limits(settings.GOVERNANCE_REVIEW_TIME_LIMIT))
def run_review(review_id: int) -> str:
    return jobs.job_run(
        Review, review_id, _evaluate, log=log,
        interrupted=_("The review was interrupted %(count)d times; run it again."),
        too_long=_("The review took longer than its time limit; narrow its scope or run it again later."),
        unexpected=_("An unexpected error stopped the review (review %(id)d); the team was told. "
                     "Run it again later."),
    )  # fmt: skip


@app.task(name="governance.sweep_stuck_reviews")
def sweep_stuck_reviews() -> int:
    return services.reviews_fail_stuck()


@app.task(name="governance.sweep_stuck_reviews_everywhere")
def sweep_stuck_reviews_everywhere() -> int:
    """Beat entry point (public schema): one sweep per active tenant, run in its schema."""
    return in_every_active_tenant(sweep_stuck_reviews)
