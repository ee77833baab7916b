"""Roles in a tenant, the named sets of them, and the one role check.

Every other module takes its role tuples from here: no role tuple is written
anywhere else.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .errors import NotAllowed


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    REVIEWER = "reviewer", _("Governance reviewer")
    PARTNER_ADMIN = "partner_admin", _("Partner administrator")
    PARTNER_MEMBER = "partner_member", _("Partner member")


ADMINS: tuple[str, ...] = (Role.ADMIN,)
# Manage partners, missions and contributions.
MANAGERS: tuple[str, ...] = (Role.ADMIN, Role.MANAGER)
# Read the audit trail, run governance reviews.
REVIEWERS: tuple[str, ...] = (Role.ADMIN, Role.REVIEWER)
# The orchestrator's own people.
STAFF: tuple[str, ...] = (Role.ADMIN, Role.MANAGER, Role.REVIEWER)
# Who may invite people: staff admins and managers, and a partner's admin (into its partner).
INVITERS: tuple[str, ...] = (Role.ADMIN, Role.MANAGER, Role.PARTNER_ADMIN)
# A partner's own users.
PARTNER_USERS: tuple[str, ...] = (Role.PARTNER_ADMIN, Role.PARTNER_MEMBER)
EVERYONE: tuple[str, ...] = tuple(Role.values)


def has_role(user: Any, roles: tuple[str, ...]) -> bool:
    """Signed in, active, and holding one of `roles`."""
    return bool(user and getattr(user, "is_authenticated", False) and user.is_active and user.role in roles)


def require_role(actor: Any, roles: tuple[str, ...], message: str | None = None) -> None:
    """Refuse (403) unless `actor` is active and holds one of `roles`."""
    if not has_role(actor, roles):
        raise NotAllowed(message or gettext("Your role does not allow this."))
