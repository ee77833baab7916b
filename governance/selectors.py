"""Who may read what of governance: the rule book, reviews, findings.

The rule book is read by everyone of the tenant (partners are governed by it:
its current version; the staff, every version);
reviews and all their findings by the orchestrator's staff; a partner's users
see the finished reviews and only their own partner's findings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Lower
from django.utils import timezone

from ecosystem.core.audit_text import describe_events
from ecosystem.core.models import AuditEvent
from ecosystem.core.roles import PARTNER_USERS, STAFF, has_role
from partners.models import Partner

from .models import FOUR_EYES_KINDS, Appeal, Decision, Finding, Review, Rule, RuleBook


def rule_book_current() -> RuleBook | None:
    """The current version of the rule book (None: never written). One query."""
    return RuleBook.objects.order_by("-number").first()


def rules_visible_to(user: Any) -> QuerySet[Rule]:
    """Staff: every version's rules (the API narrows to the current version unless asked for another);
    a partner's users: the current version's."""
    rules = Rule.objects.select_related("book").order_by("book__number", "key")
    if has_role(user, STAFF):
        return rules
    if has_role(user, PARTNER_USERS):
        return rules.filter(book=Subquery(RuleBook.objects.order_by("-number").values("pk")[:1]))
    return Rule.objects.none()


def reviews_visible_to(user: Any) -> QuerySet[Review]:
    """Staff: every review; a partner's users: the finished ones (their findings are theirs to read)."""
    reviews = Review.objects.select_related("book")
    if has_role(user, STAFF):
        return reviews
    if has_role(user, PARTNER_USERS) and user.partner_id:
        return reviews.filter(status=Review.Status.DONE)
    return Review.objects.none()


def findings_visible_to(user: Any) -> QuerySet[Finding]:
    """Staff: every finding; a partner's users: their own partner's findings of finished reviews."""
    findings = Finding.objects.select_related("partner", "rule", "rule__book").order_by("partner__name", "partner_id",
                                                                                         "rule__key")  # fmt: skip
    if has_role(user, STAFF):
        return findings
    if has_role(user, PARTNER_USERS) and user.partner_id:
        return findings.filter(partner_id=user.partner_id, review__status=Review.Status.DONE)
    return Finding.objects.none()


def rule_book_version(number: int | None) -> tuple[RuleBook | None, list[Rule], list[int]]:
    """The staff page: a version of the rule book (None: the current one), its rules, and every version's
    number (newest first). Three queries. RuleBook.DoesNotExist for a number never written."""
    numbers = list(RuleBook.objects.order_by("-number").values_list("number", flat=True))
    if number is None and not numbers:
        return None, [], []
    book = RuleBook.objects.select_related("created_by").get(number=numbers[0] if number is None else number)
    return book, list(book.rules.order_by("key")), numbers


# --- the review pages -------------------------------------------------------------------------

# The matrix's outcome filter: partners with a failure, with a warning, or passing every rule shown.
MATRIX_OUTCOMES = ("fail", "warn", "pass")


def review_rules(review: Review) -> list[Rule]:
    """The rules of the rule book version the review used, in the rule book's order. One query."""
    return list(Rule.objects.filter(book_id=review.book_id).order_by("key"))


def review_matrix_partners(
    review: Review,
    *,
    rule: Rule | None = None,
    outcome: str = "",
    name: str = "",
    role: str = "",
    tier: int | None = None,
) -> QuerySet[Partner]:
    """The partners of a review's matrix (those with a finding in it), by name: filtered by outcome (a
    finding `fail` / `warn`, or every finding `pass`), all about `rule` when given, by name (contains),
    and by their current role and tier. Lazy: the caller pages it (a count and a page, two queries)."""
    findings = Finding.objects.filter(review=review, partner_id=OuterRef("pk"))
    if rule is not None:
        findings = findings.filter(rule=rule)
    partners = Partner.objects.filter(Exists(findings))
    if outcome in ("fail", "warn"):
        partners = partners.filter(Exists(findings.filter(outcome=outcome)))
    elif outcome == "pass":
        partners = partners.exclude(Exists(findings.exclude(outcome=Finding.Outcome.PASS)))
    if name:
        partners = partners.filter(name__icontains=name)
    if role:
        partners = partners.filter(role=role)
    if tier is not None:
        partners = partners.filter(tier_id=tier)
    return partners.select_related("tier").only("id", "name", "role", "tier__name").order_by(Lower("name"), "id")


