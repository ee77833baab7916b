from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ecosystem.accounts.models import PARTNER_ROLES, Role

from .errors import FieldErrors


def role_required(*roles: str) -> Callable:
    """Signed in, active, and holding one of `roles`; otherwise 403 (or login)."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def form_errors_from(form: forms.Form, error: FieldErrors) -> None:
    """Put a service's field errors on the form (unknown fields become non-field errors)."""
    for field, messages in error.errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


@role_required(*Role.values)
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.user.role in PARTNER_ROLES:
        return redirect("portal:home")
    return render(request, "core/dashboard.html")


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    # Tenant sites are private working spaces: keep them out of search engines.
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
