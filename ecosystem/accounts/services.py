"""Writes on users and staff invitations of the current tenant.

Every function needs a tenant schema, runs in one transaction, checks the
actor's permission and writes the audit trail.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from ecosystem.core.audit import audit_record
from ecosystem.core.errors import ApplicationError, Conflict, FieldErrors, NotAllowed, unique_violations
from ecosystem.core.network import client_ip
from ecosystem.core.roles import ADMINS, MANAGERS, STAFF, Role, require_role
from ecosystem.core.selectors import tenant_settings

from .backends import partner_access_suspended, user_may_sign_in
from .models import EMAIL_TAKEN, INVITATION_PENDING, Invitation, User, hash_token
from .selectors import people_known_to
from .sessions import user_end_sessions
from .tasks import send_invitation_email


class LockedOut(ApplicationError):
    status_code = 429
    code = "locked_out"


def locked_out_message() -> str:
    return _("Too many failed sign-ins. Try again in 15 minutes.")


class BadCredentials(ApplicationError):
    status_code = 400
    code = "invalid_credentials"


class PartnerAccessSuspended(ApplicationError):
    status_code = 403
    code = "partner_suspended"


class HandoverRefused(ApplicationError):
    status_code = 400
    code = "handover_invalid"


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # the only copy of the raw token: it goes into the mail


class InvitablePartner(Protocol):
    """What the invitation rules need to know of a partner (a `partners.Partner`)."""

    pk: int
    name: str
    accepts_invitations: bool
    has_exited: bool

    def get_status_display(self) -> str: ...


def _require_admin(actor: User) -> None:
    require_role(actor, ADMINS, _("Only an administrator can manage the team."))


def _another_admin_remains(user: User) -> bool:
    """Whether an active admin other than `user` exists, with the admins' rows
    locked: two admins removing each other at once cannot both succeed."""
    admins = User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True).order_by("pk")
    return any(admin.pk != user.pk for admin in admins)


def _send_invitation(invitation: Invitation, token: str) -> None:
    invitation_id, language = invitation.pk, translation.get_language()
    transaction.on_commit(lambda: send_invitation_email.delay(invitation_id, token, language))


def _new_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + timedelta(days=tenant_settings().invitation_ttl_days)
    return token


def check_invitation_rights(
    *, actor: User, role: str, partner: InvitablePartner | None, partner_must_be_open: bool = True
) -> None:
    """Who may invite whom: admins invite staff; admins and managers invite
    into any partner; a partner admin into its own partner only. Resending and
    revoking need the same rights; revoking does not need a partner still open
    to invitations."""
    if role in STAFF:
        if partner is not None:
            raise FieldErrors({"partner": [_("Staff invitations are not tied to a partner.")]})
        require_role(actor, ADMINS)
        return
    if partner is None:
        raise FieldErrors({"partner": [_("Choose the partner this person joins.")]})
    if actor.role == Role.PARTNER_ADMIN and actor.is_active:
        if actor.partner_id != partner.pk:
            raise NotAllowed(_("You can invite colleagues into your own organisation only."))
    else:
        require_role(actor, MANAGERS)
    if partner_must_be_open and partner.has_exited:
        raise Conflict(
            _("%(partner)s has left the ecosystem: it cannot receive invitations.") % {"partner": partner.name},
            code="partner_exited",
        )
    if partner_must_be_open and not partner.accepts_invitations:
        raise Conflict(
            _("%(partner)s is %(status)s: it cannot receive invitations.")
            % {"partner": partner.name, "status": partner.get_status_display().lower()}
        )


@transaction.atomic
def invitation_create(
    *, actor: User, email: str, role: str, partner: InvitablePartner | None = None, ip: str | None = None
) -> IssuedInvitation:
    """Invite a person to join the staff, or a partner; the mail leaves after commit.

    Admins invite staff; admins and managers invite into any partner; a
    partner admin invites colleagues into its own partner only.

    An address that already has an account is refused only when the inviter
    may know that person (`people_known_to`): a partner admin inviting someone
    of another organisation gets the answer a stranger's address gets (the
    invitation is made, and its acceptance will refuse the existing account).
    One pending invitation per address and organisation: an expired one is
    replaced, a pending one is to be resent instead (the database holds the
    rule for requests at once, see `Invitation.Meta.constraints`).
    """
    if role not in Role.values:
        raise FieldErrors({"role": [_("Choose a role.")]})
    check_invitation_rights(actor=actor, role=role, partner=partner)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise FieldErrors({"email": [_("Enter a valid email address.")]}) from None
    if people_known_to(actor).filter(email=email).exists():
        raise FieldErrors({"email": [_("%(email)s already has an account here.") % {"email": email}]})
    partner_id = partner.pk if partner is not None else None
    open_ones = list(
        Invitation.objects.select_for_update()
        .filter(email=email, partner_id=partner_id, accepted_at=None, revoked_at=None)
        .order_by("pk")
    )
    if any(i.state == Invitation.State.PENDING for i in open_ones):
        raise FieldErrors({"email": [INVITATION_PENDING.message()]})
    replaced = [i.pk for i in open_ones]  # expired: their links are dead already
    Invitation.objects.filter(pk__in=replaced).update(revoked_at=timezone.now())
    invitation = Invitation(email=email, role=role, partner=partner, invited_by=actor)
    token = _new_token(invitation)
    with unique_violations():  # a concurrent request invited the same address into the same organisation
        invitation.save()
    after = {"invitation": invitation.pk, "email": email, "role": role}
    audit_record(
        actor=actor,
        action="invitation.created",
        target=partner or invitation,
        after={**after, "replaces": replaced} if replaced else after,
        ip=ip,
    )
    _send_invitation(invitation, token)
    return IssuedInvitation(invitation, token)


def _locked(invitation: Invitation) -> Invitation:
    return Invitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)


@transaction.atomic
def invitation_resend(*, actor: User, invitation: Invitation, ip: str | None = None) -> IssuedInvitation:
    """A new link with a fresh expiry; the previous link stops working."""
    invitation = _locked(invitation)
    check_invitation_rights(actor=actor, role=invitation.role, partner=invitation.partner)
    if invitation.state in (Invitation.State.ACCEPTED, Invitation.State.REVOKED):
        raise Conflict(
            _("This invitation is %(state)s: it cannot be resent.") % {"state": invitation.get_state_display().lower()}
        )
    before = {"expires_at": invitation.expires_at.isoformat()}
    token = _new_token(invitation)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    audit_record(
        actor=actor,
        action="invitation.resent",
        target=invitation.partner or invitation,
        before=before,
        after={"expires_at": invitation.expires_at.isoformat()},
        ip=ip,
    )
    _send_invitation(invitation, token)
    return IssuedInvitation(invitation, token)


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation, ip: str | None = None) -> Invitation:
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related("partner").get(pk=invitation.pk)
    check_invitation_rights(actor=actor, role=invitation.role, partner=invitation.partner, partner_must_be_open=False)
    if invitation.state == Invitation.State.ACCEPTED:
        raise Conflict(_("This invitation was already accepted."))
    if invitation.state == Invitation.State.REVOKED:
        raise Conflict(_("This invitation was already revoked."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="invitation.revoked",
        target=invitation.partner or invitation,
        after={"invitation": invitation.pk, "email": invitation.email, "state": Invitation.State.REVOKED},
        ip=ip,
    )
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link points to, whatever its state (None if unknown)."""
    if not token:
        return None
    return Invitation.objects.filter(token_hash=hash_token(token)).first()


