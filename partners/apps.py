from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    label = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        from . import audit_actions  # the models are loaded only now

        audit_actions.register()

        from . import dashboard

        dashboard.register()
