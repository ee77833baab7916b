"""Tenant hosts: `<slug>.<BASE_DOMAIN>`."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from ecosystem.accounts import api as accounts_api
from ecosystem.core import views as core_views
from ecosystem.missions import api as missions_api
from ecosystem.value import api as value_api
from governance import api as governance_api
from governance import portal as governance_portal
from partners import api as partners_api
from partners import views as partners_views

router = SimpleRouter()
router.register("partners", partners_api.PartnerViewSet, basename="partner")
router.register("tiers", partners_api.TierViewSet, basename="tier")
router.register("agreements", partners_api.AgreementViewSet, basename="agreement")
router.register("invitations", partners_api.InvitationViewSet, basename="invitation")
router.register("missions", missions_api.MissionViewSet, basename="mission")
router.register("objectives", missions_api.ObjectiveViewSet, basename="objective")
router.register("participations", missions_api.ParticipationViewSet, basename="participation")
router.register("contributions", missions_api.ContributionViewSet, basename="contribution")
router.register("reports", value_api.ReportViewSet, basename="report")
router.register("governance/audit", governance_api.AuditEventViewSet, basename="audit-event")
router.register("governance/rules", governance_api.RuleViewSet, basename="governance-rule")
router.register("governance/reviews", governance_api.ReviewViewSet, basename="governance-review")
router.register(
    r"governance/reviews/(?P<review_pk>[0-9]+)/findings", governance_api.FindingViewSet, basename="governance-finding"
)
router.register(
    r"governance/reviews/(?P<review_pk>[0-9]+)/decisions",
    governance_api.ReviewDecisionViewSet,
    basename="governance-review-decision",
)
router.register("governance/decisions", governance_api.DecisionViewSet, basename="governance-decision")
router.register("governance/appeals", governance_api.AppealViewSet, basename="governance-appeal")

api_urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="auth-token"),
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("invitations/accept/", partners_api.InvitationAcceptView.as_view(), name="invitation-accept"),
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
    path(
        "",
        include(
            (
                [
                    path("", core_views.dashboard, name="dashboard"),
                    path("settings/", core_views.settings_page, name="settings"),
                ],
                "core",
            )
        ),
    ),
    # Joining by invitation creates the account (accounts) and may onboard a
    # partner (partners): the page belongs to the higher layer.
    path("accounts/invitations/<str:token>/", partners_views.invitation_accept, name="invitation_accept"),
    path("accounts/", include("ecosystem.accounts.urls")),
    path("governance/", include("governance.urls")),
    path("missions/", include("ecosystem.missions.urls")),
    path("partners/", include("partners.urls")),
    path("reports/", include("ecosystem.value.urls")),
    path("portal/missions/", include("ecosystem.missions.portal_urls")),
    path("portal/value/", include("ecosystem.value.portal_urls")),
    path("portal/governance/", include("governance.portal_urls")),
    # The personal link of a decision's mail (no session needed), and the address the answer mails carry.
    path("portal/appeal/<str:token>/", governance_portal.appeal_by_link, name="appeal_by_link"),
    path("portal/decisions/", governance_portal.decisions_redirect, name="portal_decisions_redirect"),
    path("portal/", include("partners.portal_urls")),
    path("api/", include((api_urlpatterns, "api"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("robots.txt", core_views.robots_txt, name="robots"),
]

handler404 = "ecosystem.core.views.page_not_found"
handler500 = "ecosystem.core.views.server_error"
