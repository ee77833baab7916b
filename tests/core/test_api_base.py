"""The tenant API base: every read starts from the resource's visible set, and nothing widens it."""

import django_filters
import pytest
from rest_framework import mixins, serializers
from rest_framework.test import APIRequestFactory, force_authenticate

from ecosystem.core.api import TenantViewSet
from ecosystem.core.roles import EVERYONE
from ecosystem.urls import router
from partners.models import Tier
from tests.conftest import admin_of


@pytest.mark.parametrize("method", ["get_queryset", "get_object", "filter_queryset"])
def test_a_viewset_cannot_override_the_scoped_reads(method):
    with pytest.raises(TypeError, match=f"overrides {method}"):
        type("Widening", (TenantViewSet,), {method: lambda self, *args: None})


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", "name"]


class WideningFilter(django_filters.FilterSet):
    """A careless filter that returns every row instead of narrowing."""

    everything = django_filters.CharFilter(method="all_rows")

    class Meta:
        model = Tier
        fields = ["everything"]

    def all_rows(self, queryset, name, value):
        return Tier.objects.all()


class GoldOnly(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = Tier
    roles = EVERYONE
    serializer_class = TierSerializer
    filterset_class = WideningFilter
    pagination_class = None

    @staticmethod
    def visible_to(user):
        return Tier.objects.filter(name="Gold")


def _call(tenant, action: str, query: str = "", **kwargs):
    request = APIRequestFactory().get(f"/api/tiers/{query}", HTTP_HOST=f"{tenant.slug}.localhost")
    force_authenticate(request, user=admin_of(tenant))
    return GoldOnly.as_view({"get": action})(request, **kwargs)


def test_a_filter_cannot_widen_the_visible_set(alpha):
    gold, silver = Tier.objects.create(name="Gold", rank=1), Tier.objects.create(name="Silver", rank=2)

    listed = _call(alpha, "list", "?everything=yes")
    hidden = _call(alpha, "retrieve", "?everything=yes", pk=silver.pk)

    assert [row["name"] for row in listed.data] == ["Gold"]
    assert hidden.status_code == 404
    assert _call(alpha, "retrieve", pk=gold.pk).data["name"] == "Gold"


def test_a_viewset_without_a_read_rule_fails_closed(alpha):
    class NoRule(mixins.ListModelMixin, TenantViewSet):
        model = Tier
        roles = EVERYONE
        serializer_class = TierSerializer

    request = APIRequestFactory().get("/api/tiers/", HTTP_HOST="alpha.localhost")
    force_authenticate(request, user=admin_of(alpha))

    with pytest.raises(Exception, match="declares no visible_to selector"):
        NoRule.as_view({"get": "list"})(request)


def test_every_tenant_endpoint_declares_its_roles_and_its_read_rule():
    viewsets = {prefix: viewset for prefix, viewset, _basename in router.registry}

    assert sorted(viewsets) == [
        "agreements", "contributions", "governance/appeals", "governance/audit", "governance/decisions",
        "governance/reviews", "governance/reviews/(?P<review_pk>[0-9]+)/decisions",
        "governance/reviews/(?P<review_pk>[0-9]+)/findings", "governance/rules", "invitations", "missions",
        "objectives", "participations", "partners", "reports", "tiers",
    ]  # fmt: skip
    for prefix, viewset in viewsets.items():
        assert issubclass(viewset, TenantViewSet), prefix
        assert viewset.roles, prefix
        assert viewset.visible_to is not None, prefix
        assert not hasattr(viewset, "dangerously_get_queryset"), prefix


def test_the_escape_hatch_is_named_dangerously(alpha):
    class Everything(GoldOnly):
        filterset_class = None

        def dangerously_get_queryset(self):
            return Tier.objects.all()

    Tier.objects.create(name="Gold", rank=1)
    Tier.objects.create(name="Silver", rank=2)
    request = APIRequestFactory().get("/api/tiers/", HTTP_HOST="alpha.localhost")
    force_authenticate(request, user=admin_of(alpha))

    listed = Everything.as_view({"get": "list"})(request)

    assert sorted(row["name"] for row in listed.data) == ["Gold", "Silver"]
