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

from ecosystem.accounts.models import User
from ecosystem.celery import app
from ecosystem.core import jobs
from ecosystem.core.links import site_url
from ecosystem.core.mail import mail_users
from ecosystem.tenancy.tasks import in_every_active_tenant
from ecosystem.value import rollups

from . import decisions, evaluation, services
from .models import Appeal, Decision, Review

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


# --- mails (the partner's active users, each in their language; a suspended or exited partner's too) --------


def _partner_users(partner_id: int) -> list[User]:
    return list(User.objects.filter(partner_id=partner_id, is_active=True).order_by("pk"))


@app.task(name="governance.mail_decisions_applied", autoretry_for=(OSError,), retry_backoff=True)
def mail_decisions_applied(decision_ids: list[int]) -> int:
    """Each decision (applied, not a keep) to its partner's users, with their personal appeal link."""
    applied = (
        Decision.objects.filter(pk__in=decision_ids, applied_at__isnull=False)
        .exclude(kind=Decision.Kind.KEEP)
        .select_related("review", "partner", "tier")
        .order_by("pk")
    )
    sent = 0
    for decision in applied:
        deadline = decisions.appeal_deadline(decision)

        def context(user: User, decision: Decision = decision, deadline=deadline) -> dict:
            link = site_url(decisions.appeal_link(decision=decision, user=user))
            return {"decision": decision, "deadline": deadline, "link": link}

        sent += mail_users(_partner_users(decision.partner_id), "governance/email/decision", context)
    return sent


@app.task(name="governance.mail_appeal_answered", autoretry_for=(OSError,), retry_backoff=True)
def mail_appeal_answered(appeal_id: int) -> int:
    appeal = Appeal.objects.select_related("decision", "decision__partner").filter(pk=appeal_id).first()
    if appeal is None or appeal.state == Appeal.State.OPEN:
        return 0
    context = {"appeal": appeal, "decision": appeal.decision, "link": site_url("/portal/decisions/")}
    return mail_users(_partner_users(appeal.decision.partner_id), "governance/email/appeal_answered", context)
