"""What every app of a tenant shares: the audit trail and the tenant's settings."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One thing that happened, append-only.

    Rows are written by `ecosystem.core.audit` only. The database refuses
    UPDATE and DELETE on this table (a trigger), so the trail holds even
    against code that forgets.
    """

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        # No constraint and no cascade: the trail outlives users, and the
        # table refuses the UPDATE a SET NULL would need.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=254, blank=True)
    action = models.CharField(_("what"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only.")


CURRENCIES = [
    ("EUR", _("Euro (EUR)")),
    ("USD", _("US dollar (USD)")),
    ("GBP", _("Pound sterling (GBP)")),
    ("CHF", _("Swiss franc (CHF)")),
    ("CAD", _("Canadian dollar (CAD)")),
    ("XOF", _("West African CFA franc (XOF)")),
    ("MAD", _("Moroccan dirham (MAD)")),
]


def _in_range(field: str, low: int, high: int, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(**{f"{field}__gte": low, f"{field}__lte": high}), name=name)


class TenantSettings(models.Model):
    """The tenant's own settings: one row (id 1), kept so by the database.

    Read through `ecosystem.core.selectors.tenant_settings()`, written by
    `ecosystem.core.services.tenant_settings_update()`.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    invitation_ttl_days = models.PositiveSmallIntegerField(
        _("invitation links work for (days)"),
        default=settings.INVITATION_TTL_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    agreement_expiring_days = models.PositiveSmallIntegerField(
        _("an agreement is “expiring” this many days before it ends"),
        default=settings.AGREEMENT_EXPIRING_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, default="EUR")
    coopetition_threshold = models.PositiveSmallIntegerField(
        _("coopetition threshold (k)"),
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text=_("Mission totals are shown to partners only when at least this many partners stand behind them."),
    )
    appeal_window_days = models.PositiveSmallIntegerField(
        _("appeal window (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("tenant settings")
        verbose_name_plural = _("tenant settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="tenant_settings_single_row"),
            _in_range("invitation_ttl_days", 1, 90, "tenant_settings_invitation_ttl_range"),
            _in_range("agreement_expiring_days", 1, 365, "tenant_settings_expiring_range"),
            _in_range("coopetition_threshold", 2, 50, "tenant_settings_coopetition_range"),
            _in_range("appeal_window_days", 1, 365, "tenant_settings_appeal_range"),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


# The fields an admin edits on the settings page, in order.
TENANT_SETTING_FIELDS = (
    "invitation_ttl_days",
    "agreement_expiring_days",
    "currency",
    "coopetition_threshold",
    "appeal_window_days",
)
