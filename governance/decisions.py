"""A review's decisions about its partners, their application, and the partners' appeals.

A done review gets one decision per partner it has findings about (keep,
promote, demote, warn, suspend, exit, with a rationale). A suspension or an
exit needs a second person's approval (four eyes) before the review's
decisions are applied: in one transaction, through the partner services, and
the review is then closed for good (database triggers refuse any later change
of the review, its findings and decisions). The partner's admin may appeal a
decision (not a keep) within the tenant's appeal window counted from the
closing; a reviewer answers, and an overturn restores what the partner was.
The partner's users are told by mail (`notifications`).

Every service checks the actor, writes the audit trail, and turns the
database's own refusals (a closed review, four eyes, one appeal per decision)
into the error the service's check gives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core import signing
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ecosystem.accounts.models import User
from ecosystem.core.audit import audit_record
from ecosystem.core.errors import ApplicationError, Conflict, FieldErrors, NotAllowed, unique_violations
from ecosystem.core.roles import REVIEWERS, Role, has_role, require_role
from ecosystem.core.selectors import tenant_settings
from partners import services as partner_services
from partners.models import Partner, Tier
from partners.validation import MAX_REASON_LENGTH

from . import notifications
from .models import TIER_KINDS, Appeal, Decision, Finding, Review

MAX_TEXT = 4000
LINK_SALT = "governance.appeal"
K = Decision.Kind
S = Partner.Status
# The status a decision moves the partner to.
STATUS_OF = {K.SUSPEND: S.SUSPENDED, K.EXIT: S.EXITED}


def review_closed_message() -> str:
    return _("This review is closed: its decisions were applied and it can no longer change.")


def _four_eyes_message() -> str:
    return _("A suspension or an exit is approved by someone other than its author.")


@contextmanager
def database_refusals() -> Iterator[None]:
    """The database's refusals of a governance write, as the services' own answers: a closed review
    (trigger, hint `review_closed`) and four eyes (check `decision_four_eyes`) give 409s, a declared
    unique constraint its rule's error. The transaction is aborted by then: let the error leave it."""
    try:
        with unique_violations():
            yield
    except DatabaseError as error:
        diag = getattr(error.__cause__, "diag", None)
        if getattr(diag, "message_hint", None) == "review_closed":
            raise Conflict(review_closed_message(), code="review_closed") from error
        if isinstance(error, IntegrityError) and getattr(diag, "constraint_name", None) == "decision_four_eyes":
            raise Conflict(_four_eyes_message(), code="four_eyes") from error
        raise


def _text(raw: Any, field: str, errors: dict[str, list[str]], missing: str) -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        errors[field] = [missing]
    elif len(text) > MAX_TEXT or "\x00" in text:
        errors[field] = [_("At most %(limit)d characters.") % {"limit": MAX_TEXT}]
    return text


def _id(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int) and 0 < raw < 2**63:
        return raw
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 18 and int(raw) > 0:
        return int(raw)
    return None


