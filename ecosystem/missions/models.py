"""Shared missions: objectives, participations, contributions and their shares.

The rules a row must keep whoever writes it live here as constraints (one
participation per partner and mission, one share per partner and
contribution, positive weights, non-negative values outside corrections,
unique external ids); the services check the rest and say why.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ecosystem.core.errors import unique_rule
from partners.models import Partner

MONEY = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 14, "decimal_places": 4}
WEIGHT = {"max_digits": 7, "decimal_places": 6}
ONE = Decimal(1)


class Mission(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        ARCHIVED = "archived", _("Archived")

    class Confidentiality(models.TextChoices):
        OPEN = "open", _("Open: participants see each other's contributions")
        COOPETITION = "coopetition", _("Coopetition: each participant sees only its own contributions")

    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True, help_text=_("Its reason for being, in one paragraph."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="missions_owned"
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    confidentiality = models.CharField(
        _("confidentiality"), max_length=12, choices=Confidentiality.choices, default=Confidentiality.OPEN
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        ordering = ["-start", "id"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=F("start")), name="mission_ends_after_start")]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_coopetition(self) -> bool:
        return self.confidentiality == self.Confidentiality.COOPETITION

    @property
    def takes_contributions(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.ACTIVE)


class Objective(models.Model):
    """A key result of a mission: money, impact in its own unit, a count, or staff-entered values."""

    class Metric(models.TextChoices):
        VALUE = "value", _("Value (money)")
        QUANTITY = "quantity", _("Quantity (impact, in its unit)")
        COUNT = "count", _("Number of contributions")
        MANUAL = "manual", _("Entered by staff")

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(_("title"), max_length=200)
    metric = models.CharField(_("metric"), max_length=10, choices=Metric.choices)
    # Only contributions of this kind count (blank: every kind).
    kind = models.CharField(_("contribution kind"), max_length=24, blank=True)
    target = models.DecimalField(_("target"), **QUANTITY)
    unit = models.CharField(_("unit"), max_length=40, blank=True, help_text=_("e.g. clinics, tCO₂e, learners"))
    due = models.DateField(_("due"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["due", "id"]
        constraints = [models.CheckConstraint(condition=Q(target__gt=0), name="objective_target_positive")]

    def __str__(self) -> str:
        return self.title


class Measurement(models.Model):
    """One dated value of a `manual` objective, entered by staff."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="measurements")
    value = models.DecimalField(_("value"), **QUANTITY)
    measured_on = models.DateField(_("measured on"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("measurement")
        ordering = ["-measured_on", "-id"]
        indexes = [models.Index(fields=["objective", "-measured_on", "-id"], name="measurement_latest")]

    def __str__(self) -> str:
        return f"{self.value} ({self.measured_on})"


class Participation(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        CONTRIBUTOR = "contributor", _("Contributor")
        SPONSOR = "sponsor", _("Sponsor")
        OBSERVER = "observer", _("Observer")

    class State(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Taking part")
        DECLINED = "declined", _("Declined")
        LEFT = "left", _("Left")

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="participations")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(_("role in the mission"), max_length=12, choices=Role.choices, default=Role.CONTRIBUTOR)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.INVITED)
    commitment = models.TextField(_("commitment"), blank=True)
    commitment_objective = models.ForeignKey(
        Objective,
        verbose_name=_("objective of the commitment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
    )
    commitment_target = models.DecimalField(_("commitment target"), null=True, blank=True, **QUANTITY)
    reason = models.TextField(_("reason"), blank=True)  # for declining or leaving
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_on_behalf = models.BooleanField(_("answered by staff on the partner's behalf"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["mission", "id"]
        constraints = [
            models.UniqueConstraint(fields=["mission", "partner"], name="participation_once_per_mission"),
            models.CheckConstraint(
                condition=Q(commitment_target__isnull=True)
                | (Q(commitment_target__gt=0) & Q(commitment_objective__isnull=False)),
                name="participation_commitment_target_on_objective",
            ),
        ]
        indexes = [models.Index(fields=["partner", "state"])]

    def __str__(self) -> str:
        return f"{self.partner_id} in {self.mission_id}"


PARTICIPATION_TAKEN = unique_rule(
    "participation_once_per_mission",
    field="partner",
    text=_("This partner is already invited into the mission."),
    conflict_code="already_participating",
)


class Kind(models.TextChoices):
    REVENUE_SOURCED = "revenue_sourced", _("Sourced revenue")
    REVENUE_INFLUENCED = "revenue_influenced", _("Influenced revenue")
    REFERRAL = "referral", _("Referral")
    CONTENT = "content", _("Content")
    TRAINING = "training", _("Training")
    CO_DEVELOPMENT = "co_development", _("Co-development")
    IN_KIND = "in_kind", _("In kind")
    OTHER = "other", _("Other")


def evidence_path(contribution: Contribution, filename: str) -> str:
    # A random name: the file is reachable only through the view that checks who may see it.
    suffix = Path(filename).suffix.lower()
    return f"{connection.schema_name}/evidence/{contribution.mission_id}/{uuid.uuid4().hex}{suffix}"


class Contribution(models.Model):
    class Status(models.TextChoices):
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("Awaiting co-contributors")
        SUBMITTED = "submitted", _("Awaiting validation")
        VALIDATED = "validated", _("Validated")
        REJECTED = "rejected", _("Rejected")
        DECLINED = "declined", _("Declined by a co-contributor")

    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="contributions")
    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="contributions",
    )  # fmt: skip
    # The partner that declared it (or for which staff declared it); its share is confirmed.
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="contributions")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    value = models.DecimalField(_("value"), default=Decimal(0), **MONEY)
    quantity = models.DecimalField(_("quantity"), null=True, blank=True, **QUANTITY)
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=24, choices=Status.choices)
    evidence_url = models.URLField(_("evidence link"), max_length=500, blank=True)
    evidence_file = models.FileField(_("evidence file"), upload_to=evidence_path, blank=True, max_length=300)
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects"), null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for the rejection"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(corrects__isnull=False)
                | (Q(value__gte=0) & (Q(quantity__isnull=True) | Q(quantity__gte=0))),
                name="contribution_negative_only_in_corrections",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="contribution_rejection_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["mission", "status", "objective"], name="contribution_mission_status"),
            # A mission's latest contributions of a status (the portal's list of the others' validated ones).
            models.Index(fields=["mission", "status", "-date", "-id"], name="contribution_mission_latest"),
            models.Index(fields=["objective", "status"], name="contribution_objective_status"),
            models.Index(fields=["partner", "status"], name="contribution_partner_status"),
            models.Index(fields=["status", "date"], name="contribution_status_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"

    @property
    def is_validated(self) -> bool:
        return self.status == self.Status.VALIDATED


CONTRIBUTION_EXTERNAL_ID_TAKEN = unique_rule(
    "missions_contribution_external_id_key",
    field="external_id",
    text=_("Another contribution has this external id."),
)


class Share(models.Model):
    """One contributing partner's weight in a contribution (a solo contribution has one share of 1)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="shares")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="contribution_shares")
    weight = models.DecimalField(_("weight"), **WEIGHT)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("share")
        ordering = ["contribution", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contribution", "partner"], name="share_once_per_partner"),
            models.CheckConstraint(condition=Q(weight__gt=0) & Q(weight__lte=1), name="share_weight_in_0_1"),
        ]
        indexes = [models.Index(fields=["partner", "state"], name="share_partner_state")]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.weight}"
