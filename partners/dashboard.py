"""The partners' panels of the staff dashboard (registered in `PartnersConfig.ready`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.utils import timezone

from ecosystem.accounts.models import User
from ecosystem.accounts.selectors import pending_invitations_visible_to
from ecosystem.core.audit import audit_events_visible_to
from ecosystem.core.audit_text import describe_events
from ecosystem.core.dashboard import Panel, register_panel
from ecosystem.core.roles import REVIEWERS, STAFF

from .models import Partner
from .selectors import agreements_visible_to, partners_visible_to

SHOWN = 8
EXPIRING_DAYS = 30


def partner_counts(user: User) -> dict[str, Any]:
    """Partners by status (every status, zeros included) and by tier (one query each)."""
    partners = partners_visible_to(user).order_by()
    by_status = dict(partners.values_list("status").annotate(n=Count("id")))
    tiers = partners.values("tier_id", "tier__name", "tier__rank").annotate(n=Count("id")).order_by("tier__rank")
    return {
        "total": sum(by_status.values()),
        "by_status": [(value, label, by_status.get(value, 0)) for value, label in Partner.Status.choices],
        "by_tier": [(t["tier_id"], t["tier__name"], t["n"]) for t in tiers],
    }


def agreements_expiring(user: User) -> dict[str, Any]:
    """Agreements that end in the next 30 days, soonest first."""
    today = timezone.localdate()
    ending = (
        agreements_visible_to(user)
        .filter(expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=EXPIRING_DAYS))
        .select_related("partner")
        .order_by("expires_on", "id")
    )
    listed = list(ending[: SHOWN + 1])
    return {"agreements": listed[:SHOWN], "more": len(listed) > SHOWN, "days": EXPIRING_DAYS}


def pending_invitations(user: User) -> dict[str, Any]:
    listed = list(pending_invitations_visible_to(user).select_related("partner")[: SHOWN + 1])
    return {"invitations": listed[:SHOWN], "more": len(listed) > SHOWN}


def recent_activity(user: User) -> dict[str, Any]:
    return {"events": describe_events(audit_events_visible_to(user)[:SHOWN])}


def register() -> None:
    register_panel(Panel("partners", 10, STAFF, "dashboard/partners.html", partner_counts))
    register_panel(Panel("agreements", 20, STAFF, "dashboard/agreements.html", agreements_expiring))
    register_panel(Panel("invitations", 30, STAFF, "dashboard/invitations.html", pending_invitations))
    register_panel(Panel("activity", 40, REVIEWERS, "dashboard/activity.html", recent_activity))
