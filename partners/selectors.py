"""Reads on partners, shaped for the directory, the portal and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecosystem.accounts.models import PARTNER_ROLES, Invitation, User

from .models import ParticipantRole, Partner, Tier

AGREEMENT_STATES = [
    ("valid", _("Valid")),
    ("expiring", _("Expiring")),
    ("expired", _("Expired")),
    ("none", _("No agreement")),
]
SORTS = {
    "name": (Lower("name").asc(), "id"),
    "-name": (Lower("name").desc(), "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "status": ("status", Lower("name").asc(), "id"),
    "tier": ("tier__rank", Lower("name").asc(), "id"),
    "country": ("country", Lower("name").asc(), "id"),
}


def horizon_state(horizon: dt.date | None, today: dt.date | None = None) -> str:
    if horizon is None:
        return "none"
    today = today or timezone.localdate()
    if horizon < today:
        return "expired"
    if horizon <= today + dt.timedelta(days=settings.AGREEMENT_EXPIRING_DAYS):
        return "expiring"
    return "valid"


class PartnerFilter(django_filters.FilterSet):
    """The directory's filters: one definition for the page, the API and the export."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    role = django_filters.ChoiceFilter(choices=ParticipantRole.choices, label=_("Role"))
    tier = django_filters.ModelChoiceFilter(queryset=Tier.objects.all(), label=_("Tier"))
    status = django_filters.ChoiceFilter(choices=Partner.Status.choices, label=_("Status"))
    country = django_filters.CharFilter(method="by_country", label=_("Country"))
    agreement = django_filters.ChoiceFilter(choices=AGREEMENT_STATES, method="by_agreement", label=_("Agreement"))
    sort = django_filters.ChoiceFilter(
        choices=[(k, k) for k in SORTS], method="sort_by", label=_("Sort"), empty_label=None
    )

    class Meta:
        model = Partner
        fields = ["q", "role", "tier", "status", "country", "agreement", "sort"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(external_id__iexact=value) | Q(tags__contains=[value.lower()])
        )

    def by_country(self, queryset, name, value):
        return queryset.filter(country=value.strip().upper()) if value.strip() else queryset

    def by_agreement(self, queryset, name, value):
        today = timezone.localdate()
        soon = today + dt.timedelta(days=settings.AGREEMENT_EXPIRING_DAYS)
        if value == "none":
            return queryset.filter(agreement_horizon__isnull=True)
        if value == "expired":
            return queryset.filter(agreement_horizon__lt=today)
        if value == "expiring":
            return queryset.filter(agreement_horizon__gte=today, agreement_horizon__lte=soon)
        return queryset.filter(agreement_horizon__gt=soon)

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["name"]))


def partners_for_staff() -> QuerySet[Partner]:
    """Every partner with its tier, and its competitors' ids in one more query."""
    return (
        Partner.objects.select_related("tier")
        .prefetch_related(Prefetch("competitors", queryset=Partner.objects.only("id")))
        .order_by(*SORTS["name"])
    )


def partner_directory(params) -> PartnerFilter:
    """The staff directory: `partners_for_staff` filtered and sorted by `params`.

    One query for the rows (plus one for the count when paginated), one for
    the competitor ids of the rows shown.
    """
    return PartnerFilter(params, queryset=partners_for_staff())


VISIBLE_STATUSES = (Partner.Status.ONBOARDING, Partner.Status.ACTIVE)


def partners_visible_to_partner(partner: Partner) -> QuerySet[Partner]:
    """What a partner's users see of the ecosystem: participants that are
    onboarding or active, never its competitors (callers show name, role and
    website only)."""
    return (
        Partner.objects.filter(Q(status__in=VISIBLE_STATUSES) | Q(pk=partner.pk))
        .exclude(pk__in=partner.competitors.values("pk"))
        .only("id", "name", "role", "website", "status")
        .order_by(Lower("name"), "id")
    )


def partner_detail(pk: int) -> Partner:
    return Partner.objects.select_related("tier").prefetch_related("competitors", "agreements").get(pk=pk)


def partner_users(partner: Partner) -> QuerySet[User]:
    return User.objects.filter(partner=partner, role__in=PARTNER_ROLES).order_by("-is_active", "email")


def partner_invitations(partner: Partner) -> QuerySet[Invitation]:
    return Invitation.objects.filter(partner=partner).select_related("invited_by").order_by("-created_at")


def countries_in_use() -> list[str]:
    return list(Partner.objects.exclude(country="").order_by("country").values_list("country", flat=True).distinct())
