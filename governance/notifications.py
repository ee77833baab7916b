"""Mails about governance decisions, sent by Celery once the transaction that caused them commits.

Each function is called by a service inside its transaction; it schedules the
task with ids only, and the task reads the rows (and each recipient's
language) when it runs.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .models import Appeal


def decisions_applied(ids: Iterable[int]) -> None:
    """Tell each partner's users the decision about it (not a keep), with their personal appeal link."""
    from .tasks import mail_decisions_applied

    ids = list(ids)
    if ids:
        transaction.on_commit(lambda: mail_decisions_applied.delay(ids))


def appeal_answered(appeal: Appeal) -> None:
    from .tasks import mail_appeal_answered

    pk = appeal.pk
    transaction.on_commit(lambda: mail_appeal_answered.delay(pk))
