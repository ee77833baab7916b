from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("audit/", views.audit_trail, name="audit"),
    path("rules/", views.rule_book, name="rules"),
]
