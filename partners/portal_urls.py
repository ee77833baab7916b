from django.urls import path

from . import portal

app_name = "portal"

urlpatterns = [
    path("", portal.home, name="home"),
    path("profile/", portal.profile, name="profile"),
    path("team/", portal.team, name="team"),
    path("participants/", portal.participants, name="participants"),
]
