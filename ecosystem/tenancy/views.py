from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from ecosystem.core.errors import FieldErrors
from ecosystem.core.links import tenant_url
from ecosystem.core.throttling import RateLimited
from ecosystem.core.views import client_ip, form_errors_from

from .forms import SignupForm
from .services import orchestrator_signup, signup_attempt


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenancy/landing.html")


def signup(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            signup_attempt(client=client_ip(request))
        except RateLimited as refusal:
            return render(request, "tenancy/signup_throttled.html", {"message": refusal.message}, status=429)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            orchestrator = orchestrator_signup(ip=client_ip(request), **form.cleaned_data)
        except FieldErrors as error:
            form_errors_from(form, error)
        else:
            query = urlencode({"email": form.cleaned_data["email"].strip().lower(), "welcome": 1})
            return redirect(
                tenant_url(
                    orchestrator,
                    f"{reverse('accounts:login', urlconf=settings.ROOT_URLCONF)}?{query}",
                    request,
                )
            )
    return render(
        request,
        "tenancy/signup.html",
        {"form": form, "base_domain": settings.BASE_DOMAIN},
        status=400 if form.errors else 200,
    )
