"""How the value reports' audit events read (registered by `ValueConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ecosystem.core.audit_text import ActionText, Detail, register_actions

ACTIONS = {
    "report.requested": ActionText(
        _("%(actor)s requested the value report of %(period_start)s to %(period_end)s."),
    ),
    "report.cancelled": ActionText(_("%(actor)s cancelled the value report %(object)s.")),
    "report.failed": ActionText(
        _("The value report %(object)s failed."), {"reason": Detail(_("Reason"), new_only=True)}
    ),
}


def register() -> None:
    register_actions(ACTIONS)
