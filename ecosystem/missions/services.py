"""Writes on missions, objectives, participations and contributions.

Every function: keyword-only, one transaction, checks the actor, writes the
audit trail. Who may do what:

- managers (admins and managers) run missions, invite partners, validate,
  reject and correct contributions, and declare for any participant;
- a partner's users declare for their own organisation and confirm or decline
  its shares; its admin answers invitations and may leave a mission;
- staff may answer an invitation on behalf of a partner with no portal user
  (audited as such).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.accounts.models import User
from ecosystem.core.audit import audit_record, audit_record_many
from ecosystem.core.errors import Conflict, FieldErrors, NotAllowed, unique_violations
from ecosystem.core.roles import MANAGERS, PARTNER_USERS, STAFF, Role, has_role, require_role
from partners.models import Partner
from partners.services import check_document

from . import notifications
from .models import Contribution, Kind, Measurement, Mission, Objective, Participation, Share
from .validation import (
    MAX_COMMITMENT,
    MAX_NOTE,
    MAX_PURPOSE,
    MAX_REASON,
    MAX_TITLE,
    MAX_UNIT,
    QUANTITY,
    MissionContext,
    clean_contribution,
    frozen_message,
    parse_day,
    parse_decimal,
    text,
)

M = Mission.Status
C = Contribution.Status
P = Participation.State
# Lifecycle of a mission: where each status may go next.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    M.DRAFT: (M.OPEN,),
    M.OPEN: (M.ACTIVE, M.DRAFT),
    M.ACTIVE: (M.COMPLETED,),
    M.COMPLETED: (M.ACTIVE, M.ARCHIVED),
    M.ARCHIVED: (),
}
# A reviewer's or an integrator's bulk selection is bounded.
MAX_BULK = 10_000


def _require_manager(actor: User) -> None:
    require_role(actor, MANAGERS, _("Only the orchestrator's managers can do this."))


def _not_archived(mission: Mission) -> None:
    if mission.status == M.ARCHIVED:
        raise Conflict(_("The mission is archived: it can no longer change."), code="mission_archived")


# --- missions -----------------------------------------------------------------


def _clean_mission(data: Mapping[str, Any], *, instance: Mission | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def field(name: str, parse) -> None:
        if instance is not None and name not in data:
            cleaned[name] = getattr(instance, name)
            return
        problems: list[str] = []
        cleaned[name] = parse(data.get(name), problems)
        if problems:
            errors[name] = problems

    field("title", lambda raw, p: text(raw, MAX_TITLE, p, required=True))
    field("purpose", lambda raw, p: text(raw, MAX_PURPOSE, p))
    field("start", parse_day)
    field("end", parse_day)

    def confidentiality(raw, problems):
        raw = raw or Mission.Confidentiality.OPEN
        if raw not in Mission.Confidentiality.values:
            problems.append(_("Choose open or coopetition."))
        return raw

    field("confidentiality", confidentiality)
    if "owner" in data or instance is None:
        owner = None
        raw = data.get("owner")
        if raw not in (None, ""):
            try:
                owner = User.objects.filter(pk=int(raw), is_active=True, role__in=STAFF).first()
            except (TypeError, ValueError):
                owner = None
            if owner is None:
                errors["owner"] = [_("Choose an active member of the orchestrator's staff.")]
        cleaned["owner"] = owner
    if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
        errors.setdefault("end", []).append(_("The end must not be before the start."))
    if instance is not None and not errors:
        errors.update(_dates_keep_contributions(instance, cleaned["start"], cleaned["end"]))
        if (
            instance.is_coopetition
            and cleaned["confidentiality"] == Mission.Confidentiality.OPEN
            and instance.contributions.exists()
        ):
            errors["confidentiality"] = [
                _("Participants declared in confidence: a coopetition mission with contributions stays one.")
            ]
    if errors:
        raise FieldErrors(errors)
    return cleaned


def _dates_keep_contributions(mission: Mission, start, end) -> dict[str, list[str]]:
    outside = mission.contributions.exclude(date__gte=start, date__lte=end)
    if outside.exists():
        return {"start": [_("Some contributions are dated outside these dates: keep them inside.")]}
    return {}


def _mission_snapshot(mission: Mission) -> dict[str, Any]:
    return {
        "title": mission.title, "purpose": mission.purpose, "owner": mission.owner_id,
        "start": mission.start.isoformat(), "end": mission.end.isoformat(),
        "status": mission.status, "confidentiality": mission.confidentiality,
    }  # fmt: skip


@transaction.atomic
def mission_create(*, actor: User, data: Mapping[str, Any], ip: str | None = None) -> Mission:
    """A new mission, in draft; its owner is `data["owner"]` or the actor."""
    _require_manager(actor)
    cleaned = _clean_mission(data, instance=None)
    cleaned["owner"] = cleaned["owner"] or actor
    mission = Mission.objects.create(**cleaned)
    audit_record(actor=actor, action="mission.created", target=mission, after=_mission_snapshot(mission), ip=ip)
    return mission


def _changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _locked_mission(mission: Mission) -> Mission:
    return Mission.objects.select_for_update().get(pk=mission.pk)


@transaction.atomic
def mission_update(*, actor: User, mission: Mission, data: Mapping[str, Any], ip: str | None = None) -> Mission:
    _require_manager(actor)
    mission = _locked_mission(mission)
    _not_archived(mission)
    before = _mission_snapshot(mission)
    cleaned = _clean_mission(data, instance=mission)
    if cleaned.get("owner") is None:
        cleaned.pop("owner", None)
    for name, value in cleaned.items():
        setattr(mission, name, value)
    mission.save()
    old, new = _changed(before, _mission_snapshot(mission))
    if new:
        audit_record(actor=actor, action="mission.updated", target=mission, before=old, after=new, ip=ip)
    return mission


@transaction.atomic
def mission_edit(
    *, actor: User, mission: Mission, data: Mapping[str, Any], to: str | None = None, ip: str | None = None
) -> Mission:
    """Change a mission's fields and, with `to`, move it along its lifecycle: both or neither."""
    if data:
        mission = mission_update(actor=actor, mission=mission, data=data, ip=ip)
    if to is not None and to != mission.status:
        mission = mission_move(actor=actor, mission=mission, to=to, ip=ip)
    return mission