def _lock_open_review(review: Review) -> Review:
    """The review, locked until commit (record, approve and apply wait for each other), if still open."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.closed_at is not None:
        raise Conflict(review_closed_message(), code="review_closed")
    return review


def _clean_tier(kind: str, raw: Any, partner: Partner | None, errors: dict[str, list[str]]) -> Tier | None:
    if kind not in TIER_KINDS:
        if raw not in (None, ""):
            errors["tier"] = [_("Only a promotion or a demotion names a tier.")]
        return None
    pk = _id(raw)
    tier = Tier.objects.filter(pk=pk).first() if pk else None
    if tier is None:
        errors["tier"] = [_("Choose the tier the partner moves to.")]
        return None
    if partner is None:
        return tier
    current = partner.tier
    if current is not None and current.pk == tier.pk:
        errors["tier"] = [_("The partner is in this tier already.")]
    elif kind == K.PROMOTE and current is not None and tier.rank > current.rank:
        errors["tier"] = [_("A promotion moves the partner to a better tier than %(tier)s.") % {"tier": current.name}]
    elif kind == K.DEMOTE and (current is None or tier.rank < current.rank):
        errors["tier"] = (
            [_("A partner without a tier cannot be demoted.")]
            if current is None
            else [_("A demotion moves the partner to a lower tier than %(tier)s.") % {"tier": current.name}]
        )
    return tier


def _decision_data(decision: Decision) -> dict[str, Any]:
    return {"partner": decision.partner_id, "kind": decision.kind, "tier": decision.tier_id,
            "rationale": decision.rationale}  # fmt: skip


@transaction.atomic
def decision_record(*, actor: User, review: Review, data: Mapping[str, Any], ip: str | None = None) -> Decision:
    """The review's decision about a partner: a new one, or the one it had replaced (its approval cleared)."""
    require_role(actor, REVIEWERS, _("Only administrators and governance reviewers record decisions."))
    review = _lock_open_review(review)
    if review.status != Review.Status.DONE:
        raise Conflict(_("Only a finished review takes decisions."), code="review_not_done")
    errors: dict[str, list[str]] = {}
    partner_id = _id(data.get("partner"))
    partner = Partner.objects.select_related("tier").filter(pk=partner_id).first() if partner_id else None
    if partner is None:
        errors["partner"] = [_("Choose a partner of this review.")]
    elif not Finding.objects.filter(review=review, partner=partner).exists():
        errors["partner"] = [_("This review has no finding about %(partner)s.") % {"partner": partner.name}]
        partner = None
    kind = data.get("kind")
    if kind not in K.values:
        errors["kind"] = [_("Choose among: %(choices)s.") % {"choices": ", ".join(K.values)}]
    tier = _clean_tier(kind, data.get("tier"), partner, errors) if kind in K.values else None
    rationale = _text(data.get("rationale"), "rationale", errors, _("Explain the decision."))
    if errors:
        raise FieldErrors(errors)
    assert partner is not None
    decision = Decision.objects.select_for_update().filter(review=review, partner=partner).first()
    before = _decision_data(decision) if decision else None
    if decision is None:
        decision = Decision(review=review, partner=partner)
    decision.kind, decision.tier, decision.rationale, decision.author = kind, tier, rationale, actor
    decision.approved_by, decision.approved_at = None, None
    with database_refusals():  # two recordings at once: the loser is told (decision_exists)
        decision.save()
    after = _decision_data(decision)
    audit_record(actor=actor, action="governance.decision_recorded", target=decision, ip=ip,
                 before=before and {k: v for k, v in before.items() if after[k] != v},
                 after=after if before is None else {k: v for k, v in after.items() if before[k] != v})  # fmt: skip
    return decision


@transaction.atomic
def decision_withdraw(*, actor: User, decision: Decision, ip: str | None = None) -> None:
    """Remove a decision of a review not closed yet."""
    require_role(actor, REVIEWERS, _("Only administrators and governance reviewers withdraw decisions."))
    _lock_open_review(decision.review)
    audit_record(actor=actor, action="governance.decision_withdrawn", target=decision, ip=ip,
                 before=_decision_data(decision))  # fmt: skip
    with database_refusals():
        Decision.objects.filter(pk=decision.pk).delete()


@transaction.atomic
def decision_approve(*, actor: User, decision: Decision, ip: str | None = None) -> Decision:
    """The second person's approval of a suspension or an exit (never its author's)."""
    require_role(actor, REVIEWERS, _("Only administrators and governance reviewers approve decisions."))
    _lock_open_review(decision.review)
    decision = Decision.objects.select_for_update().select_related("partner").get(pk=decision.pk)
    if not decision.needs_approval:
        raise Conflict(_("Only a suspension or an exit needs an approval."), code="approval_not_needed")
    if decision.approved_at is not None:
        raise Conflict(_("This decision is approved already."), code="already_approved")
    if decision.author_id == actor.pk:
        raise Conflict(_four_eyes_message(), code="four_eyes")
    decision.approved_by, decision.approved_at = actor, timezone.now()
    with database_refusals():
        decision.save(update_fields=["approved_by", "approved_at"])
    audit_record(actor=actor, action="governance.decision_approved", target=decision, ip=ip,
                 after={"partner": decision.partner_id, "kind": decision.kind})  # fmt: skip
    return decision


def _apply_one(actor: User, decision: Decision, ip: str | None) -> None:
    partner = decision.partner
    decision.status_before, decision.tier_before_id = partner.status, partner.tier_id
    try:
        if decision.kind in TIER_KINDS:
            partner_services.partner_tier_by_decision(actor=actor, partner=partner, tier=decision.tier, ip=ip)
        elif decision.kind in STATUS_OF:
            partner_services.partner_status_by_decision(
                actor=actor, partner=partner, to=STATUS_OF[decision.kind],
                reason=decision.rationale[:MAX_REASON_LENGTH], ip=ip,
            )  # fmt: skip
    except ApplicationError as error:
        raise Conflict(f"{partner.name}: {error.message}", code=error.code) from error


