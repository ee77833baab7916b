from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValueConfig(AppConfig):
    name = "ecosystem.value"
    label = "value"
    verbose_name = _("Value reports")

    def ready(self) -> None:
        from . import audit_actions, dashboard  # the models are loaded only now
        from .portal import register_portal_panels

        audit_actions.register()
        dashboard.register()
        register_portal_panels()
