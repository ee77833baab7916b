from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ecosystem.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import audit_actions, receivers  # noqa: F401  (receivers: auth signals -> audit trail)

        audit_actions.register()
