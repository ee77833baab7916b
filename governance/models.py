"""The rule book (versioned), reviews of the partners against it, and their findings.

Every change of the rule book (a rule created, edited or deleted) writes a new
`RuleBook` row, numbered one above the current one, with a copy of all its
rules: older versions stay as they were, and a review points at the version it
used. The version number is unique: two changes made at once from the same
version cannot both become the next one (the loser is told to reload, 409).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from ecosystem.core.errors import unique_rule
from ecosystem.core.jobs import Job
from partners.models import Partner, Tier


class RuleBook(models.Model):
    """One version of the rule book: the highest number is the current one."""

    number = models.PositiveIntegerField(_("version"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("rule book version")
        verbose_name_plural = _("rule book versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="rulebook_number_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="rulebook_number_positive"),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


RULE_BOOK_CHANGED = unique_rule(
    "rulebook_number_once",
    field="version",
    text=_("The rule book was changed by someone else at the same moment; reload it and try again."),
    conflict_code="rule_book_changed",
)


KINDS = [
    "min_contribution", "max_share", "agreement_valid", "recent_activity", "commitment_met", "pending_confirmations",
]  # fmt: skip


class Rule(models.Model):
    class Kind(models.TextChoices):
        MIN_CONTRIBUTION = "min_contribution", _("Minimum contribution")
        MAX_SHARE = "max_share", _("Maximum share of the ecosystem's value")
        AGREEMENT_VALID = "agreement_valid", _("Valid agreement")
        RECENT_ACTIVITY = "recent_activity", _("Recent activity")
        COMMITMENT_MET = "commitment_met", _("Mission commitments met")
        PENDING_CONFIRMATIONS = "pending_confirmations", _("No share left unconfirmed")

    class Severity(models.TextChoices):
        WARN = "warn", _("Warning")
        FAIL = "fail", _("Failure")

    assert sorted(Kind.values) == sorted(KINDS)

    book = models.ForeignKey(RuleBook, on_delete=models.CASCADE, related_name="rules")
    # The same rule across versions (a copy keeps it): what an edit or a delete names.
    key = models.PositiveIntegerField()
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    severity = models.CharField(_("severity"), max_length=4, choices=Severity.choices, default=Severity.FAIL)
    # Empty: every role, every tier.
    roles = ArrayField(models.CharField(max_length=32), default=list, blank=True, verbose_name=_("roles"))
    tiers = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("tiers"))

    class Meta:
        verbose_name = _("governance rule")
        verbose_name_plural = _("governance rules")
        ordering = ["book", "key"]
        constraints = [
            models.UniqueConstraint(fields=["book", "key"], name="rule_key_once_per_book"),
            models.UniqueConstraint("book", Lower("name"), name="rule_name_once_per_book"),
            models.CheckConstraint(condition=Q(kind__in=KINDS), name="rule_kind_known"),
            models.CheckConstraint(condition=Q(severity__in=["warn", "fail"]), name="rule_severity_known"),
        ]

    def __str__(self) -> str:
        return self.name


RULE_NAME_TAKEN = unique_rule(
    "rule_name_once_per_book", field="name", text=_("Another rule of the rule book has this name.")
)


class Review(Job):
    """A review's rule book, period and scope; its lifecycle fields and statuses are `Job`'s."""

    book = models.ForeignKey(RuleBook, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("rule book"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    # Sorted; empty: every role, every tier.
    roles = ArrayField(models.CharField(max_length=32), default=list, blank=True, verbose_name=_("roles"))
    tiers = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("tiers"))
    # Set when its decisions are applied: from then on the review, its findings and decisions are read-only
    # (database triggers, migration 0005).
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta(Job.Meta):
        verbose_name = _("governance review")
        verbose_name_plural = _("governance reviews")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="review_period_in_order"),
            *Job.Meta.constraints,  # review_progress_percent
            # Only here: the value reports' table never had it (one would need a migration).
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed", "cancelled"]),
                name="review_status_known",
            ),
            # One pending review per rule book, period and scope: asking again returns it.
            models.UniqueConstraint(
                fields=["book", "period_start", "period_end", "roles", "tiers"],
                condition=Q(status__in=["queued", "running"]),
                name="review_pending_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start} to {self.period_end}"


class Finding(models.Model):
    """One partner against one rule of a review: its outcome, what was measured, and the threshold."""

    class Outcome(models.TextChoices):
        PASS = "pass", _("Pass")
        WARN = "warn", _("Warning")
        FAIL = "fail", _("Failure")

    class Note(models.TextChoices):
        NO_AGREEMENT = "no_agreement", _("No agreement signed by the end of the period")
        NEVER_EXPIRES = "never_expires", _("An agreement without an end date")
        NO_ACTIVITY = "no_activity", _("No validated contribution by the end of the period")
        NO_COMMITMENT = "no_commitment", _("No numeric commitment")
        NO_PENDING = "no_pending", _("No share awaiting confirmation")

    # No index of its own: the unique constraint below starts with it.
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="findings", db_index=False)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=4, choices=Outcome.choices)
    measured = models.DecimalField(_("measured"), max_digits=24, decimal_places=4, null=True, blank=True)
    threshold = models.DecimalField(_("threshold"), max_digits=24, decimal_places=4, null=True, blank=True)
    note = models.CharField(_("note"), max_length=16, choices=Note.choices, blank=True, default="")

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["partner_id", "rule_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "partner", "rule"], name="finding_once"),
            models.CheckConstraint(condition=Q(outcome__in=["pass", "warn", "fail"]), name="finding_outcome_known"),
        ]
        indexes = [models.Index(fields=["review", "outcome"], name="finding_review_outcome")]

    def __str__(self) -> str:
        return f"{self.partner_id} x {self.rule_id}: {self.outcome}"


DECISION_KINDS = ["keep", "promote", "demote", "warn", "suspend", "exit"]
# Decisions that need a second person's approval (four eyes) before they are applied.
FOUR_EYES_KINDS = ["suspend", "exit"]
# Decisions that move the partner to another tier (and name it).
TIER_KINDS = ["promote", "demote"]


class Decision(models.Model):
    """What a review decided about one partner, with its rationale.

    The database holds the rules the services check first: one decision per
    partner and review; a tier named exactly for promote/demote; approval only
    for suspend/exit and never by the decision's author (four eyes); a
    suspension or exit applied only once approved. Once the review is closed,
    triggers (migration 0005) refuse any change of its decisions.
    """

    class Kind(models.TextChoices):
        KEEP = "keep", _("Keep")
        PROMOTE = "promote", _("Promote")
        DEMOTE = "demote", _("Demote")
        WARN = "warn", _("Warn")
        SUSPEND = "suspend", _("Suspend")
        EXIT = "exit", _("Exit")

    assert Kind.values == DECISION_KINDS

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions", db_index=False)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+", verbose_name=_("partner"))
    kind = models.CharField(_("decision"), max_length=8, choices=Kind.choices)
    # promote / demote: the tier the partner moves to.
    tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("new tier")
    )
    rationale = models.TextField(_("rationale"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    # Set when the review's decisions are applied, with what the partner was before (an overturn restores it).
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    status_before = models.CharField(max_length=12, blank=True, default="")
    tier_before = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["review_id", "partner_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "partner"], name="decision_once_per_partner"),
            models.CheckConstraint(condition=Q(kind__in=DECISION_KINDS), name="decision_kind_known"),
            models.CheckConstraint(
                condition=Q(kind__in=TIER_KINDS, tier__isnull=False)
                | (~Q(kind__in=TIER_KINDS) & Q(tier__isnull=True)),
                name="decision_tier_when_moving",
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="decision_rationale_given"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_at__isnull=True)
                | Q(approved_by__isnull=False, approved_at__isnull=False, kind__in=FOUR_EYES_KINDS),
                name="decision_approval_only_four_eyes",
            ),
            models.CheckConstraint(condition=~Q(approved_by=F("author")), name="decision_four_eyes"),
            models.CheckConstraint(
                condition=Q(applied_at__isnull=True) | ~Q(kind__in=FOUR_EYES_KINDS) | Q(approved_at__isnull=False),
                name="decision_applied_once_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.kind}"

    @property
    def needs_approval(self) -> bool:
        return self.kind in FOUR_EYES_KINDS

    @property
    def awaiting_approval(self) -> bool:
        return self.needs_approval and self.approved_at is None


DECISION_TAKEN = unique_rule(
    "decision_once_per_partner",
    field="partner",
    text=_("This review already has a decision about this partner."),
    conflict_code="decision_exists",
)


class Appeal(models.Model):
    """A partner's appeal against one decision (at most one), and the reviewer's answer."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        OVERTURNED = "overturned", _("Overturned")

    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="appeal")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("grounds"))
    created_at = models.DateTimeField(_("filed"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    answer = models.TextField(_("answer"), blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["open", "upheld", "overturned"]), name="appeal_state_known"),
            models.CheckConstraint(condition=~Q(reason=""), name="appeal_reason_given"),
            models.CheckConstraint(
                condition=Q(state="open", answered_at__isnull=True, answered_by__isnull=True, answer="")
                | (~Q(state="open") & Q(answered_at__isnull=False, answered_by__isnull=False) & ~Q(answer="")),
                name="appeal_answered_when_closed",
            ),
        ]
        indexes = [models.Index(fields=["state"], name="appeal_state")]

    def __str__(self) -> str:
        return f"{self.decision_id}: {self.state}"


APPEAL_TAKEN = unique_rule(
    "governance_appeal_decision_id_key",
    field="decision",
    text=_("This decision has been appealed already."),
    conflict_code="appeal_exists",
)
