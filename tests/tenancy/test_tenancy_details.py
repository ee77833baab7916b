"""Details of the tenancy services: a fresh database, the public schema, stale copies."""

import pytest
from django.conf import settings
from django.db import connection

from ecosystem.core.errors import Conflict
from ecosystem.tenancy.models import Domain, Orchestrator
from ecosystem.tenancy.services import orchestrator_suspend, public_tenant_ensure


def test_a_fresh_database_gets_the_public_tenant_and_its_primary_domain(db, tenants):
    connection.set_schema_to_public()
    # As on a fresh database: no row names the public schema (the schema itself
    # exists; deleting the row would drop it). The test's transaction puts it back.
    Domain.objects.filter(tenant__schema_name="public").delete()
    Orchestrator.objects.filter(schema_name="public").update(schema_name="public_before", slug="public-before")

    public = public_tenant_ensure()

    stored = Orchestrator.objects.get(schema_name="public")
    assert (stored.pk, stored.name, stored.slug) == (public.pk, "Symbiose", "public")
    domain = Domain.objects.get(domain=settings.BASE_DOMAIN)
    assert (domain.tenant_id, domain.is_primary) == (public.pk, True)


def test_the_public_schema_cannot_be_suspended(db, tenants):
    connection.set_schema_to_public()
    public = public_tenant_ensure()

    with pytest.raises(Conflict) as refused:
        orchestrator_suspend(orchestrator=public, reason="No", operator_email="op@x.test")

    assert str(refused.value) == "The public schema is not an orchestrator."
    assert Orchestrator.objects.get(pk=public.pk).status == "active"


def test_suspending_from_a_stale_copy_keeps_what_changed_meanwhile(db, tenants):
    connection.set_schema_to_public()
    stale = Orchestrator.objects.get(slug="alpha")
    Orchestrator.objects.filter(pk=stale.pk).update(name="Alpha Medical Commons (renamed)")

    orchestrator_suspend(orchestrator=stale, reason="Unpaid invoice", operator_email="op@x.test")

    stored = Orchestrator.objects.get(pk=stale.pk)
    assert (stored.status, stored.name) == ("suspended", "Alpha Medical Commons (renamed)")


def test_an_unknown_address_points_to_the_public_site_in_the_full_layout(public_client, settings):
    response = public_client.get("/some/page/", HTTP_HOST=f"nobody.{settings.BASE_DOMAIN}")

    page = response.content.decode()
    assert response.status_code == 404
    assert f"create an ecosystem at {settings.BASE_DOMAIN}." in page
    assert 'name="next" type="hidden" value="/some/page/"' in page  # the layout had the request
