from django.urls import path

from . import views

app_name = "missions"

urlpatterns = [
    path("contributions/<int:pk>/evidence/", views.evidence, name="evidence"),
]
