from django.contrib.auth.backends import ModelBackend

from ecosystem.core.permissions import on_tenant_host

from .models import User


def partner_access_suspended(user) -> bool:
    """The user belongs to a partner that is suspended or has exited the ecosystem."""
    return user.partner_id is not None and not user.partner.can_sign_in


def user_may_sign_in(user) -> bool:
    """Active, and not the user of a suspended or exited partner."""
    return user.is_active and not partner_access_suspended(user)


class AccountBackend(ModelBackend):
    """Email + password. Asked again on every request (`get_user`), so
    deactivating a user or suspending their partner ends their sessions at once."""

    def user_can_authenticate(self, user) -> bool:
        # The password check (`authenticate`) admits the active user of a
        # suspended partner, so that the sign-in form and the token endpoint
        # can tell them why they are refused, and only after a correct
        # password. Both refuse them (`services.user_sign_in_check`); and
        # `get_user` below, asked on every request, never lets them hold a session.
        return user.is_active

    def get_user(self, user_id):
        users = User.objects.all()
        if on_tenant_host():  # no partners table in the public schema
            users = users.select_related("partner")
        user = users.filter(pk=user_id).first()
        return user if user is not None and user_may_sign_in(user) else None