def mission_next_statuses(mission: Mission) -> tuple[str, ...]:
    return TRANSITIONS[mission.status]


@transaction.atomic
def mission_move(*, actor: User, mission: Mission, to: str, ip: str | None = None) -> Mission:
    """Move a mission along draft → open → active → completed → archived (409 otherwise)."""
    _require_manager(actor)
    mission = _locked_mission(mission)
    if to not in TRANSITIONS[mission.status]:
        labels = dict(M.choices)
        raise Conflict(
            _("A mission cannot go from %(from)s to %(to)s.")
            % {"from": labels[mission.status], "to": labels.get(to, to)},
            code="invalid_transition",
        )
    before = mission.status
    mission.status = to
    mission.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action="mission.moved", target=mission, before={"status": before}, after={"status": to}, ip=ip
    )
    return mission


# --- objectives ---------------------------------------------------------------


def _clean_objective(data: Mapping[str, Any], *, mission: Mission, instance: Objective | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def field(name: str, parse) -> None:
        if instance is not None and name not in data:
            cleaned[name] = getattr(instance, name)
            return
        problems: list[str] = []
        cleaned[name] = parse(data.get(name), problems)
        if problems:
            errors[name] = problems

    def metric(raw, problems):
        if raw not in Objective.Metric.values:
            problems.append(_("Choose one of: %(metrics)s.") % {"metrics": ", ".join(Objective.Metric.values)})
        return raw

    def kind(raw, problems):
        raw = raw or ""
        if raw and raw not in Kind.values:
            problems.append(_("Choose one of: %(kinds)s.") % {"kinds": ", ".join(Kind.values)})
        return raw

    def target(raw, problems):
        number = parse_decimal(raw, QUANTITY, problems)
        if number is None and not problems:
            problems.append(_("This field is required."))
        elif number is not None and number <= 0:
            problems.append(_("The target must be greater than 0."))
        return number

    field("title", lambda raw, p: text(raw, MAX_TITLE, p, required=True))
    field("metric", metric)
    field("kind", kind)
    field("target", target)
    field("unit", lambda raw, p: text(raw, MAX_UNIT, p))
    field("due", parse_day)
    if cleaned.get("due") and cleaned["due"] < mission.start:
        errors.setdefault("due", []).append(_("The due date must not be before the mission starts."))
    if instance is not None and cleaned.get("metric") != instance.metric and instance.contributions.exists():
        errors.setdefault("metric", []).append(_("Contributions count toward this objective: its metric stays."))
    if errors:
        raise FieldErrors(errors)
    return cleaned


def _objective_snapshot(objective: Objective) -> dict[str, Any]:
    return {
        "mission": objective.mission_id, "title": objective.title, "metric": objective.metric,
        "kind": objective.kind, "target": str(objective.target), "unit": objective.unit,
        "due": objective.due.isoformat(),
    }  # fmt: skip


@transaction.atomic
def objective_create(*, actor: User, mission: Mission, data: Mapping[str, Any], ip: str | None = None) -> Objective:
    _require_manager(actor)
    mission = _locked_mission(mission)
    _not_archived(mission)
    objective = Objective.objects.create(mission=mission, **_clean_objective(data, mission=mission, instance=None))
    audit_record(
        actor=actor, action="objective.created", target=objective, after=_objective_snapshot(objective), ip=ip
    )
    return objective


@transaction.atomic
def objective_update(
    *, actor: User, objective: Objective, data: Mapping[str, Any], ip: str | None = None
) -> Objective:
    _require_manager(actor)
    mission = _locked_mission(objective.mission)
    _not_archived(mission)
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    before = _objective_snapshot(objective)
    for name, value in _clean_objective(data, mission=mission, instance=objective).items():
        setattr(objective, name, value)
    objective.save()
    old, new = _changed(before, _objective_snapshot(objective))
    if new:
        audit_record(actor=actor, action="objective.updated", target=objective, before=old, after=new, ip=ip)
    return objective


@transaction.atomic
def objective_delete(*, actor: User, objective: Objective, ip: str | None = None) -> None:
    _require_manager(actor)
    _not_archived(_locked_mission(objective.mission))
    if objective.contributions.exists():
        raise Conflict(_("Contributions count toward this objective: it cannot be deleted."), code="objective_in_use")
    audit_record(
        actor=actor, action="objective.deleted", target=objective, before=_objective_snapshot(objective), ip=ip
    )
    objective.delete()


@transaction.atomic
def measurement_record(
    *, actor: User, objective: Objective, data: Mapping[str, Any], ip: str | None = None
) -> Measurement:
    """A dated value of a `manual` objective."""
    _require_manager(actor)
    _not_archived(objective.mission)
    if objective.metric != Objective.Metric.MANUAL:
        raise Conflict(_("Only an objective entered by staff takes measurements."), code="not_manual")
    errors: dict[str, list[str]] = {}
    problems: list[str] = []
    value = parse_decimal(data.get("value"), QUANTITY, problems)
    if value is None and not problems:
        problems.append(_("This field is required."))
    if problems:
        errors["value"] = problems
    problems = []
    measured_on = parse_day(data.get("measured_on") or timezone.localdate().isoformat(), problems)
    if measured_on and measured_on > timezone.localdate():
        problems.append(_("A measurement cannot be dated in the future."))
    if problems:
        errors["measured_on"] = problems
    problems = []
    note = text(data.get("note"), MAX_NOTE, problems)
    if problems:
        errors["note"] = problems
    if errors:
        raise FieldErrors(errors)
    measurement = Measurement.objects.create(
        objective=objective, value=value, measured_on=measured_on, note=note, recorded_by=actor
    )
    audit_record(
        actor=actor, action="objective.measured", target=objective,
        after={"value": str(value), "measured_on": measured_on.isoformat(), "note": note}, ip=ip,
    )  # fmt: skip
    return measurement


# --- participations -----------------------------------------------------------


def _clean_commitment(data: Mapping[str, Any], *, mission: Mission, instance: Participation | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if instance is None or "role" in data:
        role = data.get("role") or Participation.Role.CONTRIBUTOR
        if role not in Participation.Role.values:
            errors["role"] = [_("Choose one of: %(roles)s.") % {"roles": ", ".join(Participation.Role.values)}]
        cleaned["role"] = role
    if instance is None or "commitment" in data:
        problems: list[str] = []
        cleaned["commitment"] = text(data.get("commitment"), MAX_COMMITMENT, problems)
        if problems:
            errors["commitment"] = problems
    objective = instance.commitment_objective if instance is not None else None
    if instance is None or "commitment_objective" in data:
        objective = None
        raw = data.get("commitment_objective")
        if raw not in (None, ""):
            try:
                objective = Objective.objects.filter(mission=mission, pk=int(raw)).first()
            except (TypeError, ValueError):
                objective = None
            if objective is None:
                errors["commitment_objective"] = [_("Choose an objective of this mission.")]
        cleaned["commitment_objective"] = objective
    target = instance.commitment_target if instance is not None else None
    if instance is None or "commitment_target" in data:
        problems = []
        target = parse_decimal(data.get("commitment_target"), QUANTITY, problems)
        if target is not None and target <= 0:
            problems.append(_("The target must be greater than 0."))
        if problems:
            errors["commitment_target"] = problems
        cleaned["commitment_target"] = target
    if target is not None and objective is None and "commitment_objective" not in errors:
        errors.setdefault("commitment_objective", []).append(
            _("A numeric commitment is toward one objective: choose it.")
        )
    if errors:
        raise FieldErrors(errors)
    return cleaned


def _participation_snapshot(participation: Participation) -> dict[str, Any]:
    target = participation.commitment_target
    return {
        "mission": participation.mission_id, "partner": participation.partner_id, "role": participation.role,
        "state": participation.state, "commitment": participation.commitment,
        "commitment_objective": participation.commitment_objective_id,
        "commitment_target": str(target) if target is not None else None,
    }  # fmt: skip


@transaction.atomic
def participation_invite(
    *, actor: User, mission: Mission, partner: Partner, data: Mapping[str, Any] | None = None, ip: str | None = None
) -> Participation:
    """Invite an active partner into a mission; its users are told by mail."""
    _require_manager(actor)
    mission = _locked_mission(mission)
    if mission.status in (M.COMPLETED, M.ARCHIVED):
        raise Conflict(
            _("The mission is %(status)s: nobody new can join it.") % {"status": mission.get_status_display()},
            code="mission_closed",
        )
    if partner.status != Partner.Status.ACTIVE:
        raise FieldErrors(
            {
                "partner": [
                    _("Only an active partner can be invited; %(partner)s is %(status)s.")
                    % {"partner": partner.name, "status": partner.get_status_display()}
                ]
            }
        )
    cleaned = _clean_commitment(data or {}, mission=mission, instance=None)
    with unique_violations(), transaction.atomic():
        participation = Participation.objects.create(mission=mission, partner=partner, **cleaned)
    audit_record(
        actor=actor, action="participation.invited", target=participation,
        after=_participation_snapshot(participation), ip=ip,
    )  # fmt: skip
    notifications.partner_invited(participation)
    return participation


@transaction.atomic
def participation_update(
    *, actor: User, participation: Participation, data: Mapping[str, Any], ip: str | None = None
) -> Participation:
    """Staff change a participant's role and commitment."""
    _require_manager(actor)
    _not_archived(participation.mission)
    participation = Participation.objects.select_for_update().get(pk=participation.pk)
    before = _participation_snapshot(participation)
    for name, value in _clean_commitment(data, mission=participation.mission, instance=participation).items():
        setattr(participation, name, value)
    participation.save()
    old, new = _changed(before, _participation_snapshot(participation))
    if new:
        audit_record(actor=actor, action="participation.updated", target=participation, before=old, after=new, ip=ip)
    return participation


def _speaks_for(actor: User, partner_id: int) -> bool:
    """The partner's own admin; staff managers speak on its behalf."""
    return has_role(actor, (Role.PARTNER_ADMIN,)) and actor.partner_id == partner_id


def _answer_actor(actor: User, participation: Participation) -> bool:
    """Whether `actor` may answer for the participation's partner; True when on its behalf."""
    if _speaks_for(actor, participation.partner_id):
        return False
    if has_role(actor, MANAGERS):
        return True
    raise NotAllowed(_("Only the partner's administrator can answer for it."))


@transaction.atomic
def participation_answer(
    *, actor: User, participation: Participation, accept: bool, reason: str = "", ip: str | None = None
) -> Participation:
    """Accept or decline an invitation into a mission."""
    on_behalf = _answer_actor(actor, participation)
    participation = (
        Participation.objects.select_for_update().select_related("mission", "partner").get(pk=participation.pk)
    )
    if participation.state != P.INVITED:
        raise Conflict(
            _("This invitation was answered already (%(state)s).") % {"state": participation.get_state_display()},
            code="already_answered",
        )
    _not_archived(participation.mission)
    problems: list[str] = []
    reason = text(reason, MAX_REASON, problems)
    if problems:
        raise FieldErrors({"reason": problems})
    participation.state = P.ACTIVE if accept else P.DECLINED
    participation.reason = "" if accept else reason
    participation.answered_by = actor
    participation.answered_on_behalf = on_behalf
    participation.save()
    audit_record(
        actor=actor, action="participation.accepted" if accept else "participation.declined",
        target=participation, after={"reason": participation.reason, "on_behalf": on_behalf}, ip=ip,
    )  # fmt: skip
    return participation


@transaction.atomic
def participation_leave(
    *, actor: User, participation: Participation, reason: str, ip: str | None = None
) -> Participation:
    """A participant leaves (its admin, or staff on its behalf), with a reason."""
    on_behalf = _answer_actor(actor, participation)
    participation = Participation.objects.select_for_update().get(pk=participation.pk)
    if participation.state != P.ACTIVE:
        raise Conflict(_("Only a partner taking part can leave the mission."), code="not_participating")
    problems: list[str] = []
    reason = text(reason, MAX_REASON, problems, required=True)
    if problems:
        raise FieldErrors({"reason": problems})
    participation.state = P.LEFT
    participation.reason = reason
    participation.answered_by = actor
    participation.answered_on_behalf = on_behalf
    participation.save()
    audit_record(
        actor=actor, action="participation.left", target=participation,
        after={"reason": reason, "on_behalf": on_behalf}, ip=ip,
    )  # fmt: skip
    return participation


def participation_frozen_reason(partner: Partner) -> str:
    """Why a participant cannot contribute now ("" when it can): a suspended or exited partner."""
    if partner.status in (Partner.Status.SUSPENDED, Partner.Status.EXITED):
        return frozen_message(partner.status, partner.name)
    return ""


# --- contributions ------------------------------------------------------------


def _declarer_for(actor: User) -> int | None:
    """A partner's user declares for its own organisation; staff name the partner."""
    if has_role(actor, MANAGERS):
        return None
    if has_role(actor, PARTNER_USERS) and actor.partner_id is not None:
        return actor.partner_id
    raise NotAllowed(_("Your role does not allow declaring contributions."))


def contribution_snapshot(contribution: Contribution, shares: Iterable[tuple[int, Decimal]]) -> dict[str, Any]:
    quantity = contribution.quantity
    return {
        "mission": contribution.mission_id, "objective": contribution.objective_id,
        "partner": contribution.partner_id, "kind": contribution.kind, "description": contribution.description,
        "value": str(contribution.value), "quantity": str(quantity) if quantity is not None else None,
        "date": contribution.date.isoformat(), "status": contribution.status,
        "external_id": contribution.external_id, "evidence_url": contribution.evidence_url,
        "contributors": [{"partner": p, "weight": str(w)} for p, w in shares],
    }  # fmt: skip


def initial_status(shares: list[tuple[int, Decimal]]) -> str:
    return C.SUBMITTED if len(shares) == 1 else C.AWAITING_CONFIRMATION


def share_rows(contribution: Contribution, shares: list[tuple[int, Decimal]]) -> list[Share]:
    """The shares of a new or edited contribution: the declaring partner's is confirmed, the others wait."""
    now = timezone.now()
    return [
        Share(
            contribution=contribution, partner_id=partner, weight=weight,
            state=Share.State.CONFIRMED if partner == contribution.partner_id else Share.State.PENDING,
            answered_at=now if partner == contribution.partner_id else None,
        )
        for partner, weight in shares
    ]  # fmt: skip


def _evidence_errors(evidence: UploadedFile | None) -> dict[str, list[str]]:
    problems = check_document(evidence)
    return {"evidence_file": problems} if problems else {}


@transaction.atomic
def contribution_declare(
    *,
    actor: User,
    mission: Mission,
    data: Mapping[str, Any],
    evidence: UploadedFile | None = None,
    ip: str | None = None,
) -> Contribution:
    """A partner's user declares for its organisation; staff for any participant.

    Solo: awaiting validation at once. Joint: each co-contributor confirms its share first.
    """
    declarer = _declarer_for(actor)
    mission = Mission.objects.select_for_update().get(pk=mission.pk)
    cleaned, shares, errors = clean_contribution(data, context=MissionContext.load(mission), declarer=declarer)
    errors.update(_evidence_errors(evidence))
    if cleaned.get("external_id") and Contribution.objects.filter(external_id=cleaned["external_id"]).exists():
        errors.setdefault("external_id", []).append(_("Another contribution has this external id."))
    if errors:
        raise FieldErrors(errors)
    with unique_violations(), transaction.atomic():
        contribution = Contribution.objects.create(
            mission=mission, status=initial_status(shares), declared_by=actor, **cleaned
        )
    if evidence is not None:
        contribution.evidence_file.save(evidence.name, evidence, save=True)
    Share.objects.bulk_create(share_rows(contribution, shares))
    audit_record(
        actor=actor, action="contribution.declared", target=contribution,
        after=contribution_snapshot(contribution, shares), ip=ip,
    )  # fmt: skip
    notifications.shares_awaiting(contribution)
    return contribution


def _may_edit(actor: User, contribution: Contribution) -> None:
    if has_role(actor, MANAGERS):
        return
    if has_role(actor, PARTNER_USERS) and actor.partner_id == contribution.partner_id:
        return
    raise NotAllowed(_("Only the declaring partner or the orchestrator's managers can change this contribution."))


def _not_validated(contribution: Contribution) -> None:
    if contribution.status == C.VALIDATED:
        raise Conflict(
            _("A validated contribution cannot change; declare a correction instead."), code="contribution_validated"
        )


def _locked_contribution(contribution: Contribution) -> Contribution:
    return Contribution.objects.select_for_update().select_related("mission").get(pk=contribution.pk)


def _current_shares(contribution: Contribution) -> list[tuple[int, Decimal]]:
    return list(contribution.shares.order_by("id").values_list("partner_id", "weight"))


@transaction.atomic
def contribution_update(
    *,
    actor: User,
    contribution: Contribution,
    data: Mapping[str, Any],
    evidence: UploadedFile | None = None,
    ip: str | None = None,
) -> Contribution:
    """Change a contribution not yet validated: co-contributors confirm again, then it awaits validation again."""
    _may_edit(actor, contribution)
    contribution = _locked_contribution(contribution)
    _not_validated(contribution)
    before_shares = _current_shares(contribution)
    before = contribution_snapshot(contribution, before_shares)
    merged = {
        "kind": contribution.kind, "description": contribution.description, "value": contribution.value,
        "quantity": contribution.quantity, "date": contribution.date, "objective": contribution.objective_id,
        "evidence_url": contribution.evidence_url, "external_id": contribution.external_id,
        "contributors": [{"partner": p, "weight": str(w)} for p, w in before_shares],
        **data,
    }  # fmt: skip
    if "contributors" not in data and "partner" in data:
        merged["contributors"] = None  # a new declarer: alone, unless contributors are given
    declarer = int(data.get("partner") or contribution.partner_id) if has_role(actor, MANAGERS) else actor.partner_id
    merged["partner"] = declarer
    cleaned, shares, errors = clean_contribution(
        merged,
        context=MissionContext.load(contribution.mission),
        declarer=None if has_role(actor, MANAGERS) else declarer,
    )
    errors.update(_evidence_errors(evidence))
    external_id = cleaned.get("external_id")
    if external_id and Contribution.objects.filter(external_id=external_id).exclude(pk=contribution.pk).exists():
        errors.setdefault("external_id", []).append(_("Another contribution has this external id."))
    if errors:
        raise FieldErrors(errors)
    for name, value in cleaned.items():
        setattr(contribution, name, value)
    contribution.status = initial_status(shares)
    contribution.rejection_reason = ""
    contribution.reviewed_by, contribution.reviewed_at = None, None
    with unique_violations(), transaction.atomic():
        contribution.save()
    if evidence is not None:
        contribution.evidence_file.delete(save=False)
        contribution.evidence_file.save(evidence.name, evidence, save=True)
    contribution.shares.all().delete()
    Share.objects.bulk_create(share_rows(contribution, shares))
    old, new = _changed(before, contribution_snapshot(contribution, shares))
    audit_record(actor=actor, action="contribution.updated", target=contribution, before=old, after=new, ip=ip)
    notifications.shares_awaiting(contribution)
    return contribution


@transaction.atomic
def contribution_delete(*, actor: User, contribution: Contribution, ip: str | None = None) -> None:
    _may_edit(actor, contribution)
    contribution = _locked_contribution(contribution)
    _not_validated(contribution)
    if contribution.corrections.exists():
        raise Conflict(_("Corrections refer to this contribution."), code="contribution_corrected")
    audit_record(
        actor=actor, action="contribution.deleted", target=contribution,
        before=contribution_snapshot(contribution, _current_shares(contribution)), ip=ip,
    )  # fmt: skip
    contribution.evidence_file.delete(save=False)
    contribution.delete()


def _own_share(actor: User, contribution: Contribution) -> Share:
    if not (has_role(actor, PARTNER_USERS) and actor.partner_id is not None):
        raise NotAllowed(_("Only a co-contributing partner's users can answer for its share."))
    share = Share.objects.select_for_update().filter(contribution=contribution, partner_id=actor.partner_id).first()
    if share is None:
        raise NotAllowed(_("Your organisation has no share in this contribution."))
    if share.state != Share.State.PENDING:
        raise Conflict(
            _("Your organisation's share was answered already (%(state)s).") % {"state": share.get_state_display()},
            code="already_answered",
        )
    if contribution.status != C.AWAITING_CONFIRMATION:
        raise Conflict(_("This contribution no longer awaits confirmation."), code="not_awaiting_confirmation")
    return share


@transaction.atomic
def share_confirm(*, actor: User, contribution: Contribution, ip: str | None = None) -> Contribution:
    """A co-contributor confirms its share; the last confirmation sends the contribution to validation."""
    contribution = _locked_contribution(contribution)
    share = _own_share(actor, contribution)
    share.state, share.answered_by, share.answered_at = Share.State.CONFIRMED, actor, timezone.now()
    share.save(update_fields=["state", "answered_by", "answered_at"])
    if not contribution.shares.exclude(state=Share.State.CONFIRMED).exists():
        contribution.status = C.SUBMITTED
        contribution.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action="contribution.confirmed", target=contribution,
        after={"partner": share.partner_id, "weight": str(share.weight), "status": contribution.status}, ip=ip,
    )  # fmt: skip
    return contribution


@transaction.atomic
def share_decline(*, actor: User, contribution: Contribution, reason: str = "", ip: str | None = None) -> Contribution:
    """A co-contributor declines its share: the declaring partner must change the split (or withdraw it)."""
    contribution = _locked_contribution(contribution)
    share = _own_share(actor, contribution)
    problems: list[str] = []
    reason = text(reason, MAX_REASON, problems)
    if problems:
        raise FieldErrors({"reason": problems})
    share.state, share.answered_by, share.answered_at = Share.State.DECLINED, actor, timezone.now()
    share.save(update_fields=["state", "answered_by", "answered_at"])
    contribution.status = C.DECLINED
    contribution.rejection_reason = ""
    contribution.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action="contribution.share_declined", target=contribution,
        after={"partner": share.partner_id, "reason": reason}, ip=ip,
    )  # fmt: skip
    notifications.share_declined(contribution, partner_id=share.partner_id, reason=reason)
    return contribution


