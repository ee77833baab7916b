from django.contrib.auth.backends import ModelBackend


def user_may_sign_in(user) -> bool:
    """Active, and not the user of a suspended or exited partner."""
    if not getattr(user, "is_active", False):
        return False
    partner = user.partner if getattr(user, "partner_id", None) else None
    return partner is None or partner.can_sign_in


class AccountBackend(ModelBackend):
    """Email + password. Asked again on every request (`get_user`), so
    deactivating a user or suspending their partner ends their sessions at once."""

    def user_can_authenticate(self, user) -> bool:
        return user_may_sign_in(user)

    def get_user(self, user_id):
        from django.db import connection
        from django_tenants.utils import get_public_schema_name

        from .models import User

        users = User.objects.all()
        if connection.schema_name != get_public_schema_name():  # no partners table in public
            users = users.select_related("partner")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
