"""How governance's audit events read (registered by `GovernanceConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ecosystem.core.audit_text import ActionText, Detail, register_actions
from partners.audit_actions import PARTNER_NAMES, TIER_NAMES
from partners.models import ParticipantRole

from .models import Appeal, Decision, Rule

RULE_DETAILS = {
    "name": Detail(_("Name")),
    "kind": Detail(_("Kind"), choices=dict(Rule.Kind.choices)),
    "severity": Detail(_("Severity"), choices=dict(Rule.Severity.choices)),
    "roles": Detail(_("Roles"), choices=dict(ParticipantRole.choices)),
    "tiers": Detail(_("Tiers"), names=TIER_NAMES),
    "version": Detail(_("Rule book version"), new_only=True),
}

DECISION_DETAILS = {
    "partner": Detail(_("Partner"), names=PARTNER_NAMES),
    "kind": Detail(_("Decision"), choices=dict(Decision.Kind.choices)),
    "tier": Detail(_("New tier"), names=TIER_NAMES),
    "rationale": Detail(_("Rationale")),
}
DECISION_NAMED = {"partner": DECISION_DETAILS["partner"], "kind": DECISION_DETAILS["kind"]}

ACTIONS = {
    "governance.rule_created": ActionText(_("%(actor)s added the rule %(object)s to the rule book."), RULE_DETAILS),
    "governance.rule_updated": ActionText(_("%(actor)s changed the rule %(object)s of the rule book."), RULE_DETAILS),
    "governance.rule_deleted": ActionText(
        _("%(actor)s removed the rule %(object)s from the rule book."), {"version": RULE_DETAILS["version"]}
    ),
    "governance.review_requested": ActionText(
        _("%(actor)s started the governance review of %(period_start)s to %(period_end)s."),
        {
            "period_start": Detail(_("Start"), kind="date", new_only=True),
            "period_end": Detail(_("End"), kind="date", new_only=True),
            "roles": RULE_DETAILS["roles"],
            "tiers": RULE_DETAILS["tiers"],
            "version": RULE_DETAILS["version"],
        },
    ),
    "governance.review_cancelled": ActionText(_("%(actor)s cancelled the governance review %(object)s.")),
    "governance.review_failed": ActionText(
        _("The governance review %(object)s failed."), {"reason": Detail(_("Reason"), new_only=True)}
    ),
    "governance.decision_recorded": ActionText(
        _("%(actor)s recorded a governance decision about a partner."), DECISION_DETAILS
    ),
    "governance.decision_withdrawn": ActionText(
        _("%(actor)s withdrew a governance decision about a partner."), DECISION_NAMED
    ),
    "governance.decision_approved": ActionText(
        _("%(actor)s approved a governance decision about a partner (second approval)."), DECISION_NAMED
    ),
    "governance.review_applied": ActionText(
        _("%(actor)s applied the decisions of the governance review %(object)s and closed it.")
    ),
    "governance.appeal_filed": ActionText(_("%(actor)s appealed a governance decision."), DECISION_NAMED),
    "governance.appeal_answered": ActionText(
        _("%(actor)s answered an appeal against a governance decision."),
        {
            "partner": DECISION_DETAILS["partner"],
            "state": Detail(_("Answer"), choices=dict(Appeal.State.choices), new_only=True),
        },
    ),
}


def register() -> None:
    register_actions(ACTIONS)