def _check_validatable(contribution: Contribution) -> None:
    if contribution.status == C.VALIDATED:
        raise Conflict(_("This contribution is validated already."), code="contribution_validated")
    if contribution.status in (C.AWAITING_CONFIRMATION, C.DECLINED):
        raise Conflict(
            _("Every co-contributor must confirm its share before the contribution can be validated."),
            code="awaiting_confirmation",
        )
    if contribution.status == C.REJECTED:
        raise Conflict(_("This contribution was rejected; it must be changed first."), code="contribution_rejected")


@transaction.atomic
def contribution_validate(*, actor: User, contribution: Contribution, ip: str | None = None) -> Contribution:
    _require_manager(actor)
    contribution = _locked_contribution(contribution)
    _check_validatable(contribution)
    contribution.status, contribution.reviewed_by, contribution.reviewed_at = C.VALIDATED, actor, timezone.now()
    contribution.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(actor=actor, action="contribution.validated", target=contribution, ip=ip)
    notifications.contributions_reviewed([contribution.pk])
    return contribution


def _reason_required(reason: str) -> str:
    problems: list[str] = []
    reason = text(reason, MAX_REASON, problems, required=True)
    if problems:
        raise FieldErrors({"reason": problems})
    return reason


@transaction.atomic
def contribution_reject(
    *, actor: User, contribution: Contribution, reason: str, ip: str | None = None
) -> Contribution:
    _require_manager(actor)
    reason = _reason_required(reason)
    contribution = _locked_contribution(contribution)
    if contribution.status in (C.VALIDATED, C.REJECTED):
        raise Conflict(
            _("This contribution is %(status)s already.") % {"status": contribution.get_status_display()},
            code="contribution_reviewed",
        )
    contribution.status, contribution.reviewed_by, contribution.reviewed_at = C.REJECTED, actor, timezone.now()
    contribution.rejection_reason = reason
    contribution.save(update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason", "updated_at"])
    audit_record(actor=actor, action="contribution.rejected", target=contribution, after={"reason": reason}, ip=ip)
    notifications.contributions_reviewed([contribution.pk])
    return contribution


@dataclass(frozen=True)
class BulkOutcome:
    done: list[int]
    skipped: dict[int, str]  # contribution id -> why


@transaction.atomic
def contributions_review_many(
    *, actor: User, contributions: QuerySet[Contribution], reject_reason: str | None = None, ip: str | None = None
) -> BulkOutcome:
    """Validate (or, with a reason, reject) many contributions at once: those awaiting
    validation change, the others are skipped with why. Two statements and one audit insert."""
    _require_manager(actor)
    reject = reject_reason is not None
    if reject:
        reject_reason = _reason_required(reject_reason)
    rows = list(
        contributions.select_for_update(of=("self",)).order_by("pk").values_list("pk", "status")[: MAX_BULK + 1]
    )
    if len(rows) > MAX_BULK:
        raise FieldErrors({"ids": [_("At most %(limit)d contributions at once.") % {"limit": MAX_BULK}]})
    labels = dict(C.choices)
    ready = {C.SUBMITTED} | ({C.AWAITING_CONFIRMATION, C.DECLINED} if reject else set())
    done = [pk for pk, status in rows if status in ready]
    skipped = {pk: str(labels[status]) for pk, status in rows if status not in ready}
    now = timezone.now()
    changes = {"status": C.REJECTED if reject else C.VALIDATED, "reviewed_by": actor, "reviewed_at": now}
    if reject:
        changes["rejection_reason"] = reject_reason
    Contribution.objects.filter(pk__in=done).update(**changes, updated_at=now)
    action = "contribution.rejected" if reject else "contribution.validated"
    after = {"reason": reject_reason} if reject else None
    audit_record_many(
        actor=actor, events=[(action, c, None, after) for c in Contribution.objects.filter(pk__in=done)], ip=ip
    )
    notifications.contributions_reviewed(done)
    return BulkOutcome(done=done, skipped=skipped)


@transaction.atomic
def contribution_correct(
    *, actor: User, original: Contribution, data: Mapping[str, Any], ip: str | None = None
) -> Contribution:
    """A validated contribution stays; a correction is a new contribution that adjusts it
    (its value and quantity may be negative), with the same contributors and weights, awaiting validation."""
    _require_manager(actor)
    original = _locked_contribution(original)
    if original.status != C.VALIDATED:
        raise Conflict(_("Only a validated contribution is corrected; change this one instead."), code="not_validated")
    shares = _current_shares(original)
    merged = {
        "partner": original.partner_id, "kind": original.kind, "objective": original.objective_id,
        "date": data.get("date") or timezone.localdate().isoformat(), "value": data.get("value"),
        "quantity": data.get("quantity"), "description": data.get("description"),
        "evidence_url": data.get("evidence_url"), "external_id": data.get("external_id"),
        "contributors": [{"partner": p, "weight": str(w)} for p, w in shares],
    }  # fmt: skip
    cleaned, shares, errors = clean_contribution(
        merged, context=MissionContext.load(original.mission), declarer=None, correction_of=original
    )
    if not cleaned.get("description") and "description" not in errors:
        errors["description"] = [_("Say what the correction is for.")]
    if errors:
        raise FieldErrors(errors)
    with unique_violations(), transaction.atomic():
        correction = Contribution.objects.create(
            mission=original.mission, status=C.SUBMITTED, declared_by=actor, corrects=original, **cleaned
        )
    now = timezone.now()
    Share.objects.bulk_create(
        Share(contribution=correction, partner_id=p, weight=w, state=Share.State.CONFIRMED, answered_at=now)
        for p, w in shares
    )
    audit_record(
        actor=actor, action="contribution.corrected", target=correction,
        after={**contribution_snapshot(correction, shares), "corrects": original.pk}, ip=ip,
    )  # fmt: skip
    return correction
