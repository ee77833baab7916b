from django.urls import path

from . import views

app_name = "value"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/progress/", views.report_progress, name="progress"),
    path("<int:pk>/cancel/", views.report_cancel, name="cancel"),
    path("<int:pk>/export/", views.report_export, name="export"),
    path("<int:pk>/partners/<int:partner_id>/", views.partner_explanation, name="explanation"),
]
