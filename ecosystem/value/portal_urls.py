"""The partner portal's value pages, under /portal/value/: no URL names a partner (it is the user's own)."""

from django.urls import path

from . import portal

app_name = "value_portal"

urlpatterns = [
    path("", portal.home, name="home"),
    path("<int:pk>/explanation/", portal.explanation, name="explanation"),
]
