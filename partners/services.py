"""Writes on partners, tiers, agreements and the ecosystem profile.

Every function: keyword-only, one transaction, checks the actor, writes the
audit trail with before/after. Needs a tenant schema.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Max, Value
from django.db.models.functions import Coalesce
from django.template.defaultfilters import filesizeformat
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from ecosystem.accounts import services as accounts_services
from ecosystem.accounts.models import User
from ecosystem.accounts.sessions import users_end_sessions
from ecosystem.core.audit import audit_record
from ecosystem.core.errors import Conflict, FieldErrors, NotAllowed, unique_violations
from ecosystem.core.roles import ADMINS, MANAGERS, REVIEWERS, Role, require_role

from .models import (
    EXTERNAL_ID_TAKEN,
    Agreement,
    EcosystemProfile,
    ParticipantRole,
    Partner,
    Tier,
    ValueProposition,
)
from .validation import (
    MAX_COMPETITORS,
    MAX_REASON_LENGTH,
    PARTNER_EDITABLE,
    REASON_REQUIRED,
    STAFF_EDITABLE,
    clean_partner_fields,
    tiers_index,
)

S = Partner.Status
MISSION_MAX, PROPOSITION_MAX = 2000, 1000
# Lifecycle: where each status may go next.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.INVITED: (S.ONBOARDING, S.ACTIVE, S.EXITED),
    S.ONBOARDING: (S.ACTIVE, S.EXITED),
    S.ACTIVE: (S.SUSPENDED, S.EXITED),
    S.SUSPENDED: (S.ACTIVE, S.EXITED),
    S.EXITED: (),
}
DOCUMENT_TYPES = {
    ".pdf": b"%PDF",
    ".png": b"\x89PNG",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".docx": b"PK\x03\x04",
}


def snapshot(partner: Partner, fields: tuple[str, ...] = STAFF_EDITABLE) -> dict[str, Any]:
    data = {}
    for field in fields:
        value = getattr(partner, "tier_id" if field == "tier" else field)
        data[field] = value
    return data


def _changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _competitor_ids(raw: Any, *, exclude: int | None) -> tuple[list[int], list[str]]:
    if not raw:
        return [], []
    try:
        ids = sorted({int(v) for v in raw})
    except (TypeError, ValueError):
        return [], [_("Give partner ids.")]
    if len(ids) > MAX_COMPETITORS:
        return [], [_("At most %(limit)d competitors.") % {"limit": MAX_COMPETITORS}]
    found = set(Partner.objects.filter(pk__in=ids).values_list("pk", flat=True))
    errors = []
    missing = [i for i in ids if i not in found]
    if missing:
        errors.append(_("No partner with id %(ids)s.") % {"ids": ", ".join(map(str, missing))})
    if exclude is not None and exclude in ids:
        errors.append(_("A partner cannot compete with itself."))
    return ids, errors


def _external_id_taken(external_id: str | None, *, exclude: int | None) -> bool:
    if not external_id:
        return False
    return Partner.objects.filter(external_id=external_id).exclude(pk=exclude).exists()


@transaction.atomic
def partner_create(*, actor: User, data: Mapping[str, Any], ip: str | None = None) -> Partner:
    """A new partner in status `invited`."""
    require_role(actor, MANAGERS)
    cleaned, errors = clean_partner_fields(
        data, fields=STAFF_EDITABLE, tiers_by_key=tiers_index(Tier.objects.all()), required=True
    )
    competitors, competitor_errors = _competitor_ids(data.get("competitors"), exclude=None)
    if competitor_errors:
        errors["competitors"] = competitor_errors
    if _external_id_taken(cleaned.get("external_id"), exclude=None):
        errors.setdefault("external_id", []).append(EXTERNAL_ID_TAKEN.message())
    if errors:
        raise FieldErrors(errors)
    with unique_violations():  # a concurrent request took the external id since the check
        partner = Partner.objects.create(**cleaned)
    if competitors:
        partner.competitors.set(competitors)
    audit_record(
        actor=actor, action="partner.created", target=partner,
        after={**snapshot(partner), "competitors": competitors}, ip=ip,
    )  # fmt: skip
    return partner


def exited_read_only_message(partner: Partner) -> str:
    return _("%(partner)s has left the ecosystem: its profile can no longer change.") % {"partner": partner.name}


@transaction.atomic
def partner_update(*, actor: User, partner: Partner, data: Mapping[str, Any], ip: str | None = None) -> Partner:
    """Staff change any profile field; a partner admin only its own allowed fields."""
    if actor.role in MANAGERS:
        allowed = STAFF_EDITABLE
    elif actor.role == Role.PARTNER_ADMIN and actor.partner_id == partner.pk:
        allowed = PARTNER_EDITABLE
    else:
        raise NotAllowed(_("Your role does not allow this."))
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if partner.has_exited:
        raise Conflict(exited_read_only_message(partner), code="partner_exited")
    refused = sorted(k for k in data if k not in allowed) if actor.role not in MANAGERS else []
    if refused:
        raise FieldErrors({k: [_("You cannot change this field.")] for k in refused})
    cleaned, errors = clean_partner_fields(
        data, fields=allowed, tiers_by_key=tiers_index(Tier.objects.all()), required=False
    )
    competitors = None
    if "competitors" in data:
        competitors, competitor_errors = _competitor_ids(data["competitors"], exclude=partner.pk)
        if competitor_errors:
            errors["competitors"] = competitor_errors
    if _external_id_taken(cleaned.get("external_id"), exclude=partner.pk):
        errors.setdefault("external_id", []).append(EXTERNAL_ID_TAKEN.message())
    if errors:
        raise FieldErrors(errors)
    before = snapshot(partner)
    for field, value in cleaned.items():
        setattr(partner, field, value)
    with unique_violations():  # a concurrent request took the external id since the check
        partner.save()
    before_changes, after_changes = _changes(before, snapshot(partner))
    if competitors is not None:
        old = sorted(partner.competitors.values_list("pk", flat=True))
        if old != competitors:
            partner.competitors.set(competitors)
            before_changes["competitors"], after_changes["competitors"] = old, competitors
    if after_changes:
        audit_record(
            actor=actor, action="partner.updated", target=partner,
            before=before_changes, after=after_changes, ip=ip,
        )  # fmt: skip
    return partner


def _check_transition(partner: Partner, to: str) -> None:
    if to not in TRANSITIONS[partner.status]:
        raise Conflict(
            _("A partner cannot go from %(from)s to %(to)s.")
            % {"from": partner.get_status_display().lower(), "to": S(to).label.lower()},
            code="invalid_transition",
        )


def _transition(
    *, actor: User | None, partner: Partner, to: str, reason: str = "", ip: str | None = None, restore: bool = False
) -> Partner:
    """Move the partner to `to` (the lifecycle's rules; `restore`: back to a status it had, whatever the rules,
    as an overturned governance decision does)."""
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if not restore:
        _check_transition(partner, to)
    before = {"status": partner.status, "reason": partner.status_reason}
    partner.status, partner.status_reason = to, reason
    partner.save(update_fields=["status", "status_reason", "updated_at"])
    if not partner.can_sign_in:
        # The auth backend refuses the partner's users on every request, and
        # their sessions and tokens end for good (not revived by a reactivation).
        users_end_sessions(users=User.objects.filter(partner=partner))
    audit_record(
        actor=actor, action=f"partner.{to}", target=partner, before=before,
        after={"status": to, "reason": reason}, ip=ip,
    )  # fmt: skip
    return partner


@transaction.atomic
def partner_activate(*, actor: User, partner: Partner, ip: str | None = None) -> Partner:
    require_role(actor, MANAGERS)
    return _transition(actor=actor, partner=partner, to=S.ACTIVE, ip=ip)


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise FieldErrors({"reason": [str(REASON_REQUIRED)]})
    if len(reason) > MAX_REASON_LENGTH:
        raise FieldErrors({"reason": [_("At most %(limit)d characters.") % {"limit": MAX_REASON_LENGTH}]})
    return reason


@transaction.atomic
def partner_suspend(*, actor: User, partner: Partner, reason: str, ip: str | None = None) -> Partner:
    require_role(actor, MANAGERS)
    return _transition(actor=actor, partner=partner, to=S.SUSPENDED, reason=_reason_required(reason), ip=ip)


@transaction.atomic
def partner_exit(*, actor: User, partner: Partner, reason: str, ip: str | None = None) -> Partner:
    require_role(actor, MANAGERS)
    return _transition(actor=actor, partner=partner, to=S.EXITED, reason=_reason_required(reason), ip=ip)


# --- governance decisions (governance.decisions applies them through these) ------------------------


@transaction.atomic
def partner_status_by_decision(
    *, actor: User, partner: Partner, to: str, reason: str, restore: bool = False, ip: str | None = None
) -> Partner:
    """A governance decision's status change (suspend, exit; `restore`: an overturned decision's status back,
    even out of an exit). Administrators and reviewers; ends the users' sessions as any suspension or exit does.
    Nothing happens when the partner already has that status."""
    require_role(actor, REVIEWERS)
    if to not in S.values:
        raise FieldErrors({"status": [_("Unknown status.")]})
    current = Partner.objects.select_for_update().get(pk=partner.pk)
    if current.status == to:
        return current
    return _transition(actor=actor, partner=current, to=to, reason=reason, ip=ip, restore=restore)


@transaction.atomic
def partner_tier_by_decision(*, actor: User, partner: Partner, tier: Tier | None, ip: str | None = None) -> Partner:
    """A governance decision's tier change (promote, demote; an overturn's tier back, possibly none).
    Administrators and reviewers; an exited partner's record does not change (409)."""
    require_role(actor, REVIEWERS)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    tier_id = tier.pk if tier is not None else None
    if partner.tier_id == tier_id:
        return partner
    if partner.has_exited:
        raise Conflict(exited_read_only_message(partner), code="partner_exited")
    before = {"tier": partner.tier_id}
    partner.tier = tier
    partner.save(update_fields=["tier", "updated_at"])
    audit_record(actor=actor, action="partner.updated", target=partner, before=before, after={"tier": tier_id}, ip=ip)
    return partner


