"""How the tenancy app's audit events read (registered by `TenancyConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ecosystem.core.audit_text import ActionText, Detail, register_actions

ACTIONS = {
    "orchestrator.created": ActionText(_("%(actor)s created the ecosystem %(object)s.")),
    "orchestrator.suspended": ActionText(
        _("%(actor)s suspended the ecosystem."), {"reason": Detail(_("Reason"), new_only=True)}
    ),
    "orchestrator.active": ActionText(_("%(actor)s reactivated the ecosystem.")),
}


def register() -> None:
    register_actions(ACTIONS)
