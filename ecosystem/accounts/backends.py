from django.contrib.auth.backends import ModelBackend

from ecosystem.core.permissions import on_tenant_host

from .models import User


def user_may_sign_in(user) -> bool:
    """Active, and not the user of a suspended or exited partner."""
    if not user.is_active:
        return False
    return user.partner_id is None or user.partner.can_sign_in


class AccountBackend(ModelBackend):
    """Email + password. Asked again on every request (`get_user`), so
    deactivating a user or suspending their partner ends their sessions at once."""

    def user_can_authenticate(self, user) -> bool:
        return user_may_sign_in(user)

    def get_user(self, user_id):
        users = User.objects.all()
        if on_tenant_host():  # no partners table in the public schema
            users = users.select_related("partner")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