@transaction.atomic
def invitation_accept(*, token: str, password: str, full_name: str = "", ip: str | None = None) -> User:
    """Create the invited user. Unknown, used, revoked or expired links create nothing."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("partner")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )
    if invitation is None:
        raise Conflict(_("This invitation link is not valid."), code="invitation_invalid")
    state = invitation.state
    if state != Invitation.State.PENDING:
        messages = {
            Invitation.State.ACCEPTED: _("This invitation was already used."),
            Invitation.State.REVOKED: _("This invitation was revoked."),
            Invitation.State.EXPIRED: _("This invitation has expired. Ask for a new one."),
        }
        raise Conflict(messages[state], code=f"invitation_{state}")
    if User.objects.filter(email=invitation.email).exists():
        raise EMAIL_TAKEN.error()
    partner = invitation.partner
    if partner is not None and not partner.accepts_invitations:
        raise Conflict(_("This invitation is no longer valid."), code="partner_unavailable")
    candidate = User(email=invitation.email, full_name=full_name.strip(), role=invitation.role, partner=partner)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise FieldErrors({"password": list(error.messages)}) from None
    candidate.set_password(password)
    with unique_violations():  # another invitation for this address was accepted meanwhile
        candidate.save()
    invitation.accepted_at = timezone.now()
    invitation.user = candidate
    invitation.save(update_fields=["accepted_at", "user"])
    audit_record(
        actor=candidate,
        action="invitation.accepted",
        target=partner or invitation,
        after={"invitation": invitation.pk, "email": candidate.email, "role": candidate.role},
        ip=ip,
    )
    return candidate


@transaction.atomic
def user_change_role(*, actor: User, user: User, role: str, ip: str | None = None) -> User:
    _require_admin(actor)
    if role not in STAFF or user.role not in STAFF:
        raise FieldErrors({"role": [_("Staff roles are administrator, manager and reviewer.")]})
    if user.pk == actor.pk:
        raise Conflict(_("You cannot change your own role; ask another administrator."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role == role:
        return user
    if user.role == Role.ADMIN and not _another_admin_remains(user):
        raise Conflict(_("The ecosystem needs at least one active administrator."))
    before = {"role": user.role}
    user.role = role
    user.save(update_fields=["role"])
    audit_record(
        actor=actor, action="user.role_changed", target=user, before=before, after={"role": role},
        ip=ip,
    )  # fmt: skip
    return user


def user_password_changed(*, user: User) -> None:
    """A new password ends the API tokens issued under the old one (Django
    already ends the other browser sessions)."""
    Token.objects.filter(user=user).delete()


@transaction.atomic
def user_deactivate(*, actor: User, user: User, ip: str | None = None) -> User:
    """The user can no longer sign in; their sessions and tokens end now."""
    _require_admin(actor)
    if user.pk == actor.pk:
        raise Conflict(_("You cannot deactivate yourself."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise Conflict(_("This user is already deactivated."))
    if user.role == Role.ADMIN and not _another_admin_remains(user):
        raise Conflict(_("The ecosystem needs at least one active administrator."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_end_sessions(user=user)
    audit_record(
        actor=actor, action="user.deactivated", target=user, before={"is_active": True},
        after={"is_active": False}, ip=ip,
    )  # fmt: skip
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User, ip: str | None = None) -> User:
    _require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise Conflict(_("This user is already active."))
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor, action="user.reactivated", target=user, before={"is_active": False},
        after={"is_active": True}, ip=ip,
    )  # fmt: skip
    return user


def user_sign_in_check(*, user: User, ip: str | None = None) -> None:
    """Refuse, saying why, a user whose password was right but whose partner
    organisation is suspended or has exited; the refusal is audited.

    Only ever called after a correct password: a wrong one gets the generic
    message, so the reason reveals nothing to someone guessing accounts.
    """
    if partner_access_suspended(user):
        audit_record(
            actor=user,
            action="auth.login_refused",
            target=user.partner,
            after={"email": user.email, "reason": PartnerAccessSuspended.code},
            ip=ip,
        )
        raise PartnerAccessSuspended(
            _("Your organisation's access to this ecosystem is suspended. Contact the ecosystem's administrators.")
        )


def token_issue(*, request, email: str, password: str) -> Token:
    """The API token of the user with these credentials. A locked-out email and
    IP never get here: django-axes' middleware answers with `views.locked_out`."""
    email = email.strip().lower()
    user = authenticate(request, username=email, password=password)
    if user is None:
        raise BadCredentials(_("Email or password is incorrect."))
    user_sign_in_check(user=user, ip=client_ip(request))
    token, _created = Token.objects.get_or_create(user=user)
    return token


