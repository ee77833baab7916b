"""Filters of the audit trail: one definition for the page and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from ecosystem.core.models import AuditEvent

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(field_name="action", lookup_expr="startswith", label=_("What"), max_length=80)
    object_type = django_filters.CharFilter(field_name="object_type", label=_("Object type"), max_length=80)
    since = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Since"), widget=DATE_INPUT
    )
    until = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Until"), widget=DATE_INPUT
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "object_type", "since", "until"]
