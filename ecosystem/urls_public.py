"""The public host: `<BASE_DOMAIN>` itself."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from ecosystem.tenancy import api as tenancy_api
from ecosystem.tenancy import views as tenancy_views

admin.site.site_header = "Symbiose platform"
admin.site.site_title = "Symbiose platform"

api_urlpatterns = [
    path("signup/", tenancy_api.SignupView.as_view(), name="signup"),
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[], urlconf=__name__),
        name="schema",
    ),
]

urlpatterns = [
    path("", tenancy_views.landing, name="landing"),
    path("signup/", tenancy_views.signup, name="signup"),
    path("find/", tenancy_views.ecosystem_finder, name="ecosystem_finder"),
    path("admin/", admin.site.urls),
    path("api/", include((api_urlpatterns, "api"))),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler404 = "ecosystem.core.views.page_not_found"
handler500 = "ecosystem.core.views.server_error"
