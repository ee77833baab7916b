"""The orchestrator's pages: directory, partner detail, forms, lifecycle, import/export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.accounts import services as accounts_services
from ecosystem.accounts.forms import AcceptInvitationForm
from ecosystem.accounts.models import Invitation
from ecosystem.core.audit import audit_events_for
from ecosystem.core.audit_text import describe_events
from ecosystem.core.errors import ApplicationError, FieldErrors
from ecosystem.core.roles import ADMINS, MANAGERS, STAFF, has_role
from ecosystem.core.selectors import tenant_settings
from ecosystem.core.views import client_ip, form_errors_from, role_required

from . import csv_io, selectors, services
from .forms import (
    AgreementForm,
    EcosystemProfileForm,
    ImportForm,
    LifecycleForm,
    PartnerForm,
    PartnerInvitationForm,
    TierForm,
    lifecycle_form,
)
from .models import ParticipantRole, Partner, ValueProposition

PAGE_SIZE = 50


@role_required(*STAFF)
def directory(request: HttpRequest) -> HttpResponse:
    found = selectors.partner_directory(request.GET, viewer=request.user)
    partners = found.qs if found.is_valid() else Partner.objects.none()
    page = Paginator(partners, PAGE_SIZE).get_page(request.GET.get("page"))
    window = tenant_settings().agreement_expiring_days
    for partner in page.object_list:
        partner.agreement_state = selectors.horizon_state(partner.agreement_horizon, window=window)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": found,
        "page": page,
        "query": query.urlencode(),
        "sort": request.GET.get("sort") or "name",
        "countries": selectors.countries_in_use(),
        "tiers": selectors.tiers_visible_to(request.user),
        "roles": ParticipantRole.choices,
        "statuses": Partner.Status.choices,
        "agreement_states": selectors.AGREEMENT_STATES,
        "can_manage": has_role(request.user, MANAGERS),
    }
    return render(request, "partners/directory.html", context, status=200 if found.is_valid() else 400)


@role_required(*STAFF)
def export(request: HttpRequest) -> HttpResponse:
    found = selectors.partner_directory(request.GET, viewer=request.user)
    if not found.is_valid():
        return HttpResponse(_("Invalid filters."), status=400, content_type="text/plain")
    return csv_io.partners_export_response(found.qs, request=request)


def _competitor_choices(viewer, exclude: int | None = None) -> list[tuple[str, str]]:
    partners = selectors.partners_visible_to(viewer).exclude(pk=exclude)
    return [(str(pk), name) for pk, name in partners.values_list("pk", "name")]


def _visible_partner(request: HttpRequest, pk: int) -> Partner:
    return get_object_or_404(selectors.partners_visible_to(request.user), pk=pk)


@role_required(*MANAGERS)
def partner_new(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None, competitor_choices=_competitor_choices(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.partner_create(actor=request.user, data=form.service_data(), ip=client_ip(request))
        except FieldErrors as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": partner.name})
            return redirect("partners:detail", pk=partner.pk)
    return render(request, "partners/form.html", {"form": form, "partner": None}, status=400 if form.errors else 200)


@role_required(*MANAGERS)
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _visible_partner(request, pk)
    initial = {
        **{f: getattr(partner, f) for f in ("name", "role", "country", "website", "description", "external_id",
                                             "contact_email", "contact_phone", "notes")},
        "tier": partner.tier_id, "tags": ", ".join(partner.tags),
        "competitors": [str(c.pk) for c in partner.competitors.all()],
    }  # fmt: skip
    form = PartnerForm(request.POST or None, initial=initial, competitor_choices=_competitor_choices(request.user, pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_update(
                actor=request.user, partner=partner, data=form.service_data(), ip=client_ip(request)
            )
        except FieldErrors as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("partners:detail", pk=partner.pk)
    return render(
        request, "partners/form.html", {"form": form, "partner": partner}, status=400 if form.errors else 200
    )


@role_required(*STAFF)
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


def _detail_page(
    request: HttpRequest,
    pk: int,
    *,
    agreement_form: AgreementForm | None = None,
    invitation_form: PartnerInvitationForm | None = None,
    failed_lifecycle_form: LifecycleForm | None = None,
) -> HttpResponse:
    """The partner page; a form that failed comes back bound, with its errors under its fields (400).

    An exited partner's page is read-only: no lifecycle, agreement, invitation or edit form.
    """
    try:
        partner = selectors.partner_detail(pk, viewer=request.user)
    except Partner.DoesNotExist:
        raise Http404 from None
    failed = [form for form in (agreement_form, invitation_form, failed_lifecycle_form) if form is not None]
    lifecycle_forms = [
        failed_lifecycle_form
        if failed_lifecycle_form is not None and failed_lifecycle_form.action == action
        else lifecycle_form(action, partner=partner)
        for action in services.partner_lifecycle_actions(partner)
    ]
    context = {
        "partner": partner,
        "agreement_state": selectors.horizon_state(partner.agreement_horizon),
        "users": selectors.partner_users(partner),
        "invitations": selectors.partner_invitations(partner, viewer=request.user),
        "history": describe_events(audit_events_for(partner)[:50]),
        "can_manage": has_role(request.user, MANAGERS) and not partner.has_exited,
        "lifecycle_forms": lifecycle_forms,
        "agreement_form": agreement_form or AgreementForm(),
        "invitation_form": invitation_form or PartnerInvitationForm(),
    }
    return render(request, "partners/detail.html", context, status=400 if failed else 200)


@require_POST
@role_required(*MANAGERS)
def partner_lifecycle(request: HttpRequest, pk: int, change: str) -> HttpResponse:
    if change not in services.LIFECYCLE_ACTIONS:
        raise Http404
    partner = _visible_partner(request, pk)
    form = lifecycle_form(change, partner=partner, data=request.POST)
    try:
        # A page older than the partner's status shows a form that no longer applies: say why.
        services.partner_lifecycle_check(partner=partner, action=change)
        if form.is_valid():
            updated = services.partner_lifecycle_change(
                actor=request.user, partner=partner, action=change, reason=form.cleaned_data.get("reason", ""),
                ip=client_ip(request),
            )  # fmt: skip
            messages.success(request, str(form.done) % {"name": updated.name})
            return redirect("partners:detail", pk=pk)
    except FieldErrors as error:
        form_errors_from(form, error)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("partners:detail", pk=pk)
    return _detail_page(request, pk, failed_lifecycle_form=form)


@require_POST
@role_required(*MANAGERS)
def agreement_new(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _visible_partner(request, pk)
    form = AgreementForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.agreement_create(
                actor=request.user, partner=partner, data=form.cleaned_data,
                document=form.cleaned_data["document"], ip=client_ip(request),
            )  # fmt: skip
        except FieldErrors as error:
            form_errors_from(form, error)
        except ApplicationError as error:  # the partner has exited: its page offers no form
            messages.error(request, error.message)
            return redirect("partners:detail", pk=pk)
        else:
            messages.success(request, _("Agreement added."))
            return redirect("partners:detail", pk=pk)
    return _detail_page(request, pk, agreement_form=form)


def agreement_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement's file, for the orchestrator's staff and the partner's own users."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    agreement = get_object_or_404(selectors.agreements_visible_to(user), pk=pk)
    if not agreement.document:
        raise Http404
    return FileResponse(agreement.document.open("rb"), as_attachment=True)


@require_POST
@role_required(*MANAGERS)
def partner_invite(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _visible_partner(request, pk)
    form = PartnerInvitationForm(request.POST)
    if form.is_valid():
        try:
            issued = accounts_services.invitation_create(
                actor=request.user, partner=partner, ip=client_ip(request), **form.cleaned_data
            )
        except FieldErrors as error:
            form_errors_from(form, error)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("partners:detail", pk=pk)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": issued.invitation.email})
            return redirect("partners:detail", pk=pk)
    return _detail_page(request, pk, invitation_form=form)


@role_required(*MANAGERS)
def import_partners(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors, result, status = [], None, 200
    if request.method == "POST" and form.is_valid():
        try:
            result = csv_io.partners_import(
                actor=request.user, upload=form.cleaned_data["file"], ip=client_ip(request)
            )
        except csv_io.ImportRejected as rejected:
            errors, status = rejected.errors, 400
            messages.error(request, rejected.message)
        else:
            messages.success(
                request,
                _("Import done: %(created)d created, %(updated)d updated.")
                % {"created": result.created, "updated": result.updated},
            )
            return redirect("partners:directory")
    elif form.errors:
        status = 400
    context = {"form": form, "errors": errors, "columns": csv_io.COLUMNS}
    return render(request, "partners/import.html", context, status=status)


@role_required(*STAFF)
def tiers(request: HttpRequest) -> HttpResponse:
    form = TierForm(request.POST or None)
    if request.method == "POST":
        if not has_role(request.user, MANAGERS):
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                services.tier_create(actor=request.user, **form.cleaned_data)
            except FieldErrors as error:
                form_errors_from(form, error)
            else:
                messages.success(request, _("Tier added."))
                return redirect("partners:tiers")
    context = {
        "form": form,
        "tiers": selectors.tiers_visible_to(request.user),
        "can_manage": has_role(request.user, MANAGERS),
    }
    return render(request, "partners/tiers.html", context, status=400 if form.errors else 200)


@role_required(*ADMINS)
def ecosystem_profile(request: HttpRequest) -> HttpResponse:
    profile = services.ecosystem_profile()
    propositions = {vp.role: vp for vp in ValueProposition.objects.all()}
    initial = {"mission": profile.mission}
    for role in ParticipantRole:
        vp = propositions.get(role.value)
        initial[f"offers_{role.value}"] = vp.offers if vp else ""
        initial[f"expects_{role.value}"] = vp.expects if vp else ""
    form = EcosystemProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.ecosystem_profile_update(
                actor=request.user, mission=form.cleaned_data["mission"],
                propositions=form.propositions(), ip=client_ip(request),
            )  # fmt: skip
        except FieldErrors as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("The ecosystem profile was saved."))
            return redirect("partners:ecosystem")
    return render(request, "partners/ecosystem.html", {"form": form}, status=400 if form.errors else 200)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation link opens: choose a password, join, land signed in."""
    invitation = accounts_services.invitation_for_token(token)
    state = invitation.state if invitation else None
    if state != Invitation.State.PENDING:
        return render(
            request,
            "accounts/invitation_unusable.html",
            {"state": state},
            status=410 if state else 404,
        )
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
                ip=client_ip(request),
            )
        except FieldErrors as error:
            form_errors_from(form, error)
        except ApplicationError as error:
            return render(request, "accounts/invitation_unusable.html", {"message": error.message}, status=409)
        else:
            login(request, user, backend="ecosystem.accounts.backends.AccountBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("core:dashboard")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=400 if form.errors else 200,
    )
