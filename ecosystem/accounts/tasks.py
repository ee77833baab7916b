from __future__ import annotations

from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from ecosystem.celery import app
from ecosystem.core.links import site_url

from .models import Invitation


@app.task(name="accounts.send_invitation_email", autoretry_for=(OSError,), retry_backoff=True)
def send_invitation_email(invitation_id: int, token: str, language: str | None = "en") -> str:
    """Mail the invitation link. Runs in the tenant's schema (tenant-schemas-celery).

    Idempotent enough: a second run mails the same, still valid, link again.
    Returns the address mailed, or "" when the invitation is no longer pending.
    """
    invitation = Invitation.objects.filter(pk=invitation_id).select_related("invited_by", "partner").first()
    if invitation is None or invitation.state != Invitation.State.PENDING:
        return ""
    link = site_url(reverse("invitation_accept", args=[token]))
    context = {"invitation": invitation, "tenant": connection.tenant, "link": link}
    with translation.override(language):
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])
    return invitation.email


@app.task(name="accounts.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete the current tenant's expired sessions."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
