"""The Celery app. Tenant-aware (tenant-schemas-celery): a task sent while the
connection is in a tenant's schema carries that schema in its headers and runs
in it on the worker."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecosystem.settings")

app = CeleryApp("ecosystem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
