"""Reads on users and invitations: who may see which."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ecosystem.core.roles import ADMINS, MANAGERS, PARTNER_USERS, STAFF, Role, has_role

from .models import Invitation, User

STAFF_INVITATIONS_SHOWN = 200


def staff_members() -> QuerySet[User]:
    return User.objects.filter(role__in=STAFF).order_by("-is_active", "email")


def users_managed_by(actor: User) -> QuerySet[User]:
    """The users whose role and access an administrator manages: every user of the tenant."""
    return User.objects.all() if has_role(actor, ADMINS) else User.objects.none()


def people_known_to(viewer: User) -> QuerySet[User]:
    """The accounts whose existence `viewer` may learn of: the staff know
    everyone of the ecosystem, a partner's users the people of their own
    organisation, anyone else nobody. (Partner users see other participants
    as organisations, never their people.)"""
    if has_role(viewer, STAFF):
        return User.objects.all()
    if has_role(viewer, PARTNER_USERS) and viewer.partner_id is not None:
        return User.objects.filter(partner_id=viewer.partner_id)
    return User.objects.none()


def invitations_visible_to(user: User) -> QuerySet[Invitation]:
    """The one rule for invitations, for the API, the team page, the partner
    pages and the portal: an administrator sees all; a manager the partner
    invitations; a partner administrator its own partner's; nobody else any."""
    # Newest first: ids grow with `created_at`, which nothing changes after the insert.
    invitations = Invitation.objects.select_related("invited_by").order_by("-id")
    if has_role(user, ADMINS):
        return invitations
    if has_role(user, MANAGERS):
        return invitations.exclude(partner=None)
    if has_role(user, (Role.PARTNER_ADMIN,)) and user.partner_id is not None:
        return invitations.filter(partner_id=user.partner_id)
    return invitations.none()


def pending_now() -> Q:
    """The invitations still waiting for an answer: neither accepted, revoked nor expired."""
    return Q(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())


def pending_invitations_visible_to(user: User) -> QuerySet[Invitation]:
    return invitations_visible_to(user).filter(pending_now())


def staff_invitations_open_first(viewer: User) -> QuerySet[Invitation]:
    """The team page's staff invitations, pending ones first (the newest 200)."""
    return (
        invitations_visible_to(viewer)
        .filter(role__in=STAFF)
        .alias(pending=pending_now())
        .order_by(F("pending").desc(), "-created_at")[:STAFF_INVITATIONS_SHOWN]
    )
