from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ecosystem.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import audit_actions  # the models are loaded only now

        audit_actions.register()