@dataclass(frozen=True)
class LifecycleAction:
    service: Callable[..., Partner]
    to: str  # the status it moves the partner to
    needs_reason: bool


# The lifecycle actions of the page and the API, by name, in the page's order.
LIFECYCLE_ACTIONS: dict[str, LifecycleAction] = {
    "activate": LifecycleAction(partner_activate, to=S.ACTIVE, needs_reason=False),
    "suspend": LifecycleAction(partner_suspend, to=S.SUSPENDED, needs_reason=True),
    "exit": LifecycleAction(partner_exit, to=S.EXITED, needs_reason=True),
}


def partner_lifecycle_actions(partner: Partner) -> list[str]:
    """The names of the lifecycle actions open to `partner` in its status (none once it exited)."""
    return [name for name, action in LIFECYCLE_ACTIONS.items() if action.to in TRANSITIONS[partner.status]]


def partner_lifecycle_check(*, partner: Partner, action: str) -> None:
    """Refuse, before any input is read, an action the partner's status does not
    allow (Conflict) or an unknown one; the action's service checks again under lock."""
    if action not in LIFECYCLE_ACTIONS:
        raise FieldErrors({"action": [_("Unknown action.")]})
    _check_transition(partner, LIFECYCLE_ACTIONS[action].to)


def partner_lifecycle_change(
    *, actor: User, partner: Partner, action: str, reason: str, ip: str | None = None
) -> Partner:
    """Run one lifecycle action by its name (`LIFECYCLE_ACTIONS`); unknown names are refused."""
    if action not in LIFECYCLE_ACTIONS:
        raise FieldErrors({"action": [_("Unknown action.")]})
    chosen = LIFECYCLE_ACTIONS[action]
    if chosen.needs_reason:
        return chosen.service(actor=actor, partner=partner, reason=reason, ip=ip)
    return chosen.service(actor=actor, partner=partner, ip=ip)


