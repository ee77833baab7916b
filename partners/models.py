from __future__ import annotations

import datetime as dt

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import connection, models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecosystem.core.errors import unique_rule
from ecosystem.core.selectors import tenant_settings


class ParticipantRole(models.TextChoices):
    PARTNER = "partner", _("Partner")
    SUPPLIER = "supplier", _("Supplier")
    COMPLEMENTARY = "complementary", _("Complementary actor")
    INSTITUTION = "institution", _("Institution")
    ASSOCIATION = "association", _("Association")
    CLIENT_COMMUNITY = "client_community", _("Client community")
    CONTENT_CREATOR = "content_creator", _("Content creator")


class EcosystemProfile(models.Model):
    """The orchestrator's statement of why the ecosystem exists (one row)."""

    mission = models.TextField(_("mission"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("ecosystem profile")

    def __str__(self) -> str:
        return self.mission[:60]


class ValueProposition(models.Model):
    """What the ecosystem offers one participant role, and what it expects of it."""

    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices, unique=True)
    offers = models.TextField(_("what the ecosystem offers"), blank=True)
    expects = models.TextField(_("what the ecosystem expects"), blank=True)

    class Meta:
        verbose_name = _("value proposition")
        ordering = ["role"]

    def __str__(self) -> str:
        return self.get_role_display()


class Tier(models.Model):
    """The tenant's own ordered list of partner tiers (rank 1 is the highest)."""

    name = models.CharField(_("name"), max_length=60)
    rank = models.PositiveSmallIntegerField(_("rank"))
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("tier")
        ordering = ["rank", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="tier_name_unique_ci"),
            models.UniqueConstraint(fields=["rank"], name="tier_rank_unique"),
        ]

    def __str__(self) -> str:
        return self.name


TIER_NAME_TAKEN = unique_rule("tier_name_unique_ci", field="name", text=_("A tier with this name exists already."))
TIER_RANK_TAKEN = unique_rule("tier_rank_unique", field="rank", text=_("A tier with this rank exists already."))


class Partner(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ONBOARDING = "onboarding", _("Onboarding")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        EXITED = "exited", _("Exited")

    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)
    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), null=True, blank=True, on_delete=models.PROTECT, related_name="partners"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.INVITED)
    status_reason = models.TextField(_("reason for the status"), blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 code, e.g. FR"))
    website = models.URLField(_("website"), blank=True)
    tags = ArrayField(models.CharField(max_length=40), verbose_name=_("sectors and tags"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    # Private to the orchestrator and the partner itself.
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    notes = models.TextField(_("internal notes"), blank=True)
    competitors = models.ManyToManyField("self", symmetrical=True, blank=True, verbose_name=_("competitors"))
    # When the longest-running agreement ends (9999-12-31: one never expires;
    # NULL: none). Kept by the agreement services, so that the directory
    # filters on agreement state through an index instead of a subquery per row.
    agreement_horizon = models.DateField(_("agreements run until"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name", "id"]
        indexes = [
            models.Index(Lower("name"), "id", name="partner_name_ci"),
            models.Index(fields=["status"]),
            models.Index(fields=["role"]),
            models.Index(fields=["country"]),
            models.Index(fields=["agreement_horizon"]),
            GinIndex(fields=["tags"], name="partner_tags_gin"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def can_sign_in(self) -> bool:
        return self.status not in (self.Status.SUSPENDED, self.Status.EXITED)

    @property
    def accepts_invitations(self) -> bool:
        """New people may join it (the invitation rules in accounts read this)."""
        return self.status in (self.Status.INVITED, self.Status.ONBOARDING, self.Status.ACTIVE)

    @property
    def has_exited(self) -> bool:
        """It left the ecosystem for good: its record is read-only (no agreement, invitation or move)."""
        return self.status == self.Status.EXITED


# `unique=True` on the column: PostgreSQL names the constraint <table>_<column>_key.
EXTERNAL_ID_TAKEN = unique_rule(
    "partners_partner_external_id_key", field="external_id", text=_("Another partner has this external id.")
)


def agreement_document_path(agreement: Agreement, filename: str) -> str:
    return f"{connection.schema_name}/agreements/{agreement.partner_id}/{filename}"


class Agreement(models.Model):
    class Kind(models.TextChoices):
        PARTNERSHIP = "partnership", _("Partnership agreement")
        SUPPLY = "supply", _("Supply contract")
        NDA = "nda", _("Non-disclosure agreement")
        DATA_SHARING = "data_sharing", _("Data-sharing agreement")
        CHARTER = "charter", _("Ecosystem charter")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRING = "expiring", _("Expiring")
        EXPIRED = "expired", _("Expired")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reference = models.CharField(_("reference"), max_length=100)
    signed_on = models.DateField(_("signed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    document = models.FileField(_("document"), upload_to=agreement_document_path, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=models.F("signed_on")),
                name="agreement_expires_after_signature",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

    @property
    def state(self) -> str:
        return agreement_state(self.expires_on)

    def get_state_display(self) -> str:
        return self.State(self.state).label


def agreement_state(expires_on: dt.date | None, *, window: int | None = None, today: dt.date | None = None) -> str:
    """valid, expiring (ends within the tenant's `agreement_expiring_days`,
    or `window` days when the caller read it once for many rows) or expired."""
    today = today or timezone.localdate()
    if expires_on is None:
        return Agreement.State.VALID
    if expires_on < today:
        return Agreement.State.EXPIRED
    if window is None:
        window = tenant_settings().agreement_expiring_days
    if expires_on <= today + dt.timedelta(days=window):
        return Agreement.State.EXPIRING
    return Agreement.State.VALID
