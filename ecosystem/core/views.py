from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET

from . import services
from .dashboard import dashboard_panels
from .errors import FieldErrors
from .forms import TenantSettingsForm
from .models import TENANT_SETTING_FIELDS
from .network import client_ip
from .roles import ADMINS, EVERYONE, PARTNER_USERS, has_role
from .selectors import tenant_settings


def role_required(*roles: str) -> Callable:
    """Signed in, active, and holding one of `roles`; otherwise 403 (or login)."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not has_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def form_errors_from(form: forms.Form, error: FieldErrors) -> None:
    """Put a service's field errors on the form (unknown fields become non-field errors)."""
    for field, messages_ in error.errors.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


def progress_fragment(request: HttpRequest, template: str, context: dict, *, pending: bool) -> HttpResponse:
    """A long job's progress bar, polled by htmx while `pending`; once it is not, htmx reloads the page
    (which then shows the result, or the failure)."""
    response = render(request, template, context)
    if not pending:
        response["HX-Refresh"] = "true"
    return response


@role_required(*EVERYONE)
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.user.role in PARTNER_USERS:
        return redirect("portal:home")
    return render(request, "core/dashboard.html", {"panels": dashboard_panels(request.user)})


@role_required(*ADMINS)
def settings_page(request: HttpRequest) -> HttpResponse:
    current = tenant_settings()
    initial = {field: getattr(current, field) for field in TENANT_SETTING_FIELDS}
    form = TenantSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.tenant_settings_update(actor=request.user, data=form.cleaned_data, ip=client_ip(request))
        except FieldErrors as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("The settings were saved."))
            return redirect("core:settings")
    return render(request, "core/settings.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    # Tenant sites are private working spaces: keep them out of search engines.
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: JSON under /api/ (API errors are always JSON), the site's page elsewhere."""
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON under /api/, the site's page elsewhere."""
    if _is_api(request):
        return JsonResponse({"detail": _("A server error occurred.")}, status=500)
    return defaults.server_error(request)
