"""Ending a user's access: every browser session and API token, for good."""

from __future__ import annotations

from django.db.models import F, QuerySet
from rest_framework.authtoken.models import Token

from .models import User


def users_end_sessions(*, users: QuerySet[User]) -> None:
    """End every browser session and API token of these users, for good:
    sessions carry a hash of `session_epoch`, which this bumps."""
    users.update(session_epoch=F("session_epoch") + 1)
    Token.objects.filter(user__in=users).delete()


def user_end_sessions(*, user: User) -> None:
    users_end_sessions(users=User.objects.filter(pk=user.pk))
