from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MissionsConfig(AppConfig):
    name = "ecosystem.missions"
    label = "missions"
    verbose_name = _("Missions")

    def ready(self) -> None:
        from . import audit_actions, dashboard  # the models are loaded only now
        from .portal import register_portal_panels

        audit_actions.register()
        dashboard.register()
        register_portal_panels()
