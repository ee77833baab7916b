"""Value-contribution reports: a request (period, missions, roles), its lifecycle, its stored results.

A report is computed by a Celery task (`tasks.compute_report`) and its
results are written in one transaction: the scorecard (one row per
partner), the monthly series, the collaboration network (pairs), and a
summary (totals, synergy, concentration, fair shares per objective).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ecosystem.core.jobs import Job
from partners.models import Partner

MONEY = {"max_digits": 16, "decimal_places": 2}


class Report(Job):
    """A report's parameters; its lifecycle fields and statuses are `Job`'s."""

    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    # Sorted ids and roles; empty: every mission, every role.
    missions = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("missions"))
    roles = ArrayField(models.CharField(max_length=32), default=list, blank=True, verbose_name=_("roles"))

    class Meta(Job.Meta):
        verbose_name = _("value report")
        verbose_name_plural = _("value reports")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="report_period_in_order"),
            *Job.Meta.constraints,  # report_progress_percent
            # One pending computation per set of parameters: asking again returns it (`services.report_request`).
            models.UniqueConstraint(
                fields=["period_start", "period_end", "missions", "roles"],
                condition=Q(status__in=["queued", "running"]),
                name="report_pending_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start} to {self.period_end}"


class ReportRow(models.Model):
    """One partner's line of a report's scorecard."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="rows")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32)
    tier = models.CharField(max_length=100, blank=True)
    linear = models.DecimalField(**MONEY)
    share = models.FloatField()
    solo = models.DecimalField(**MONEY)
    joint = models.DecimalField(**MONEY)
    fair_share = models.DecimalField(null=True, blank=True, **MONEY)
    contributions = models.PositiveIntegerField()
    missions = models.PositiveIntegerField()
    previous = models.DecimalField(**MONEY)
    change = models.DecimalField(**MONEY)
    change_percent = models.FloatField(null=True, blank=True)
    # Its monthly values, [["2026-01-01", "1250.00"], ...] for the months it has value in (its trend;
    # kept here rather than as one series row per partner and month: thousands of partners x months).
    monthly = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-linear", "partner_id"]
        constraints = [models.UniqueConstraint(fields=["report", "partner"], name="report_row_once_per_partner")]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.linear}"


class ReportSeries(models.Model):
    """A month's validated value of one partner, role or contribution kind."""

    class Dimension(models.TextChoices):
        PARTNER = "partner", _("Partner")
        ROLE = "role", _("Role")
        KIND = "kind", _("Kind")

    # No index of its own: the unique constraint below starts with it.
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="series", db_index=False)
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    key = models.CharField(max_length=64)
    month = models.DateField()
    value = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["dimension", "key", "month"]
        constraints = [
            models.UniqueConstraint(fields=["report", "dimension", "key", "month"], name="report_series_once")
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.key} {self.month}: {self.value}"


