"""How the accounts app's audit events read (registered by `AccountsConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ecosystem.core.audit_text import ActionText, Detail, register_actions
from ecosystem.core.roles import Role

ROLE = {"role": Detail(_("Role"), choices=dict(Role.choices))}

ACTIONS = {
    "auth.login_failed": ActionText(_("Failed sign-in as %(email)s.")),
    "invitation.created": ActionText(_("%(actor)s invited %(email)s."), ROLE),
    "invitation.resent": ActionText(
        _("%(actor)s sent an invitation again."), {"expires_at": Detail(_("Link valid until"), kind="datetime")}
    ),
    "invitation.revoked": ActionText(_("%(actor)s revoked the invitation of %(email)s.")),
    "invitation.accepted": ActionText(_("%(actor)s accepted an invitation."), ROLE),
    "user.role_changed": ActionText(_("%(actor)s changed the role of %(object)s."), ROLE),
    "user.deactivated": ActionText(_("%(actor)s deactivated %(object)s.")),
    "user.reactivated": ActionText(_("%(actor)s reactivated %(object)s.")),
}


def register() -> None:
    register_actions(ACTIONS)
