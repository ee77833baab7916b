from __future__ import annotations

from django_tenants.utils import get_public_schema_name, schema_context

from ecosystem.accounts.tasks import clear_expired_sessions
from ecosystem.celery import app

from .models import Orchestrator


@app.task(name="tenancy.clear_expired_sessions_everywhere")
def clear_expired_sessions_everywhere() -> int:
    """Beat entry point (public schema): one task per active tenant, sent from
    inside that tenant's schema so it runs there."""
    schemas = list(
        Orchestrator.objects.exclude(schema_name=get_public_schema_name())
        .filter(status=Orchestrator.Status.ACTIVE)
        .values_list("schema_name", flat=True)
    )
    for schema in schemas:
        with schema_context(schema):
            clear_expired_sessions.delay()
    return len(schemas)
