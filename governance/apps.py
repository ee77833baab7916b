from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    label = "governance"
    verbose_name = _("Governance")

    def ready(self):
        from . import audit_actions, dashboard  # the models are loaded only now
        from .portal import register_portal_panels

        audit_actions.register()
        dashboard.register()
        register_portal_panels()