def partner_start_onboarding(*, actor: User, partner: Partner) -> None:
    """Called when a partner's first user joins: invited -> onboarding."""
    if partner.status == S.INVITED:
        _transition(actor=actor, partner=partner, to=S.ONBOARDING)


@transaction.atomic
def invitation_accept(*, token: str, password: str, full_name: str = "", ip: str | None = None) -> User:
    """Join the ecosystem with an invitation link: the account is created
    (accounts), and a partner's first user moves it from invited to onboarding."""
    user = accounts_services.invitation_accept(token=token, password=password, full_name=full_name, ip=ip)
    if user.partner_id is not None:
        partner_start_onboarding(actor=user, partner=user.partner)
    return user


# --- agreements ---------------------------------------------------------------


def check_document(document: UploadedFile | None) -> list[str]:
    if document is None:
        return []
    extension = Path(document.name or "").suffix.lower()
    if extension not in DOCUMENT_TYPES:
        return [_("Attach a PDF, PNG, JPEG or DOCX file.")]
    if document.size > settings.AGREEMENT_DOCUMENT_MAX_BYTES:
        sizes = {"size": filesizeformat(document.size), "limit": filesizeformat(settings.AGREEMENT_DOCUMENT_MAX_BYTES)}
        return [_("The file is %(size)s; the limit is %(limit)s.") % sizes]
    signature = DOCUMENT_TYPES[extension]
    head = document.read(len(signature))  # saving the file rewinds it (File.chunks)
    if head != signature:
        return [_("The file's content does not match its %(ext)s name.") % {"ext": extension}]
    return []