class ReportPair(models.Model):
    """The value of the joint contributions two partners share: an edge of the collaboration network."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="pairs")
    partner_a = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    partner_b = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(**MONEY)
    contributions = models.PositiveIntegerField()

    class Meta:
        ordering = ["-value", "partner_a_id", "partner_b_id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "partner_a", "partner_b"], name="report_pair_once"),
            models.CheckConstraint(condition=Q(partner_a__lt=F("partner_b")), name="report_pair_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_a_id}-{self.partner_b_id}: {self.value}"


# --- monthly roll-ups ---------------------------------------------------------------------------
# What the report reads instead of every contribution: validated contributions added up per month
# along the few dimensions the report needs (see rollups.py). Built from the missions tables, never
# edited by hand; triggers (migration 0002) note the months a change touches, and rollups.refresh
# rebuilds those months before a report is computed (and every few minutes, from beat).


class RollupDirty(models.Model):
    """A month whose roll-ups no longer match the contributions (a queue: one row per change noted)."""

    month = models.DateField()

    def __str__(self) -> str:
        return f"{self.month} to rebuild"


class RollupPartner(models.Model):
    """Per month, mission and partner: its Σ w·v, split solo/joint, and its count of shares."""

    month = models.DateField()
    mission_id = models.BigIntegerField()
    partner_id = models.BigIntegerField()
    value = models.DecimalField(max_digits=32, decimal_places=10)
    solo = models.DecimalField(max_digits=32, decimal_places=10)
    joint = models.DecimalField(max_digits=32, decimal_places=10)
    shares = models.IntegerField()  # its shares, corrections included
    originals = models.IntegerField()  # its shares of contributions that are not corrections

    class Meta:
        indexes = [
            models.Index(fields=["month", "partner_id"], name="rollup_partner_month"),
            models.Index(fields=["partner_id"], name="rollup_partner_partner"),  # the role trigger's lookup
        ]

    def __str__(self) -> str:
        return f"{self.month} partner {self.partner_id}: {self.value}"


class RollupKind(models.Model):
    """Per month, mission, contribution kind and partner role: Σ w·v."""

    month = models.DateField()
    mission_id = models.BigIntegerField()
    kind = models.CharField(max_length=32)
    role = models.CharField(max_length=32)
    value = models.DecimalField(max_digits=32, decimal_places=10)

    class Meta:
        indexes = [models.Index(fields=["month"], name="rollup_kind_month")]

    def __str__(self) -> str:
        return f"{self.month} {self.kind} {self.role}: {self.value}"


class RollupCount(models.Model):
    """Per month, mission and set of partner roles: how many contributions (corrections not counted)."""

    month = models.DateField()
    mission_id = models.BigIntegerField()
    roles = ArrayField(models.CharField(max_length=32))  # the distinct roles of its partners, sorted
    contributions = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["month"], name="rollup_count_month")]

    def __str__(self) -> str:
        return f"{self.month} {self.roles}: {self.contributions}"


class RollupPair(models.Model):
    """Per month, mission and pair of partners (a < b): Σ v of the joint contributions they share."""

    month = models.DateField()
    mission_id = models.BigIntegerField()
    partner_a = models.BigIntegerField()
    partner_b = models.BigIntegerField()
    value = models.DecimalField(max_digits=32, decimal_places=10)
    originals = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["month"], name="rollup_pair_month")]

    def __str__(self) -> str:
        return f"{self.month} {self.partner_a}-{self.partner_b}: {self.value}"


class RollupGame(models.Model):
    """Per month, money or quantity objective and contributor set (partners and weights): Σ of the measures.

    `root` is None for the contributions that add up as they are: no
    correction on either side, measure >= 0. A correction, a corrected
    contribution or a negative one has a row of its own, with `root` the
    contribution its chain of corrections starts from, to be netted per root
    for the period.
    """

    month = models.DateField()
    objective_id = models.BigIntegerField()
    mission_id = models.BigIntegerField()
    root = models.BigIntegerField(null=True)
    partners = ArrayField(models.BigIntegerField())  # sorted
    weights = ArrayField(models.DecimalField(max_digits=7, decimal_places=6))  # the partners', in that order
    measure = models.DecimalField(max_digits=32, decimal_places=10)

    class Meta:
        indexes = [models.Index(fields=["month", "objective_id"], name="rollup_game_month")]

    def __str__(self) -> str:
        return f"{self.month} objective {self.objective_id} {self.partners}: {self.measure}"


class RollupGamePartner(models.Model):
    """Per month, money or quantity objective and partner: Σ w·m (its linear part toward the objective)."""

    month = models.DateField()
    objective_id = models.BigIntegerField()
    mission_id = models.BigIntegerField()
    partner_id = models.BigIntegerField()
    linear = models.DecimalField(max_digits=32, decimal_places=10)

    class Meta:
        indexes = [models.Index(fields=["month", "objective_id"], name="rollup_game_partner_month")]

    def __str__(self) -> str:
        return f"{self.month} objective {self.objective_id} partner {self.partner_id}: {self.linear}"
