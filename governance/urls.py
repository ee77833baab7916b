from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("audit/", views.audit_trail, name="audit"),
    path("audit/export/", views.audit_export, name="audit_export"),
    path("rules/", views.rule_book, name="rules"),
    path("rules/add/", views.rule_add, name="rule_add"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("reviews/<int:pk>/progress/", views.review_progress, name="review_progress"),
    path("reviews/<int:pk>/cancel/", views.review_cancel, name="review_cancel"),
    path("reviews/<int:pk>/partners/<int:partner_pk>/decision/", views.decision_edit, name="decide"),
    path("reviews/<int:pk>/apply/", views.review_apply, name="review_apply"),
    path("decisions/<int:pk>/approve/", views.decision_approve, name="decision_approve"),
    path("decisions/<int:pk>/withdraw/", views.decision_withdraw, name="decision_withdraw"),
    path("appeals/", views.appeal_list, name="appeals"),
    path("appeals/<int:pk>/", views.appeal_detail, name="appeal"),
]
