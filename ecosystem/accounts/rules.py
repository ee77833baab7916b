"""The one role check every service uses."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ecosystem.core.errors import NotAllowed

from .models import User


def require_role(actor: User, roles: tuple[str, ...], message: str | None = None) -> None:
    """Refuse (403) unless `actor` is active and holds one of `roles`."""
    if not (actor and actor.is_active and actor.role in roles):
        raise NotAllowed(message or _("Your role does not allow this."))
