"""Django's auth signals are the only hook for sign-in events: record them."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import connection
from django.dispatch import receiver
from django_tenants.utils import get_public_schema_name

from ecosystem.core.audit import audit_record
from ecosystem.core.network import client_ip

from .middleware import SESSION_TENANT_KEY


@receiver(user_logged_in, dispatch_uid="accounts.bind_session_to_tenant")
def bind_session_to_tenant(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_TENANT_KEY] = connection.schema_name


@receiver(user_logged_in, dispatch_uid="accounts.remember_language")
def remember_language(sender, request, user, **kwargs):
    """Mails to the user are written in the language they sign in with."""
    language = getattr(request, "LANGUAGE_CODE", "") if request is not None else ""
    if language and language != user.language and connection.schema_name != get_public_schema_name():
        type(user).objects.filter(pk=user.pk).update(language=language)
        user.language = language


@receiver(user_login_failed, dispatch_uid="accounts.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    email = (credentials.get("username") or credentials.get("email") or "")[:254]
    audit_record(
        actor=None,
        actor_label=email,
        action="auth.login_failed",
        after={"email": email},
        ip=client_ip(request),
    )
