"""How the missions app's audit events read (registered by `MissionsConfig.ready`).

A participation, an objective or a contribution lends its events the names of
its mission and partner (`register_object_words`), read once per kind of
object for a whole page of events; an object since deleted lends nothing, and
its events' sentences name what their `after` holds (the details' names).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ecosystem.accounts.models import User
from ecosystem.core.audit_text import (
    ActionText,
    Detail,
    register_actions,
    register_names,
    register_object_words,
)
from partners.audit_actions import PARTNER_NAMES

from .models import Contribution, Kind, Mission, Objective, Participation

MISSION_NAMES, OBJECTIVE_NAMES, USER_NAMES = "missions.mission", "missions.objective", "missions.user"


def _pks(ids: Collection[str]) -> list[int]:
    return [int(i) for i in ids if i.isdigit()]


def mission_names(ids: Collection[int]) -> Mapping[int, str]:
    return dict(Mission.objects.filter(pk__in=ids).order_by().values_list("pk", "title"))


def objective_names(ids: Collection[int]) -> Mapping[int, str]:
    return dict(Objective.objects.filter(pk__in=ids).order_by().values_list("pk", "title"))


def user_names(ids: Collection[int]) -> Mapping[int, str]:
    return {user.pk: str(user) for user in User.objects.filter(pk__in=ids).order_by().only("email", "full_name")}


def objective_words(ids: Collection[str]) -> Mapping[str, Mapping[str, str]]:
    rows = Objective.objects.filter(pk__in=_pks(ids)).order_by().values_list("pk", "mission__title")
    return {str(pk): {"mission": mission} for pk, mission in rows}


def participation_words(ids: Collection[str]) -> Mapping[str, Mapping[str, str]]:
    rows = (
        Participation.objects.filter(pk__in=_pks(ids)).order_by().values_list("pk", "partner__name", "mission__title")
    )
    return {str(pk): {"partner": partner, "mission": mission} for pk, partner, mission in rows}


def contribution_words(ids: Collection[str]) -> Mapping[str, Mapping[str, str]]:
    """The declaring partner (in a share's events too), the mission, and what it is
    ("Sourced revenue, 01/03/2026", in the reader's language)."""
    rows = (
        Contribution.objects.filter(pk__in=_pks(ids))
        .order_by()
        .values_list("pk", "partner__name", "mission__title", "kind", "date")
    )
    kinds = dict(Kind.choices)
    return {
        str(pk): {
            "partner": partner,
            "mission": mission,
            "what": f"{kinds.get(kind, kind)}, {date_format(day, 'SHORT_DATE_FORMAT')}",
        }
        for pk, partner, mission, kind, day in rows
    }


MISSION_FIELDS = {
    "title": Detail(_("title")),
    "purpose": Detail(_("purpose")),
    "owner": Detail(_("owner"), names=USER_NAMES),
    "start": Detail(_("start"), kind="date"),
    "end": Detail(_("end"), kind="date"),
    "confidentiality": Detail(_("confidentiality"), choices=dict(Mission.Confidentiality.choices)),
}
STATUS = {"status": Detail(_("status"), choices=dict(Mission.Status.choices))}
OBJECTIVE_FIELDS = {
    "mission": Detail(_("mission"), names=MISSION_NAMES),
    "title": Detail(_("title")),
    "metric": Detail(_("metric"), choices=dict(Objective.Metric.choices)),
    "kind": Detail(_("contribution kind"), choices=dict(Kind.choices)),
    "target": Detail(_("target"), kind="number"),
    "unit": Detail(_("unit")),
    "due": Detail(_("due"), kind="date"),
}
PARTICIPATION_FIELDS = {
    "role": Detail(_("role in the mission"), choices=dict(Participation.Role.choices)),
    "commitment": Detail(_("commitment")),
    "commitment_objective": Detail(_("objective of the commitment"), names=OBJECTIVE_NAMES),
    "commitment_target": Detail(_("commitment target"), kind="number"),
}
REASON = {"reason": Detail(_("Reason"), new_only=True)}
CONTRIBUTION_FIELDS = {
    "mission": Detail(_("mission"), names=MISSION_NAMES),
    "partner": Detail(_("Declared for"), names=PARTNER_NAMES),
    "objective": Detail(_("objective"), names=OBJECTIVE_NAMES),
    "kind": Detail(_("kind"), choices=dict(Kind.choices)),
    "description": Detail(_("description")),
    "value": Detail(_("value"), kind="money"),
    "quantity": Detail(_("quantity"), kind="number"),
    "date": Detail(_("date"), kind="date"),
    "contributors": Detail(_("Contributors and weights"), names=PARTNER_NAMES, item_key="partner"),
    "external_id": Detail(_("external id")),
    "evidence_url": Detail(_("evidence link")),
}
SHARE = {"partner": Detail(_("Share of"), names=PARTNER_NAMES), "weight": Detail(_("weight"), kind="number")}

ACTIONS = {
    "mission.created": ActionText(_("%(actor)s created the mission %(object)s."), MISSION_FIELDS),
    "mission.updated": ActionText(_("%(actor)s edited the mission %(object)s."), MISSION_FIELDS),
    "mission.moved": ActionText(_("%(actor)s moved the mission %(object)s to “%(status)s”."), STATUS),
    "objective.created": ActionText(
        _("%(actor)s added the objective %(object)s to the mission %(mission)s."), OBJECTIVE_FIELDS
    ),
    "objective.updated": ActionText(
        _("%(actor)s edited the objective %(object)s of the mission %(mission)s."), OBJECTIVE_FIELDS
    ),
    "objective.deleted": ActionText(
        _("%(actor)s deleted the objective %(object)s."),
        OBJECTIVE_FIELDS,
    ),
    "objective.measured": ActionText(
        _("%(actor)s recorded a measurement of the objective %(object)s."),
        {
            "value": Detail(_("value"), kind="number"),
            "measured_on": Detail(_("measured on"), kind="date"),
            "note": Detail(_("note")),
        },
    ),
    "participation.invited": ActionText(
        _("%(actor)s invited %(partner)s into the mission %(mission)s."), PARTICIPATION_FIELDS
    ),
    "participation.updated": ActionText(
        _("%(actor)s changed the participation of %(partner)s in the mission %(mission)s."), PARTICIPATION_FIELDS
    ),
    "participation.accepted": ActionText(
        _("%(actor)s accepted the invitation of %(partner)s into the mission %(mission)s."),
        when={
            "on_behalf": _(
                "%(actor)s accepted, on behalf of %(partner)s, the invitation into the mission %(mission)s."
            )
        },
    ),
    "participation.declined": ActionText(
        _("%(actor)s declined the invitation of %(partner)s into the mission %(mission)s."),
        REASON,
        when={
            "on_behalf": _(
                "%(actor)s declined, on behalf of %(partner)s, the invitation into the mission %(mission)s."
            )
        },
    ),
    "participation.left": ActionText(
        _("%(actor)s withdrew %(partner)s from the mission %(mission)s."),
        REASON,
        when={"on_behalf": _("%(actor)s withdrew %(partner)s from the mission %(mission)s, on its behalf.")},
    ),
    "contribution.declared": ActionText(
        _("%(actor)s declared a contribution of %(partner)s to the mission %(mission)s."), CONTRIBUTION_FIELDS
    ),
    "contribution.updated": ActionText(
        _("%(actor)s edited a contribution of %(partner)s to the mission %(mission)s."), CONTRIBUTION_FIELDS
    ),
    "contribution.deleted": ActionText(
        _("%(actor)s deleted a contribution (%(object)s)."),
        CONTRIBUTION_FIELDS,
    ),
    "contribution.confirmed": ActionText(
        _("%(actor)s confirmed a share of the contribution of %(partner)s to the mission %(mission)s (%(what)s)."),
        SHARE,
    ),
    "contribution.share_declined": ActionText(
        _("%(actor)s declined a share of the contribution of %(partner)s to the mission %(mission)s (%(what)s)."),
        {**SHARE, **REASON},
    ),
    "contribution.validated": ActionText(
        _("%(actor)s validated the contribution of %(partner)s to the mission %(mission)s (%(what)s).")
    ),
    "contribution.rejected": ActionText(
        _("%(actor)s rejected the contribution of %(partner)s to the mission %(mission)s (%(what)s)."), REASON
    ),
    "contribution.corrected": ActionText(
        _("%(actor)s corrected contribution no. %(corrects)s of %(partner)s to the mission %(mission)s."),
        {key: CONTRIBUTION_FIELDS[key] for key in ("value", "quantity", "date", "description")},
    ),
}


def register() -> None:
    register_actions(ACTIONS)
    register_names(MISSION_NAMES, mission_names)
    register_names(OBJECTIVE_NAMES, objective_names)
    register_names(USER_NAMES, user_names)
    register_object_words("missions.objective", objective_words)
    register_object_words("missions.participation", participation_words)
    register_object_words("missions.contribution", contribution_words)
