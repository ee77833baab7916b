from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecosystem.core.errors import ApplicationError, FieldErrors
from ecosystem.core.links import site_url
from ecosystem.core.roles import ADMINS, INVITERS, Role
from ecosystem.core.views import client_ip, form_errors_from, role_required

from . import selectors, services
from .forms import EmailAuthenticationForm, InvitationForm, RoleForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_initial(self):
        return {"username": self.request.GET.get("email", "")}


@require_GET
def sign_in_handover(request: HttpRequest, token: str) -> HttpResponse:
    """Lands a person handed over from the public host (after sign-up) signed in on the dashboard."""
    try:
        user = services.sign_in_handover_redeem(token=token)
    except services.HandoverRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("accounts:login")
    login(request, user, backend="ecosystem.accounts.backends.AccountBackend")
    return redirect("core:dashboard")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # The link's scheme, host and port come from the configuration (the
        # tenant's domain, SITE_SCHEME, SITE_PORT), as in every mail: never
        # from the request's Host header, which whoever asks for the reset writes.
        self.extra_email_context = {"site": site_url("")}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_changed(user=form.user)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:dashboard")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_changed(user=form.user)
        messages.success(self.request, _("Your password was changed."))
        return response


@role_required(*ADMINS)
def team(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.invitation_create(actor=request.user, ip=client_ip(request), **form.cleaned_data)
        except FieldErrors as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": issued.invitation.email})
            return redirect("accounts:team")
    context = {
        "form": form,
        "members": selectors.staff_members(),
        "invitations": selectors.staff_invitations_open_first(request.user),
        "role_form": RoleForm(),
    }
    return render(request, "accounts/team.html", context, status=400 if form.errors else 200)


def _team_action(request: HttpRequest, action, success: str) -> HttpResponse:
    try:
        action()
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("accounts:team")


@require_POST
@role_required(*ADMINS)
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(selectors.users_managed_by(request.user), pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("accounts:team")
    return _team_action(
        request,
        lambda: services.user_change_role(
            actor=request.user, user=user, role=form.cleaned_data["role"], ip=client_ip(request)
        ),
        _("%(user)s is now %(role)s.") % {"user": user, "role": Role(form.cleaned_data["role"]).label.lower()},
    )


@require_POST
@role_required(*ADMINS)
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(selectors.users_managed_by(request.user), pk=pk)
    return _team_action(
        request,
        lambda: services.user_deactivate(actor=request.user, user=user, ip=client_ip(request)),
        _("%(user)s was deactivated and signed out.") % {"user": user},
    )


@require_POST
@role_required(*ADMINS)
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(selectors.users_managed_by(request.user), pk=pk)
    return _team_action(
        request,
        lambda: services.user_reactivate(actor=request.user, user=user, ip=client_ip(request)),
        _("%(user)s can sign in again.") % {"user": user},
    )


# Partner invitations are resent and revoked from the partner's page or the
# portal too; the services decide who may act on which invitation.
@require_POST
@role_required(*INVITERS)
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(selectors.invitations_visible_to(request.user), pk=pk)
    return _team_action(
        request,
        lambda: services.invitation_resend(actor=request.user, invitation=invitation, ip=client_ip(request)),
        _("A new link was sent to %(email)s; the previous one no longer works.") % {"email": invitation.email},
    )


@require_POST
@role_required(*INVITERS)
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(selectors.invitations_visible_to(request.user), pk=pk)
    return _team_action(
        request,
        lambda: services.invitation_revoke(actor=request.user, invitation=invitation, ip=client_ip(request)),
        _("The invitation of %(email)s was revoked.") % {"email": invitation.email},
    )


def locked_out(request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None) -> HttpResponse:
    """django-axes' answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE): JSON on the API, a page elsewhere."""
    if request.path.startswith("/api/"):
        body = {"detail": services.locked_out_message(), "code": services.LockedOut.code}
        return JsonResponse(body, status=services.LockedOut.status_code)
    return render(request, "accounts/locked_out.html", status=services.LockedOut.status_code)
