"""Reads on partners, shaped for the directory, the portal and the API.

Who may see what is decided here, once per resource (`*_visible_to(user)`),
and used alike by the API (as its viewsets' `visible_to`), the staff pages
and the portal.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecosystem.accounts.models import Invitation, User
from ecosystem.accounts.selectors import invitations_visible_to
from ecosystem.core.roles import PARTNER_USERS, STAFF, has_role
from ecosystem.core.selectors import tenant_settings

from .models import Agreement, ParticipantRole, Partner, Tier, agreement_state

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


def horizon_state(horizon: dt.date | None, *, window: int | None = None, today: dt.date | None = None) -> str:
    """The agreement state of a partner from its `agreement_horizon`: `none`, or an agreement state."""
    if horizon is None:
        return "none"
    return agreement_state(horizon, window=window, today=today)


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
        # The form field strips the value; a blank one never gets here.
        return queryset.filter(country=value.upper())

    def by_agreement(self, queryset, name, value):
        today = timezone.localdate()
        soon = today + dt.timedelta(days=tenant_settings().agreement_expiring_days)
        if value == "none":
            return queryset.filter(agreement_horizon__isnull=True)
        if value == "expired":
            return queryset.filter(agreement_horizon__lt=today)
        if value == "expiring":
            return queryset.filter(agreement_horizon__gte=today, agreement_horizon__lte=soon)
        return queryset.filter(agreement_horizon__gt=soon)

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*SORTS[value])  # the filter admits only SORTS' keys


def partners_for_staff() -> QuerySet[Partner]:
    """Every partner with its tier, and its competitors' ids in one more query."""
    return (
        Partner.objects.select_related("tier")
        .prefetch_related(Prefetch("competitors", queryset=Partner.objects.only("id")))
        .order_by(*SORTS["name"])
    )


VISIBLE_STATUSES = (Partner.Status.ONBOARDING, Partner.Status.ACTIVE)


def partners_visible_to_partner(partner_id: int) -> QuerySet[Partner]:
    """What a partner's users see of the ecosystem: itself, and the
    participants that are onboarding or active, never its competitors
    (callers show the others' name, role and website only)."""
    competitors = Partner.competitors.through.objects.filter(from_partner_id=partner_id).values("to_partner_id")
    return (
        Partner.objects.filter(Q(status__in=VISIBLE_STATUSES) | Q(pk=partner_id))
        .exclude(pk__in=competitors)
        .order_by(Lower("name"), "id")
    )


def partners_visible_to(user: User) -> QuerySet[Partner]:
    """The one rule for partners: staff see every partner; a partner's users
    their own and the visible participants; anybody else none."""
    if has_role(user, STAFF):
        return partners_for_staff()
    if has_role(user, PARTNER_USERS) and user.partner_id is not None:
        return partners_visible_to_partner(user.partner_id)
    return Partner.objects.none()


def partner_directory(params, *, viewer: User) -> PartnerFilter:
    """The staff directory: what `viewer` sees, filtered and sorted by `params`.

    One query for the rows (plus one for the count when paginated), one for
    the competitor ids of the rows shown.
    """
    return PartnerFilter(params, queryset=partners_visible_to(viewer))


def partner_detail(pk: int, *, viewer: User) -> Partner:
    """One partner `viewer` may see, with tier, competitors and agreements (Partner.DoesNotExist otherwise)."""
    return (
        partners_visible_to(viewer)
        .select_related("tier")
        # The directory's own prefetch reads competitors' ids only; the page shows their names.
        .prefetch_related(None)
        .prefetch_related("competitors", Prefetch("agreements", queryset=agreements_visible_to(viewer)))
        .get(pk=pk)
    )


def agreements_visible_to(user: User) -> QuerySet[Agreement]:
    """The one rule for agreements (and their documents): staff see all; a
    partner's users their own partner's; anybody else none."""
    agreements = Agreement.objects.order_by("-signed_on", "-id")
    if has_role(user, STAFF):
        return agreements
    if has_role(user, PARTNER_USERS) and user.partner_id is not None:
        return agreements.filter(partner_id=user.partner_id)
    return agreements.none()


def partner_users(partner: Partner) -> QuerySet[User]:
    return User.objects.filter(partner=partner).order_by("-is_active", "email")


def partner_invitations(partner: Partner, *, viewer: User) -> QuerySet[Invitation]:
    """The invitations into `partner` that `viewer` may see."""
    return invitations_visible_to(viewer).filter(partner=partner)


def countries_in_use() -> list[str]:
    return list(Partner.objects.exclude(country="").order_by("country").values_list("country", flat=True).distinct())


def tiers_visible_to(user: User) -> QuerySet[Tier]:
    """Tiers are the orchestrator's own ranking: staff only."""
    return Tier.objects.all() if has_role(user, STAFF) else Tier.objects.none()


class IdField(forms.IntegerField):
    """An id: a positive integer that fits a bigint column (built per request, with the filter's form)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)


class IdFilter(django_filters.Filter):
    """An id in a query string, or a clear message."""

    field_class = IdField


class AgreementFilter(django_filters.FilterSet):
    partner = IdFilter(
        field_name="partner_id", label=_("Partner"), error_messages={"invalid": _("Give a partner id.")}
    )

    class Meta:
        model = Agreement
        fields = ["partner"]
