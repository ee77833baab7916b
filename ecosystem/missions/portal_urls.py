"""The partner portal's mission pages, under /portal/missions/ (mails link to `detail` and `contribution`)."""

from django.urls import path

from . import portal

app_name = "mission_portal"

urlpatterns = [
    path("", portal.mission_list, name="list"),
    path("<int:pk>/", portal.mission_detail, name="detail"),
    path("<int:pk>/declare/", portal.contribution_declare, name="declare"),
    path("contributions/<int:pk>/", portal.contribution_detail, name="contribution"),
    path("contributions/<int:pk>/edit/", portal.contribution_edit, name="edit"),
    path("participations/<int:pk>/answer/", portal.participation_answer, name="answer"),
    path("participations/<int:pk>/leave/", portal.participation_leave, name="leave"),
]
