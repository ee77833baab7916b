from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django_tenants.utils import get_public_schema_name, schema_context

from ecosystem.accounts.tasks import clear_expired_sessions
from ecosystem.celery import app
from ecosystem.core.links import tenant_url

from .models import Orchestrator
from .selectors import orchestrators_where_email_signs_in


def in_every_active_tenant(task) -> int:
    """Send `task` (no arguments) once per active tenant, from inside its schema so that it runs
    there; for beat entry points, which run in the public schema. How many were sent."""
    schemas = list(
        Orchestrator.objects.exclude(schema_name=get_public_schema_name())
        .filter(status=Orchestrator.Status.ACTIVE)
        .values_list("schema_name", flat=True)
    )
    for schema in schemas:
        with schema_context(schema):
            task.delay()
    return len(schemas)


@app.task(name="tenancy.clear_expired_sessions_everywhere")
def clear_expired_sessions_everywhere() -> int:
    """Beat entry point: every active tenant's expired sessions cleared."""
    return in_every_active_tenant(clear_expired_sessions)


@app.task(name="tenancy.send_ecosystem_list", autoretry_for=(OSError,), retry_backoff=True)
def send_ecosystem_list(email: str, language: str) -> int:
    """Mail `email` the ecosystems where it may sign in, with their sign-in
    links, in `language`; nothing when there is none. Runs in the public schema.
    Returns how many ecosystems were listed."""
    orchestrators = orchestrators_where_email_signs_in(email=email)
    if not orchestrators:
        return 0
    login = f"{reverse('accounts:login', urlconf=settings.ROOT_URLCONF)}?{urlencode({'email': email})}"
    ecosystems = [{"name": o.name, "url": tenant_url(o, login)} for o in orchestrators]
    with translation.override(language):
        subject = render_to_string("tenancy/email/ecosystems_subject.txt").strip()
        body = render_to_string("tenancy/email/ecosystems.txt", {"ecosystems": ecosystems})
    send_mail(subject, body, None, [email])
    return len(ecosystems)
