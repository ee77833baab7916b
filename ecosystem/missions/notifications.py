"""Mails about missions, sent by Celery once the transaction that caused them commits.

Each function is called by a service inside its transaction; it schedules the
task with ids only, and the task reads the rows (and each recipient's
language) when it runs.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .models import Contribution, Participation


def partner_invited(participation: Participation) -> None:
    from .tasks import mail_partner_invited

    pk = participation.pk
    transaction.on_commit(lambda: mail_partner_invited.delay(pk))


def shares_awaiting(contribution: Contribution) -> None:
    """Ask each co-contributor whose share is pending to confirm or decline it."""
    from .tasks import mail_shares_awaiting

    if contribution.status != Contribution.Status.AWAITING_CONFIRMATION:
        return
    pk = contribution.pk
    transaction.on_commit(lambda: mail_shares_awaiting.delay(pk))


def shares_awaiting_many(ids: Iterable[int]) -> None:
    """The same, for the joint contributions of a batch: one task for them all."""
    from .tasks import mail_shares_awaiting_many

    ids = list(ids)
    if ids:
        transaction.on_commit(lambda: mail_shares_awaiting_many.delay(ids))


def share_declined(contribution: Contribution, *, partner_id: int, reason: str) -> None:
    from .tasks import mail_share_declined

    pk = contribution.pk
    transaction.on_commit(lambda: mail_share_declined.delay(pk, partner_id, reason))


def contributions_reviewed(ids: Iterable[int]) -> None:
    """Tell the declaring partners that their contributions were validated or rejected."""
    from .tasks import mail_contributions_reviewed

    ids = list(ids)
    if ids:
        transaction.on_commit(lambda: mail_contributions_reviewed.delay(ids))
