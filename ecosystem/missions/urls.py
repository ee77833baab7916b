from django.urls import path

from . import views

app_name = "missions"

urlpatterns = [
    path("", views.mission_list, name="list"),
    path("new/", views.mission_create, name="create"),
    path("<int:pk>/", views.mission_detail, name="detail"),
    path("<int:pk>/edit/", views.mission_edit, name="edit"),
    path("<int:pk>/move/", views.mission_move, name="move"),
    path("<int:pk>/queue/", views.queue, name="queue"),
    path("<int:pk>/objectives/new/", views.objective_create, name="objective_create"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("<int:pk>/declare/", views.declare, name="declare"),
    path("objectives/<int:pk>/edit/", views.objective_edit, name="objective_edit"),
    path("objectives/<int:pk>/delete/", views.objective_delete, name="objective_delete"),
    path("objectives/<int:pk>/measurements/", views.measurement, name="measurement"),
    path("participations/<int:pk>/", views.participation, name="participation"),
    path("contributions/<int:pk>/", views.contribution, name="contribution"),
    path("contributions/<int:pk>/edit/", views.contribution_edit, name="contribution_edit"),
    path("contributions/<int:pk>/evidence/", views.evidence, name="evidence"),
]
