"""The audit trail: every app writes to it, governance shows and exports it.

Writes run in the caller's transaction, so an event exists exactly when the
change it describes was committed. The trail lives in each tenant's schema;
on the public schema nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet
from django_tenants.utils import get_public_schema_name

from .bulk import copy_objects
from .models import AuditEvent
from .roles import REVIEWERS, has_role

# From this many events at once, COPY them (a CRM batch writes thousands).
COPY_FROM = 500


def _on_public_schema() -> bool:
    return connection.schema_name == get_public_schema_name()


def _label(actor: Any | None) -> str:
    return getattr(actor, "email", "")  # no actor (the system), or one without an address: no label


def _event(*, actor, action, target, before, after, ip, actor_label: str = "") -> AuditEvent:
    return AuditEvent(
        actor=actor,
        actor_label=actor_label or _label(actor),
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        before=before,
        after=after,
        ip=ip or None,
    )


def audit_record(
    *,
    actor: Any | None,
    action: str,
    target: Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str | None = None,
    actor_label: str = "",
) -> AuditEvent | None:
    """Append one event to the current tenant's audit trail (None on the public schema)."""
    if _on_public_schema():
        return None
    label = actor_label or _label(actor)
    if actor is not None and actor.pk is None:
        actor = None  # not a stored user: recorded by its label only
    event = _event(actor=actor, action=action, target=target, before=before, after=after, ip=ip, actor_label=label)
    event.save()
    return event


def audit_record_many(
    *,
    actor: Any | None,
    events: list[tuple[str, Model, dict[str, Any] | None, dict[str, Any] | None]],
    ip: str | None = None,
) -> int:
    """Append many events at once (bulk imports): `(action, target, before, after)`."""
    if _on_public_schema() or not events:
        return 0
    rows = [
        _event(actor=actor, action=action, target=target, before=before, after=after, ip=ip)
        for action, target, before, after in events
    ]
    if len(rows) >= COPY_FROM:
        return copy_objects(rows)
    AuditEvent.objects.bulk_create(rows)
    return len(rows)


def audit_events_for(target: Model) -> QuerySet[AuditEvent]:
    """The events about one object, newest first, with their actors (one query)."""
    return AuditEvent.objects.filter(object_type=target._meta.label_lower, object_id=str(target.pk)).select_related(
        "actor"
    )


def audit_events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    """The whole trail, newest first (ids grow with time: rows are never
    updated), for administrators and governance reviewers; nothing for anyone else."""
    if not has_role(user, REVIEWERS):
        return AuditEvent.objects.none()
    return AuditEvent.objects.select_related("actor").order_by("-id")