@transaction.atomic
def review_apply(*, actor: User, review: Review, ip: str | None = None) -> Review:
    """Apply every decision of the review through the partner services, then close it: all or nothing."""
    require_role(actor, REVIEWERS, _("Only administrators and governance reviewers apply decisions."))
    review = _lock_open_review(review)
    decisions = list(
        Decision.objects.select_for_update(of=("self",)).filter(review=review)
        .select_related("partner", "partner__tier", "tier").order_by("partner__name", "partner_id")
    )  # fmt: skip
    if not decisions:
        raise Conflict(_("This review has no decision to apply."), code="no_decisions")
    waiting = [d.partner.name for d in decisions if d.awaiting_approval]
    if waiting:
        raise Conflict(
            _("A suspension or an exit awaits a second person's approval: %(partners)s.")
            % {"partners": ", ".join(waiting)},
            code="awaiting_approval",
        )
    now = timezone.now()
    for decision in decisions:
        _apply_one(actor, decision, ip)
        decision.applied_at = now
    with database_refusals():
        Decision.objects.bulk_update(decisions, ["status_before", "tier_before", "applied_at"])
        review.closed_at, review.closed_by = now, actor
        review.save(update_fields=["closed_at", "closed_by"])
    counts: dict[str, int] = {}
    for decision in decisions:
        counts[decision.kind] = counts.get(decision.kind, 0) + 1
    audit_record(actor=actor, action="governance.review_applied", target=review, ip=ip, after=counts)
    notifications.decisions_applied([d.pk for d in decisions if d.kind != K.KEEP])
    return review


# --- appeals ----------------------------------------------------------------------------------


def appeal_deadline(decision: Decision) -> dt.datetime | None:
    """When the window to appeal the decision closes (None while its review is open)."""
    closed_at = decision.review.closed_at
    if closed_at is None:
        return None
    return closed_at + dt.timedelta(days=tenant_settings().appeal_window_days)


def _is_partner_admin_of(user: Any, decision: Decision) -> bool:
    return has_role(user, (Role.PARTNER_ADMIN,)) and user.partner_id == decision.partner_id


def appeal_of(decision: Decision) -> Appeal | None:
    """The decision's appeal, or None: no query when it was read along (`select_related("appeal")`)."""
    try:
        return decision.appeal
    except Appeal.DoesNotExist:
        return None


def appeal_state(*, user: Any, decision: Decision) -> dict[str, Any]:
    """What the pages say of a decision's appeal: the appeal (or None), its deadline, whether the window is
    still open, and whether `user` may file one now (a partner admin of its partner, within the window, once).
    The tenant's settings read once; no query when the appeal was read along."""
    deadline = appeal_deadline(decision)
    appeal = appeal_of(decision)
    window_open = decision.kind != K.KEEP and deadline is not None and timezone.now() < deadline
    can_file = window_open and appeal is None and _is_partner_admin_of(user, decision)
    return {"decision": decision, "appeal": appeal, "deadline": deadline, "window_open": window_open,
            "can_file": can_file}  # fmt: skip


def appeal_can_file(*, user: User, decision: Decision) -> bool:
    """Whether `user` may appeal the decision now."""
    return appeal_state(user=user, decision=decision)["can_file"]


@transaction.atomic
def appeal_file(*, actor: User, decision: Decision, reason: str, ip: str | None = None) -> Appeal:
    """The partner admin's appeal against a decision of a closed review, within the window; one per decision."""
    if not _is_partner_admin_of(actor, decision):
        raise NotAllowed(_("Only an administrator of the partner concerned can appeal this decision."))
    errors: dict[str, list[str]] = {}
    reason = _text(reason, "reason", errors, _("Give the grounds of the appeal."))
    if errors:
        raise FieldErrors(errors)
    deadline = appeal_deadline(decision)
    if deadline is None:
        raise Conflict(_("This decision is not applied yet: it cannot be appealed."), code="review_not_closed")
    if decision.kind == K.KEEP:
        raise Conflict(_("Nothing changed for the partner: there is nothing to appeal."), code="nothing_to_appeal")
    if timezone.now() >= deadline:
        raise Conflict(
            _("The time to appeal this decision ended on %(date)s.")
            % {"date": date_format(timezone.localtime(deadline), "DATETIME_FORMAT")},
            code="appeal_window_closed",
        )
    if Appeal.objects.filter(decision=decision).exists():
        raise Conflict(_("This decision has been appealed already."), code="appeal_exists")
    with database_refusals():  # two appeals at once: the loser is told (appeal_exists)
        appeal = Appeal.objects.create(decision=decision, author=actor, reason=reason)
    audit_record(actor=actor, action="governance.appeal_filed", target=appeal, ip=ip,
                 after={"partner": decision.partner_id, "kind": decision.kind})  # fmt: skip
    return appeal


