from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.partner_new, name="new"),
    path("export.csv", views.export, name="export"),
    path("import/", views.import_partners, name="import"),
    path("tiers/", views.tiers, name="tiers"),
    path("ecosystem/", views.ecosystem_profile, name="ecosystem"),
    path("agreements/<int:pk>/document/", views.agreement_document, name="agreement_document"),
    path("<int:pk>/", views.partner_detail, name="detail"),
    path("<int:pk>/edit/", views.partner_edit, name="edit"),
    path("<int:pk>/agreements/", views.agreement_new, name="agreement_new"),
    path("<int:pk>/invitations/", views.partner_invite, name="invite"),
    path("<int:pk>/<str:change>/", views.partner_lifecycle, name="lifecycle"),
]