@transaction.atomic
def agreement_create(
    *, actor: User, partner: Partner, data: Mapping[str, Any], document: UploadedFile | None = None,
    ip: str | None = None,
) -> Agreement:  # fmt: skip
    require_role(actor, MANAGERS)
    # Locked, so that concurrent agreements of one partner leave the right horizon
    # (and an exit committed meanwhile is seen).
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if partner.has_exited:
        raise Conflict(
            _("%(partner)s has left the ecosystem: it cannot receive new agreements.") % {"partner": partner.name},
            code="partner_exited",
        )
    errors: dict[str, list[str]] = {}
    kind = str(data.get("kind") or "")
    if kind not in Agreement.Kind.values:
        errors["kind"] = [_("Choose a kind of agreement.")]
    reference = str(data.get("reference") or "").strip()
    if not reference:
        errors["reference"] = [_("This field is required.")]
    elif len(reference) > 100:
        errors["reference"] = [_("At most %(limit)d characters.") % {"limit": 100}]
    dates = {}
    for field in ("signed_on", "expires_on"):
        raw = data.get(field)
        try:
            value = raw if hasattr(raw, "year") else parse_date(str(raw or "")) if raw else None
        except ValueError:  # well-formed but impossible, e.g. 2026-02-30
            value = None
        if raw and value is None:
            errors[field] = [_("Enter a date as YYYY-MM-DD.")]
        dates[field] = value
    if dates["signed_on"] is None and "signed_on" not in errors:
        errors["signed_on"] = [_("This field is required.")]
    if dates["signed_on"] and dates["expires_on"] and dates["expires_on"] < dates["signed_on"]:
        errors["expires_on"] = [_("An agreement cannot expire before it is signed.")]
    document_errors = check_document(document)
    if document_errors:
        errors["document"] = document_errors
    if errors:
        raise FieldErrors(errors)
    agreement = Agreement(partner=partner, kind=kind, reference=reference, **dates)
    if document is not None:
        agreement.document.save(document.name, document, save=False)
    agreement.save()
    partner_refresh_agreement_horizon(partner=partner)
    audit_record(
        actor=actor, action="agreement.created", target=partner,
        after={"agreement": agreement.pk, "kind": kind, "reference": reference,
               "signed_on": str(dates["signed_on"]), "expires_on": str(dates["expires_on"] or "")},
        ip=ip,
    )  # fmt: skip
    return agreement


