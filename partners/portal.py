"""The partner portal: what a partner's users see of the ecosystem and of themselves."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ecosystem.accounts.services import invitation_create
from ecosystem.core.errors import ApplicationError, FieldErrors
from ecosystem.core.portal import portal_panels
from ecosystem.core.roles import PARTNER_USERS, Role
from ecosystem.core.views import client_ip, form_errors_from, role_required

from . import selectors, services
from .forms import PartnerInvitationForm, PartnerProfileForm
from .models import ValueProposition


def _own(request: HttpRequest):
    """The signed-in user's own partner, with its agreements, through the same read rules as the API."""
    return selectors.partner_detail(request.user.partner_id, viewer=request.user)


@role_required(*PARTNER_USERS)
def home(request: HttpRequest) -> HttpResponse:
    partner = _own(request)
    agreements = list(partner.agreements.all())
    context = {
        "partner": partner,
        "profile": services.ecosystem_profile(),
        "proposition": ValueProposition.objects.filter(role=partner.role).first(),
        "agreements": agreements,
        "warnings": [a for a in agreements if a.state != "valid"],
        "panels": portal_panels(request.user),
    }
    return render(request, "portal/home.html", context)


@role_required(*PARTNER_USERS)
def profile(request: HttpRequest) -> HttpResponse:
    partner = _own(request)
    editable = request.user.role == Role.PARTNER_ADMIN
    initial = {f: getattr(partner, f) for f in ("description", "website", "country", "contact_email", "contact_phone")}
    initial["tags"] = ", ".join(partner.tags)
    form = PartnerProfileForm(request.POST or None, initial=initial) if editable else None
    if request.method == "POST":
        if not editable:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                services.partner_update(
                    actor=request.user, partner=partner, data=form.cleaned_data, ip=client_ip(request)
                )
            except FieldErrors as error:
                form_errors_from(form, error)
            else:
                messages.success(request, _("Your profile was saved."))
                return redirect("portal:profile")
    status = 400 if form is not None and form.errors else 200
    return render(request, "portal/profile.html", {"partner": partner, "form": form}, status=status)


@role_required(*PARTNER_USERS)
def team(request: HttpRequest) -> HttpResponse:
    partner = _own(request)
    is_admin = request.user.role == Role.PARTNER_ADMIN
    form = PartnerInvitationForm(request.POST or None) if is_admin else None
    if request.method == "POST":
        if not is_admin:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                issued = invitation_create(
                    actor=request.user, partner=partner, ip=client_ip(request), **form.cleaned_data
                )
            except FieldErrors as error:
                form_errors_from(form, error)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": issued.invitation.email})
                return redirect("portal:team")
    context = {
        "partner": partner,
        "colleagues": selectors.partner_users(partner),
        "invitations": selectors.partner_invitations(partner, viewer=request.user),
        "form": form,
    }
    return render(request, "portal/team.html", context, status=400 if form is not None and form.errors else 200)


@role_required(*PARTNER_USERS)
def participants(request: HttpRequest) -> HttpResponse:
    partner = _own(request)
    page = Paginator(selectors.partners_visible_to(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "portal/participants.html", {"partner": partner, "page": page})
