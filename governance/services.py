"""Governance writes. For now: the audit trail, which every service writes to."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Model
from django_tenants.utils import get_public_schema_name

from .models import AuditEvent


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
    """Append one event to the current tenant's audit trail.

    Needs a tenant schema (the trail lives there); on the public schema there
    is no trail and nothing is written. Runs in the caller's transaction, so an
    event exists exactly when the change it describes was committed.
    """
    if connection.schema_name == get_public_schema_name():
        return None
    if actor is not None and getattr(actor, "pk", None) is None:
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor_label or (getattr(actor, "email", "") if actor else ""),
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        before=before,
        after=after,
        ip=ip or None,
    )


def audit_record_many(
    *,
    actor: Any | None,
    events: list[tuple[str, Model, dict[str, Any] | None, dict[str, Any] | None]],
    ip: str | None = None,
) -> int:
    """Append many events at once (bulk imports): `(action, target, before, after)`."""
    if connection.schema_name == get_public_schema_name() or not events:
        return 0
    label = getattr(actor, "email", "") if actor else ""
    rows = [
        AuditEvent(
            actor=actor, actor_label=label, action=action, object_type=target._meta.label_lower,
            object_id=str(target.pk), object_repr=str(target)[:200], before=before, after=after, ip=ip or None,
        )
        for action, target, before, after in events
    ]  # fmt: skip
    AuditEvent.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