FAR_FUTURE = dt.date(9999, 12, 31)


def partner_refresh_agreement_horizon(*, partner: Partner) -> None:
    """Recompute when the partner's longest-running agreement ends (denormalised
    for the directory's agreement filter). Call after any agreement write."""
    horizon = partner.agreements.aggregate(until=Max(Coalesce("expires_on", Value(FAR_FUTURE))))["until"]
    Partner.objects.filter(pk=partner.pk).update(agreement_horizon=horizon)
    partner.agreement_horizon = horizon


# --- tiers and the ecosystem profile --------------------------------------------


@transaction.atomic
def tier_create(*, actor: User, name: str, rank: int | None = None, description: str = "") -> Tier:
    """A tier. Without a `rank` it goes last, and the tier table stays locked until commit."""
    require_role(actor, MANAGERS)
    name, description = (name or "").strip(), (description or "").strip()
    if not name or len(name) > 60:
        raise FieldErrors({"name": [_("Give the tier a name of at most 60 characters.")]})
    if len(description) > 200:
        raise FieldErrors({"description": [_("At most %(limit)d characters.") % {"limit": 200}]})
    if rank is None:
        # Tiers created at once would all read the same last rank: the first
        # takes the table's lock until it commits, the next then reads its rank.
        # (SHARE ROW EXCLUSIVE conflicts with itself and with plain inserts.)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(Tier._meta.db_table)} IN SHARE ROW EXCLUSIVE MODE")
        rank = (Tier.objects.order_by("-rank").values_list("rank", flat=True).first() or 0) + 1
    # The database decides whether the name and rank are free, alone or at once.
    with unique_violations():
        tier = Tier.objects.create(name=name, rank=rank, description=description)
    audit_record(actor=actor, action="tier.created", target=tier, after={"name": name, "rank": rank})
    return tier


def ecosystem_profile() -> EcosystemProfile:
    profile = EcosystemProfile.objects.first()
    return profile if profile is not None else EcosystemProfile.objects.create()


@transaction.atomic
def ecosystem_profile_update(
    *, actor: User, mission: str, propositions: Mapping[str, tuple[str, str]], ip: str | None = None
) -> EcosystemProfile:
    """The mission and, per participant role, what the ecosystem offers and expects."""
    require_role(actor, ADMINS)
    profile = EcosystemProfile.objects.select_for_update().get(pk=ecosystem_profile().pk)
    errors: dict[str, list[str]] = {}
    if len((mission or "").strip()) > MISSION_MAX:
        errors["mission"] = [_("At most %(limit)d characters.") % {"limit": MISSION_MAX}]
    too_long = [r for r, texts in propositions.items() if any(len((t or "").strip()) > PROPOSITION_MAX for t in texts)]
    if too_long:
        errors["propositions"] = [_("At most %(limit)d characters per text.") % {"limit": PROPOSITION_MAX}]
    unknown = [r for r in propositions if r not in ParticipantRole.values]
    if unknown:
        errors.setdefault("propositions", []).append(_("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)})
    if errors:
        raise FieldErrors(errors)
    before = {"mission": profile.mission}
    profile.mission = (mission or "").strip()
    profile.save()
    existing = {vp.role: vp for vp in ValueProposition.objects.all()}
    changed_roles = []
    for role, (offers, expects) in propositions.items():
        offers, expects = (offers or "").strip(), (expects or "").strip()
        current = existing.get(role)
        if current is None:
            ValueProposition.objects.create(role=role, offers=offers, expects=expects)
            changed_roles.append(role)
        elif (current.offers, current.expects) != (offers, expects):
            current.offers, current.expects = offers, expects
            current.save(update_fields=["offers", "expects"])
            changed_roles.append(role)
    after = {"mission": profile.mission}
    before_changes, after_changes = _changes(before, after)
    if changed_roles:
        after_changes["value_propositions"] = changed_roles
    if after_changes:
        audit_record(
            actor=actor, action="ecosystem.profile_updated", target=profile,
            before=before_changes, after=after_changes, ip=ip,
        )  # fmt: skip
    return profile
