"""Reads across tenants, from the public schema."""

from __future__ import annotations

from django_tenants.utils import get_public_schema_name, schema_context

from ecosystem.accounts.backends import user_may_sign_in
from ecosystem.accounts.models import User

from .models import Orchestrator


def orchestrators_where_email_signs_in(*, email: str) -> list[Orchestrator]:
    """The active orchestrators, by name, where `email` has an account that may
    sign in (active, and not the user of a suspended or exited partner).

    Users live in each tenant's schema: one query lists the orchestrators, then
    one query per orchestrator looks the email up in its schema. Meant for a
    Celery task, not a request.
    """
    orchestrators = (
        Orchestrator.objects.exclude(schema_name=get_public_schema_name())
        .filter(status=Orchestrator.Status.ACTIVE)
        .order_by("name", "pk")
    )
    found = []
    for orchestrator in orchestrators:
        with schema_context(orchestrator.schema_name):
            user = User.objects.select_related("partner").filter(email=email).first()
            if user is not None and user_may_sign_in(user):
                found.append(orchestrator)
    return found
