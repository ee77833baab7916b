from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.core.errors import FieldErrors
from ecosystem.core.links import tenant_url
from ecosystem.core.throttling import RateLimited
from ecosystem.core.views import client_ip, form_errors_from

from .forms import EcosystemFinderForm, SignupForm
from .services import ecosystem_list_request, orchestrator_admin_handover, orchestrator_signup, signup_attempt


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenancy/landing.html", {"finder": EcosystemFinderForm()})


@require_POST
def ecosystem_finder(request: HttpRequest) -> HttpResponse:
    """The landing page's "Find my ecosystem" form. Its answer is the same
    whether or not the address has an account anywhere."""
    form = EcosystemFinderForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            ecosystem_list_request(
                email=form.cleaned_data["email"], language=request.LANGUAGE_CODE, ip=client_ip(request)
            )
        except FieldErrors as error:
            form_errors_from(form, error)
        except RateLimited as error:
            form.add_error(None, error.message)
            status = error.status_code
        else:
            messages.success(request, _("If this address has an account, we have sent it the list of its ecosystems."))
            return redirect(f"{reverse('landing')}#find")
    return render(request, "tenancy/landing.html", {"finder": form}, status=status)


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
