"""The partner portal's governance pages, under /portal/governance/: no URL names a partner (it is the user's
own). The personal appeal link, `/portal/appeal/<token>/`, is mounted in `ecosystem/urls.py`."""

from django.urls import path

from . import portal

app_name = "governance_portal"

urlpatterns = [
    path("decisions/", portal.decision_list, name="decisions"),
    path("decisions/<int:pk>/", portal.decision_detail, name="decision"),
    path("rules/", portal.rule_book, name="rules"),
]