def review_matrix_findings(
    review: Review, partners: list[Partner], rules: list[Rule]
) -> dict[tuple[int, int], Finding]:
    """(partner id, rule id) -> finding, for these partners and rules of the review. One query."""
    found = Finding.objects.filter(review=review, partner_id__in=[p.pk for p in partners],
                                   rule_id__in=[r.pk for r in rules])  # fmt: skip
    return {(f.partner_id, f.rule_id): f for f in found}


# --- the audit trail as CSV -------------------------------------------------------------------

AUDIT_CSV_COLUMNS = [
    "id", "created_at", "actor", "actor_label", "action", "object_type", "object_id", "object_repr", "before",
    "after", "ip", "sentence", "details",
]  # fmt: skip
AUDIT_CSV_CHUNK = 500


def audit_csv_rows(events: QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    """The events (a filtered `audit_events_visible_to`, newest first) as CSV rows: the API's fields and the
    sentence with its details in the active language. Read by id in chunks (no server-side cursor, no whole
    trail in memory): per chunk one query for the events and `describe_events`' few to name them."""
    last = None
    while True:
        chunk = list((events if last is None else events.filter(pk__lt=last))[:AUDIT_CSV_CHUNK])
        for told in describe_events(chunk):
            event = told.event
            yield [
                event.pk, timezone.localtime(event.created_at).isoformat(), event.actor_id or "", event.actor_label,
                event.action, event.object_type, event.object_id, event.object_repr, _json(event.before),
                _json(event.after), event.ip or "", told.sentence, " | ".join(told.details),
            ]  # fmt: skip
        if len(chunk) < AUDIT_CSV_CHUNK:
            return
        last = chunk[-1].pk


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


# --- decisions and appeals --------------------------------------------------------------------

DECISION_RELATED = ("review", "partner", "tier", "author", "approved_by")


def decisions_visible_to(user: Any) -> QuerySet[Decision]:
    """Staff: every decision; a partner's users: their own partner's, of closed reviews (applied) only."""
    decisions = Decision.objects.select_related(*DECISION_RELATED).order_by("-review_id", "partner__name", "pk")
    if has_role(user, STAFF):
        return decisions
    if has_role(user, PARTNER_USERS) and user.partner_id:
        return decisions.filter(partner_id=user.partner_id, review__closed_at__isnull=False)
    return Decision.objects.none()


def decisions_of_review(review: Review) -> list[Decision]:
    """The review's decisions by partner name, with their partner, tier, author, approver and appeal. One query."""
    return list(
        Decision.objects.filter(review=review)
        .select_related("partner", "tier", "author", "approved_by", "appeal")
        .order_by(Lower("partner__name"), "partner_id")
    )


def partner_findings(review_id: int, partner_id: int) -> list[Finding]:
    """A partner's findings in a review, with their rule. One query."""
    return list(
        Finding.objects.filter(review_id=review_id, partner_id=partner_id).select_related("rule").order_by("rule__key")
    )


def decision_findings(decision: Decision) -> list[Finding]:
    """The findings behind a decision: its partner's in that review, with their rule. One query."""
    return partner_findings(decision.review_id, decision.partner_id)


def decisions_awaiting_approval() -> QuerySet[Decision]:
    """Suspensions and exits not approved yet, of reviews still open; oldest first."""
    return (
        Decision.objects.filter(kind__in=FOUR_EYES_KINDS, approved_at__isnull=True, review__closed_at__isnull=True)
        .select_related(*DECISION_RELATED)
        .order_by("created_at", "pk")
    )


def appeals_visible_to(user: Any) -> QuerySet[Appeal]:
    """Staff: every appeal; a partner's users: their own partner's."""
    appeals = Appeal.objects.select_related(
        "decision", "decision__review", "decision__partner", "author", "answered_by"
    ).order_by("-created_at", "-pk")  # fmt: skip
    if has_role(user, STAFF):
        return appeals
    if has_role(user, PARTNER_USERS) and user.partner_id:
        return appeals.filter(decision__partner_id=user.partner_id)
    return Appeal.objects.none()


def appeals_open() -> QuerySet[Appeal]:
    """The appeals awaiting an answer, the nearest deadline first (every deadline is the review's closing plus
    the same window: by closing, then filing)."""
    return (
        Appeal.objects.filter(state=Appeal.State.OPEN)
        .select_related("decision", "decision__review", "decision__partner", "author")
        .order_by(F("decision__review__closed_at").asc(nulls_last=True), "created_at", "pk")
    )


# --- the partner portal -----------------------------------------------------------------------


def portal_decisions(user: Any) -> QuerySet[Decision]:
    """The decisions a partner's users read in the portal (`decisions_visible_to`: their own, of closed reviews),
    newest review first, each with its appeal: one query for any number of them."""
    return decisions_visible_to(user).select_related("appeal", "appeal__answered_by")
