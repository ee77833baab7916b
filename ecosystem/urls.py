"""Tenant hosts: `<slug>.<BASE_DOMAIN>`."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from ecosystem.accounts import api as accounts_api
from ecosystem.core import views as core_views
from partners import api as partners_api

router = SimpleRouter()
router.register("partners", partners_api.PartnerViewSet, basename="partner")
router.register("tiers", partners_api.TierViewSet, basename="tier")
router.register("agreements", partners_api.AgreementViewSet, basename="agreement")
router.register("invitations", accounts_api.InvitationViewSet, basename="invitation")

api_urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="auth-token"),
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("invitations/accept/", accounts_api.InvitationAcceptView.as_view(), name="invitation-accept"),
    *router.urls,
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[AllowAny]),
        name="docs",
    ),
]

urlpatterns = [
    path("", include(([path("", core_views.dashboard, name="dashboard")], "core"))),
    path("accounts/", include("ecosystem.accounts.urls")),
    path("partners/", include("partners.urls")),
    path("portal/", include("partners.portal_urls")),
    path("api/", include((api_urlpatterns, "api"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("robots.txt", core_views.robots_txt, name="robots"),
]
