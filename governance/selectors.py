from __future__ import annotations

from django.db.models import Model, QuerySet

from .models import AuditEvent


def audit_events_for(target: Model) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type=target._meta.label_lower, object_id=str(target.pk)).select_related(
        "actor"
    )
