from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo ecosystem (`manage.py seed_demo`): above every app, it seeds them all."""

    name = "ecosystem.demo"
    label = "demo"
    verbose_name = _("Demo")
