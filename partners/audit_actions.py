"""How the partners app's audit events read (registered by `PartnersConfig.ready`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.utils.translation import gettext_lazy as _

from ecosystem.core.audit_text import ActionText, Detail, register_actions, register_names

from .models import Agreement, ParticipantRole, Partner, Tier

TIER_NAMES, PARTNER_NAMES = "partners.tier", "partners.partner"


def tier_names(ids: Collection[int]) -> Mapping[int, str]:
    return dict(Tier.objects.filter(pk__in=ids).order_by().values_list("pk", "name"))


def partner_names(ids: Collection[int]) -> Mapping[int, str]:
    return dict(Partner.objects.filter(pk__in=ids).order_by().values_list("pk", "name"))


PARTNER_FIELDS = {
    "name": Detail(_("Name")),
    "role": Detail(_("Role"), choices=dict(ParticipantRole.choices)),
    "tier": Detail(_("Tier"), names=TIER_NAMES),
    "country": Detail(_("Country")),
    "website": Detail(_("Website")),
    "tags": Detail(_("Sectors and tags")),
    "description": Detail(_("Description")),
    "external_id": Detail(_("External id (CRM)")),
    "contact_email": Detail(_("Contact email")),
    "contact_phone": Detail(_("Contact phone")),
    "notes": Detail(_("Internal notes")),
    "competitors": Detail(_("Competitors"), names=PARTNER_NAMES),
}
REASON = {"reason": Detail(_("Reason"), new_only=True)}

ACTIONS = {
    "partner.created": ActionText(_("%(actor)s added the partner %(object)s."), PARTNER_FIELDS),
    "partner.updated": ActionText(_("%(actor)s edited %(object)s."), PARTNER_FIELDS),
    "partner.onboarding": ActionText(_("%(actor)s moved %(object)s to onboarding.")),
    "partner.active": ActionText(_("%(actor)s activated %(object)s.")),
    "partner.suspended": ActionText(_("%(actor)s suspended %(object)s."), REASON),
    "partner.exited": ActionText(_("%(actor)s recorded the exit of %(object)s from the ecosystem."), REASON),
    "agreement.created": ActionText(
        _("%(actor)s added an agreement with %(object)s."),
        {
            "kind": Detail(_("Kind"), choices=dict(Agreement.Kind.choices)),
            "reference": Detail(_("Reference")),
            "signed_on": Detail(_("Signed on"), kind="date"),
            "expires_on": Detail(_("Expires on"), kind="date"),
        },
    ),
    "tier.created": ActionText(_("%(actor)s added the tier %(object)s."), {"rank": Detail(_("Rank"))}),
    "ecosystem.profile_updated": ActionText(
        _("%(actor)s updated the ecosystem profile."),
        {
            "mission": Detail(_("Mission of the ecosystem")),
            "value_propositions": Detail(_("Value propositions"), choices=dict(ParticipantRole.choices)),
        },
    ),
}


def register() -> None:
    register_actions(ACTIONS)
    register_names(TIER_NAMES, tier_names)
    register_names(PARTNER_NAMES, partner_names)
