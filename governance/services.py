"""Keeping the rule book, requesting and cancelling reviews (the evaluating is `tasks.run_review`'s).

Every change of the rule book is a new version (see `models`): created in one
transaction with a copy of the current version's rules, the change applied.
Only administrators and governance reviewers change the rule book and run
reviews. A review request with the parameters of one still queued or running
returns that one (the partial unique constraint `review_pending_once`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from ecosystem.accounts.models import User
from ecosystem.core.audit import audit_record
from ecosystem.core.errors import ApplicationError, Conflict, FieldErrors, unique_violations
from ecosystem.core.jobs import job_cancel, job_request, job_send, jobs_fail_stuck
from ecosystem.core.roles import REVIEWERS, require_role
from ecosystem.missions.validation import parse_day
from partners.models import ParticipantRole, Tier

from .models import Review, Rule, RuleBook
from .selectors import rule_book_current

MAX_NAME = 120
MAX_DAYS = 3660
MAX_AMOUNT = Decimal("1e12")
MAX_PERIOD_DAYS = 366 * 5
RULE_FIELDS = ("name", "kind", "params", "severity", "roles", "tiers")

# kind -> {parameter: (what it is, required)}
PARAMETERS: dict[str, dict[str, tuple[str, bool]]] = {
    Rule.Kind.MIN_CONTRIBUTION: {"min_value": ("amount", True), "per_tier": ("per_tier", False)},
    Rule.Kind.MAX_SHARE: {"max_percent": ("percent", True)},
    Rule.Kind.AGREEMENT_VALID: {"warn_days": ("days", True)},
    Rule.Kind.RECENT_ACTIVITY: {"days": ("days", True)},
    Rule.Kind.COMMITMENT_MET: {},
    Rule.Kind.PENDING_CONFIRMATIONS: {"days": ("days", True)},
}


# --- validation -------------------------------------------------------------------------------


def _amount(raw: Any, problems: list[str], *, limit: Decimal = MAX_AMOUNT) -> str | None:
    """A number >= 0 (and <= limit), as a decimal string."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        problems.append(_("Give a number."))
        return None
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        problems.append(_("Give a number."))
        return None
    if not number.is_finite():
        problems.append(_("Give a number."))
    elif number < 0:
        problems.append(_("Give a number of 0 or more."))
    elif number > limit:
        problems.append(_("Give a number of at most %(limit)s.") % {"limit": f"{limit.normalize():f}"})
    else:
        return str(number.quantize(Decimal("0.01")))
    return None


def _days(raw: Any, problems: list[str]) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).strip().isdigit():
        problems.append(_("Give a whole number of days, 1 or more."))
        return None
    days = int(str(raw).strip())
    if not 1 <= days <= MAX_DAYS:
        problems.append(_("Give a whole number of days between 1 and %(limit)d.") % {"limit": MAX_DAYS})
        return None
    return days


def _per_tier(raw: Any, problems: list[str]) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        problems.append(_('Give an object of tier ids and amounts, e.g. {"3": "500.00"}.'))
        return {}
    cleaned: dict[str, str] = {}
    keys = [str(key) for key in raw]
    ids = [int(key) for key in keys if key.isdigit() and len(key) <= 18]
    known = {str(pk) for pk in Tier.objects.filter(pk__in=ids).values_list("pk", flat=True)}
    unknown = sorted(key for key in keys if key not in known)
    if unknown:
        problems.append(_("No such tier: %(ids)s.") % {"ids": ", ".join(unknown)[:200]})
    for key, value in raw.items():
        if str(key) in known:
            amount = _amount(value, problems)
            if amount is not None:
                cleaned[str(int(key))] = amount
    return dict(sorted(cleaned.items(), key=lambda item: int(item[0])))


def clean_params(kind: str, raw: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A rule's parameters checked against its kind: (cleaned, errors keyed `params.<name>`)."""
    errors: dict[str, list[str]] = {}
    expected = PARAMETERS.get(kind, {})
    if raw in (None, ""):
        raw = {}
    if not isinstance(raw, Mapping):
        return {}, {"params": [_("Give the parameters as an object.")]}
    cleaned: dict[str, Any] = {}
    for key in raw:
        if key not in expected:
            errors[f"params.{key}"[:80]] = [
                _("A %(kind)s rule takes no parameter of this name; it takes: %(names)s.")
                % {"kind": kind, "names": ", ".join(expected) or _("none")}
            ]
    for name, (what, required) in expected.items():
        problems: list[str] = []
        if name not in raw or raw[name] in (None, ""):
            if required:
                problems.append(_("This parameter is required."))
        elif what == "amount":
            cleaned[name] = _amount(raw[name], problems)
        elif what == "percent":
            cleaned[name] = _amount(raw[name], problems, limit=Decimal(100))
        elif what == "days":
            cleaned[name] = _days(raw[name], problems)
        else:
            cleaned[name] = _per_tier(raw[name], problems)
        if problems:
            errors[f"params.{name}"] = problems
    return cleaned, errors


def _choices(raw: Any, allowed: list[str], problems: list[str]) -> list[str]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, (list, tuple)) or not all(isinstance(r, str) for r in raw):
        problems.append(_("Give a list of roles."))
        return []
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        problems.append(
            _("Unknown roles: %(roles)s. Choose among: %(choices)s.")
            % {"roles": ", ".join(unknown)[:200], "choices": ", ".join(allowed)}
        )
    return sorted(set(raw))


