"""Mail tasks (run in the tenant's schema by tenant-schemas-celery).

Recipients are the active users of the partner concerned, each mailed in the
language they last used the site in. A task that finds its rows gone or moved
on sends nothing and returns 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.urls import reverse

from ecosystem.accounts.models import User
from ecosystem.celery import app
from ecosystem.core.links import site_url
from ecosystem.core.mail import mail_users

from .models import Contribution, Participation, Share


def _recipients(partner_ids: Iterable[int]) -> list[User]:
    return list(User.objects.filter(partner_id__in=list(partner_ids), is_active=True).order_by("pk"))


def _mail(users: Iterable[User], template: str, context: dict) -> int:
    """One message per user, rendered in the user's language."""
    return mail_users(users, f"missions/email/{template}", context)


@app.task(name="missions.mail_partner_invited", autoretry_for=(OSError,), retry_backoff=True)
def mail_partner_invited(participation_id: int) -> int:
    participation = Participation.objects.select_related("mission", "partner").filter(pk=participation_id).first()
    if participation is None or participation.state != Participation.State.INVITED:
        return 0
    link = site_url(reverse("mission_portal:detail", args=[participation.mission_id]))
    return _mail(_recipients([participation.partner_id]), "invited", {"participation": participation, "link": link})


@app.task(name="missions.mail_shares_awaiting", autoretry_for=(OSError,), retry_backoff=True)
def mail_shares_awaiting(contribution_id: int) -> int:
    contribution = Contribution.objects.select_related("mission", "partner").filter(pk=contribution_id).first()
    if contribution is None or contribution.status != Contribution.Status.AWAITING_CONFIRMATION:
        return 0
    pending = Share.objects.filter(contribution=contribution, state=Share.State.PENDING)
    shares = {share.partner_id: share for share in pending}
    link = site_url(reverse("mission_portal:contribution", args=[contribution.pk]))
    sent = 0
    for user in _recipients(shares):
        context = {"contribution": contribution, "share": shares[user.partner_id], "link": link}
        sent += _mail([user], "share_awaiting", context)
    return sent


@app.task(name="missions.mail_shares_awaiting_many", autoretry_for=(OSError,), retry_backoff=True)
def mail_shares_awaiting_many(contribution_ids: list[int]) -> int:
    return sum(mail_shares_awaiting(pk) for pk in contribution_ids)


@app.task(name="missions.mail_share_declined", autoretry_for=(OSError,), retry_backoff=True)
def mail_share_declined(contribution_id: int, partner_id: int, reason: str) -> int:
    contribution = Contribution.objects.select_related("mission", "partner").filter(pk=contribution_id).first()
    if contribution is None:
        return 0
    decliner = Share.objects.select_related("partner").filter(contribution=contribution, partner_id=partner_id).first()
    link = site_url(reverse("mission_portal:contribution", args=[contribution.pk]))
    context = {
        "contribution": contribution,
        "decliner": decliner.partner if decliner else None,
        "reason": reason,
        "link": link,
    }
    return _mail(_recipients([contribution.partner_id]), "share_declined", context)


@app.task(name="missions.mail_contributions_reviewed", autoretry_for=(OSError,), retry_backoff=True)
def mail_contributions_reviewed(contribution_ids: list[int]) -> int:
    """One mail per user listing their organisation's contributions that were validated or rejected."""
    reviewed = (
        Contribution.objects.filter(
            pk__in=contribution_ids,
            status__in=(Contribution.Status.VALIDATED, Contribution.Status.REJECTED),
        )
        .select_related("mission")
        .order_by("mission_id", "date", "pk")
    )
    by_partner: dict[int, list[Contribution]] = defaultdict(list)
    for contribution in reviewed:
        by_partner[contribution.partner_id].append(contribution)
    sent = 0
    for user in _recipients(by_partner):
        contributions = by_partner[user.partner_id]
        link = site_url(reverse("mission_portal:detail", args=[contributions[0].mission_id]))
        sent += _mail([user], "reviewed", {"contributions": contributions, "link": link})
    return sent
