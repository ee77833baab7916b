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
from partners.models import Partner


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