HANDOVER_SALT = "ecosystem.accounts.sign_in_handover"


def sign_in_handover_issue(*, schema_name: str, user: User) -> str:
    """A signed token that signs `user` in on the host of tenant `schema_name`:
    from the public host, where the sign-up happened, to the new tenant's own.

    It names the tenant and the user, carries a random nonce (redeeming it
    records the nonce: single use) and is accepted for
    SIGN_IN_HANDOVER_SECONDS. Needs no particular schema.
    """
    payload = {"t": schema_name, "u": user.pk, "n": secrets.token_urlsafe(16)}
    return signing.dumps(payload, salt=HANDOVER_SALT)


def sign_in_handover_redeem(*, token: str) -> User:
    """The user a handover token signs in on this tenant's host, once.

    Refuses (HandoverRefused, nothing recorded) a tampered token, one issued
    for another tenant, an expired one, one already redeemed, and a user who
    may not sign in. The nonce is recorded in the cache under this tenant's key
    prefix with an atomic add, so two requests racing with the same token
    cannot both succeed. Needs the tenant's schema.
    """
    lifetime = settings.SIGN_IN_HANDOVER_SECONDS
    refused = _(
        "This sign-in link no longer works: it can be used once, within a few minutes. "
        "Sign in with your email and password."
    )
    try:
        payload = signing.loads(token, salt=HANDOVER_SALT, max_age=lifetime)
    except signing.SignatureExpired:
        raise HandoverRefused(refused, code="handover_expired") from None
    except signing.BadSignature:
        raise HandoverRefused(refused) from None
    if payload["t"] != connection.schema_name:
        raise HandoverRefused(refused)
    # Kept a little longer than the token lives, so it cannot outlive the record.
    if not cache.add(f"sign-in-handover:{payload['n']}", True, timeout=lifetime + 60):
        raise HandoverRefused(refused, code="handover_used")
    user = User.objects.select_related("partner").filter(pk=payload["u"]).first()
    if user is None or not user_may_sign_in(user):
        raise HandoverRefused(refused)
    return user
