from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from .models import STAFF_ROLES, Invitation, User


def staff_members() -> QuerySet[User]:
    return User.objects.filter(role__in=STAFF_ROLES).order_by("-is_active", "email")


def invitations_open_first() -> QuerySet[Invitation]:
    now = timezone.now()
    pending = When(accepted_at=None, revoked_at=None, expires_at__gt=now, then=Value(0))
    return (
        Invitation.objects.filter(role__in=STAFF_ROLES)
        .select_related("invited_by")
        .annotate(open_rank=Case(pending, default=Value(1), output_field=IntegerField()))
        .order_by("open_rank", "-created_at")[:200]
    )
