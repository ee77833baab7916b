from __future__ import annotations

from rest_framework import mixins, serializers

from ecosystem.core.api import TenantViewSet
from ecosystem.core.audit import audit_events_visible_to
from ecosystem.core.models import AuditEvent
from ecosystem.core.roles import REVIEWERS

from .filters import AuditEventFilter


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id", "created_at", "actor", "actor_label", "action", "object_type", "object_id", "object_repr",
            "before", "after", "ip",
        ]  # fmt: skip
        read_only_fields = fields


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The audit trail, newest first: administrators and governance reviewers."""

    model = AuditEvent
    roles = REVIEWERS
    visible_to = audit_events_visible_to
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