def _restore(actor: User, decision: Decision, reason: str, ip: str | None) -> None:
    """What the partner was before the decision, back through the partner services."""
    if decision.applied_at is None:
        return
    partner = decision.partner
    if decision.kind in TIER_KINDS:
        partner_services.partner_tier_by_decision(actor=actor, partner=partner, tier=decision.tier_before, ip=ip)
    elif decision.kind in STATUS_OF and decision.status_before:
        partner_services.partner_status_by_decision(
            actor=actor, partner=partner, to=decision.status_before, reason=reason[:MAX_REASON_LENGTH],
            restore=True, ip=ip,
        )  # fmt: skip


@transaction.atomic
def appeal_answer(*, actor: User, appeal: Appeal, state: str, answer: str, ip: str | None = None) -> Appeal:
    """A reviewer's answer: upheld, or overturned (the partner's status or tier restored)."""
    require_role(actor, REVIEWERS, _("Only administrators and governance reviewers answer appeals."))
    errors: dict[str, list[str]] = {}
    if state not in (Appeal.State.UPHELD, Appeal.State.OVERTURNED):
        errors["state"] = [_("Choose upheld or overturned.")]
    answer = _text(answer, "answer", errors, _("Give the answer to the appeal."))
    if errors:
        raise FieldErrors(errors)
    appeal = Appeal.objects.select_for_update(of=("self",)).select_related(
        "decision", "decision__partner", "decision__tier_before"
    ).get(pk=appeal.pk)  # fmt: skip
    if appeal.state != Appeal.State.OPEN:
        raise Conflict(_("This appeal has been answered already."), code="appeal_answered")
    if state == Appeal.State.OVERTURNED:
        try:
            _restore(actor, appeal.decision, answer, ip)
        except ApplicationError as error:
            raise Conflict(f"{appeal.decision.partner.name}: {error.message}", code=error.code) from error
    appeal.state, appeal.answer, appeal.answered_by, appeal.answered_at = state, answer, actor, timezone.now()
    appeal.save(update_fields=["state", "answer", "answered_by", "answered_at"])
    audit_record(actor=actor, action="governance.appeal_answered", target=appeal, ip=ip,
                 after={"partner": appeal.decision.partner_id, "state": state})  # fmt: skip
    notifications.appeal_answered(appeal)
    return appeal


# --- the personal appeal link -----------------------------------------------------------------


def appeal_link(*, decision: Decision, user: User) -> str:
    """The relative URL of the user's personal appeal page for the decision (no session needed), bound to the
    tenant it was made in (ids repeat from one tenant's schema to the next). Needs a tenant schema."""
    payload = {"d": decision.pk, "u": user.pk, "t": connection.schema_name}
    token = signing.dumps(payload, salt=LINK_SALT, compress=True)
    return f"/portal/appeal/{token}/"


def appeal_from_link(token: str) -> tuple[Decision, User]:
    """The decision and the user of an appeal link; refused (403) when forged or no longer the user's, and
    (400 `appeal_link_expired`) once the window to appeal has closed. A link made in another tenant is forged
    here: refused whatever its ids name in this one."""
    invalid = NotAllowed(_("This appeal link is not valid."), code="appeal_link_invalid")
    try:
        payload = signing.loads(token, salt=LINK_SALT)
        decision_id, user_id = int(payload["d"]), int(payload["u"])
        tenant = payload["t"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    if tenant != connection.schema_name:
        raise invalid
    decision = (
        Decision.objects.select_related("review", "partner", "tier").filter(pk=decision_id).first()
    )  # fmt: skip
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if decision is None or user is None or user.partner_id != decision.partner_id:
        raise invalid
    deadline = appeal_deadline(decision)
    if deadline is None or timezone.now() >= deadline:
        raise ApplicationError(_("This appeal link has expired: the time to appeal has ended."),
                               code="appeal_link_expired")  # fmt: skip
    return decision, user
