from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from ecosystem.core.errors import FieldErrors
from ecosystem.core.links import tenant_url
from ecosystem.core.views import client_ip, form_errors_from

from .forms import SignupForm
from .services import orchestrator_admin_handover, orchestrator_signup


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenancy/landing.html")


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            orchestrator = orchestrator_signup(ip=client_ip(request), **form.cleaned_data)
        except FieldErrors as error:
            form_errors_from(form, error)
        else:
            # The new admin lands signed in on the new host: a session cannot
            # cross hosts, a single-use signed link can.
            token = orchestrator_admin_handover(orchestrator=orchestrator, email=form.cleaned_data["email"])
            path = reverse("accounts:sign_in_handover", args=[token], urlconf=settings.ROOT_URLCONF)
            return redirect(tenant_url(orchestrator, path, request))
    return render(
        request,
        "tenancy/signup.html",
        {"form": form, "base_domain": settings.BASE_DOMAIN},
        status=400 if form.errors else 200,
    )