def _tier_ids(raw: Any, problems: list[str]) -> list[int]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, (list, tuple)) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in raw
    ):
        problems.append(_("Give a list of tier ids."))
        return []
    found = set(Tier.objects.filter(pk__in=raw).values_list("pk", flat=True))
    missing = sorted(set(raw) - found)
    if missing:
        problems.append(_("No such tier: %(ids)s.") % {"ids": ", ".join(map(str, missing))[:200]})
    return sorted(set(raw))


def clean_rule(data: Mapping[str, Any]) -> dict[str, Any]:
    """A whole rule (name, kind, params, severity, roles, tiers), checked field by field."""
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Give the rule a name.")]
    elif len(name) > MAX_NAME or "\x00" in name:
        errors["name"] = [_("Give a name of at most %(limit)d characters.") % {"limit": MAX_NAME}]
    kind = data.get("kind")
    if kind not in Rule.Kind.values:
        errors["kind"] = [_("Choose among: %(choices)s.") % {"choices": ", ".join(Rule.Kind.values)}]
    severity = data.get("severity") or Rule.Severity.FAIL
    if severity not in Rule.Severity.values:
        errors["severity"] = [_("Choose warn or fail.")]
    params: dict[str, Any] = {}
    if kind in Rule.Kind.values:
        params, problems = clean_params(kind, data.get("params"))
        errors.update(problems)
    roles_problems: list[str] = []
    roles = _choices(data.get("roles"), list(ParticipantRole.values), roles_problems)
    tiers_problems: list[str] = []
    tiers = _tier_ids(data.get("tiers"), tiers_problems)
    errors.update({k: v for k, v in (("roles", roles_problems), ("tiers", tiers_problems)) if v})
    if errors:
        raise FieldErrors(errors)
    return {"name": name, "kind": kind, "params": params, "severity": severity, "roles": roles, "tiers": tiers}


# --- the rule book ----------------------------------------------------------------------------


def _as_data(rule: Rule) -> dict[str, Any]:
    return {field: getattr(rule, field) for field in RULE_FIELDS}


def _new_version(
    actor: User,
    *,
    base: RuleBook | None = None,
    replace: int | None = None,
    drop: int | None = None,
    add: dict[str, Any] | None = None,
) -> tuple[RuleBook, Rule | None]:
    """The version after `base` (default: the current one): its rules, `replace`'s key given `add`, or `drop`'s
    key left out, or `add` appended. Its number is unique: a change made at the same moment, or since `base`
    was read, fails (409) rather than silently overwriting the other."""
    current = base if base is not None else rule_book_current()
    rules = list(current.rules.order_by("key")) if current else []
    with unique_violations():
        book = RuleBook.objects.create(number=(current.number + 1) if current else 1, created_by=actor)
        copies, changed = [], None
        for rule in rules:
            if rule.key == drop:
                continue
            copy = Rule(book=book, key=rule.key, **(add if rule.key == replace and add else _as_data(rule)))
            copies.append(copy)
            if rule.key == replace:
                changed = copy
        if add is not None and replace is None:
            changed = Rule(book=book, key=max((r.key for r in rules), default=0) + 1, **add)
            copies.append(changed)
        Rule.objects.bulk_create(copies)
    return book, changed


def outdated_rule() -> Conflict:
    """The refusal to change a rule of an older version of the rule book."""
    return Conflict(
        _("This rule belongs to an older version of the rule book; change the current version's rule."),
        code="rule_outdated",
    )


def _require_current(rule: Rule) -> None:
    current = rule_book_current()
    if current is None or rule.book_id != current.pk:
        raise outdated_rule()


def _audit(rule: Rule) -> dict[str, Any]:
    return {**_as_data(rule), "version": rule.book.number}


@transaction.atomic
def rule_create(*, actor: User, data: Mapping[str, Any], ip: str | None = None) -> Rule:
    """A new rule: a new version of the rule book holding it."""
    require_role(actor, REVIEWERS, _("Only administrators and governance reviewers can change the rule book."))
    cleaned = clean_rule(data)
    _book, rule = _new_version(actor, add=cleaned)
    assert rule is not None
    audit_record(actor=actor, action="governance.rule_created", target=rule, after=_audit(rule), ip=ip)
    return rule


@transaction.atomic
def rule_update(*, actor: User, rule: Rule, data: Mapping[str, Any], ip: str | None = None) -> Rule:
    """An edited rule (the fields given replace its own): a new version of the rule book."""
    require_role(actor, REVIEWERS, _("Only administrators and governance reviewers can change the rule book."))
    _require_current(rule)
    merged = {**_as_data(rule), **{k: v for k, v in data.items() if k in RULE_FIELDS}}
    if "kind" in data and data["kind"] != rule.kind and "params" not in data:
        merged["params"] = {}  # another kind's parameters mean nothing to this one
    cleaned = clean_rule(merged)
    # From the rule's own version: another change saved since it was read makes this one a clean 409.
    _book, changed = _new_version(actor, base=rule.book, replace=rule.key, add=cleaned)
    assert changed is not None
    before = {k: v for k, v in _as_data(rule).items() if cleaned[k] != v}
    after = {k: v for k, v in cleaned.items() if k in before}
    audit_record(actor=actor, action="governance.rule_updated", target=changed, ip=ip,
                 before=before, after={**after, "version": changed.book.number})  # fmt: skip
    return changed


@transaction.atomic
def rule_delete(*, actor: User, rule: Rule, ip: str | None = None) -> RuleBook:
    """The rule left out of a new version of the rule book (older versions keep it)."""
    require_role(actor, REVIEWERS, _("Only administrators and governance reviewers can change the rule book."))
    _require_current(rule)
    book, _changed = _new_version(actor, base=rule.book, drop=rule.key)
    audit_record(actor=actor, action="governance.rule_deleted", target=rule, ip=ip,
                 before=_as_data(rule), after={"version": book.number})  # fmt: skip
    return book


# --- reviews ----------------------------------------------------------------------------------


def clean_review(data: Mapping[str, Any]) -> dict[str, Any]:
    """The period, roles and tiers of a review request, checked and put in canonical order."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name in ("period_start", "period_end"):
        problems: list[str] = []
        cleaned[name] = parse_day(data.get(name), problems)
        if problems:
            errors[name] = problems
    problems = []
    cleaned["roles"] = _choices(data.get("roles"), list(ParticipantRole.values), problems)
    if problems:
        errors["roles"] = problems
    problems = []
    cleaned["tiers"] = _tier_ids(data.get("tiers"), problems)
    if problems:
        errors["tiers"] = problems
    start, end = cleaned.get("period_start"), cleaned.get("period_end")
    if start and end and "period_end" not in errors:
        if end < start:
            errors["period_end"] = [_("The period must not end before it starts.")]
        elif (end - start).days > MAX_PERIOD_DAYS:
            errors["period_end"] = [_("A review covers at most five years.")]
    if errors:
        raise FieldErrors(errors)
    return cleaned


def _book_with_rules() -> RuleBook:
    book = rule_book_current()
    if book is None or not book.rules.exists():
        raise ApplicationError(_("The rule book has no rule yet: write one before running a review."),
                               code="rule_book_empty")  # fmt: skip
    return book


def review_request(*, actor: User, data: Mapping[str, Any], ip: str | None = None) -> tuple[Review, bool]:
    """A new review of the current rule book, queued for the worker (sent once committed); or the one
    with the same rule book, period and scope still queued or running, and False."""
    require_role(actor, REVIEWERS, _("Only administrators and governance reviewers can run a review."))
    cleaned = clean_review(data)
    return job_request(
        Review,
        parameters=lambda: {**cleaned, "book": _book_with_rules()},  # the current one at each attempt
        queue=lambda parameters: _queue(actor, parameters, ip),
        contended=_("Too many requests for this review at once; try again."),
        code="review_contended",
    )


def _queue(actor: User, parameters: Mapping[str, Any], ip: str | None) -> Review:
    with transaction.atomic():
        review = Review.objects.create(requested_by=actor, **parameters)
        cleaned = {k: v for k, v in parameters.items() if k != "book"}
        audit_record(
            actor=actor, action="governance.review_requested", target=review, ip=ip,
            after={**{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in cleaned.items()},
                   "version": review.book.number},
        )  # fmt: skip
        from .tasks import run_review

        job_send(run_review, review)
    return review


@transaction.atomic
def review_cancel(*, actor: User, review: Review, ip: str | None = None) -> Review:
    """Stop a review queued or running (the task sees it at its next step and stops)."""
    require_role(actor, REVIEWERS, _("Only administrators and governance reviewers can cancel a review."))
    review = job_cancel(
        review,
        refusal=_("This review is %(status)s: only a queued or running review can be cancelled."),
        code="review_not_pending",
    )
    audit_record(actor=actor, action="governance.review_cancelled", target=review, ip=ip)
    return review


def reviews_fail_stuck(now: dt.datetime | None = None) -> int:
    """Mark every review running for longer than the time limit (its worker was lost), or queued for
    twice as long (its message was lost), `failed`, with a reason a person can read; how many."""
    reason = _("The review stopped before it finished (its worker was lost or it ran out of time). Run it again.")
    limit = dt.timedelta(seconds=settings.GOVERNANCE_REVIEW_TIME_LIMIT)
    return jobs_fail_stuck(Review, limit=limit, reason=reason, action="governance.review_failed", now=now)
