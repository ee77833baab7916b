"""The staff dashboard: the orchestrator's home, made of the apps' panels."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ecosystem.accounts import services as accounts_services
from partners import services
from partners.models import Agreement, Partner, Tier
from tests.conftest import login
from tests.partners.conftest import PartnerFactory


def page(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_manager_sees_partners_by_status_and_tier_expiring_agreements_and_pending_invitations(
    alpha, alpha_client, cast
):
    gold = Tier.objects.create(name="Gold", rank=1)
    Partner.objects.filter(pk=cast["medisol"].pk).update(tier=gold)
    PartnerFactory(name="Dormant", status=Partner.Status.SUSPENDED)
    today = timezone.localdate()
    soon = Agreement.objects.create(
        partner=cast["carevia"],
        kind="nda",
        reference="NDA-7",
        signed_on=today,
        expires_on=today + dt.timedelta(days=9),
    )
    Agreement.objects.create(
        partner=cast["finamed"],
        kind="nda",
        reference="LATER",
        signed_on=today,
        expires_on=today + dt.timedelta(days=90),
    )
    accounts_services.invitation_create(
        actor=cast["manager"], email="new@medisol.test", role="partner_member", partner=cast["medisol"]
    )
    login(alpha_client, alpha, cast["manager"])

    html = page(alpha_client)

    assert 'Partners <span class="muted">(4)</span>' in html
    assert '?status=active"><span class="badge active">Active</span></a> <strong>3</strong>' in html
    assert '?status=suspended"><span class="badge suspended">Suspended</span></a> <strong>1</strong>' in html
    assert f'?tier={gold.pk}">Gold</a> <strong>1</strong>' in html
    assert "No tier <strong>3</strong>" in html
    assert f'href="/partners/{soon.partner_id}/">Carevia</a>' in html and "NDA-7" in html
    assert "LATER" not in html
    assert "new@medisol.test" in html and f'href="/partners/{cast["medisol"].pk}/">Medisol</a>' in html
    assert "Recent activity" not in html  # the audit trail is for administrators and reviewers


def test_an_administrator_also_sees_the_recent_activity(alpha, alpha_client, cast):
    services.partner_lifecycle_change(actor=cast["manager"], partner=cast["finamed"], action="suspend", reason="Audit")
    login(alpha_client, alpha, cast["admin"])

    html = page(alpha_client)

    assert "Recent activity" in html and "suspended Finamed" in html
    assert 'href="/governance/audit/"' in html


def test_an_empty_ecosystem_says_what_to_do_first(alpha, alpha_client, alpha_admin):
    login(alpha_client, alpha, alpha_admin)

    html = page(alpha_client)

    assert "No partner yet." in html and 'href="/partners/new/"' in html
    assert "No agreement ends in this period." in html
    assert "No invitation is waiting for an answer." in html


def test_the_dashboard_speaks_french(alpha, alpha_client, alpha_admin):
    login(alpha_client, alpha, alpha_admin)
    alpha_client.cookies["django_language"] = "fr"

    html = page(alpha_client)

    assert "Tableau de bord" in html and "Invitations en attente" in html


def test_partner_users_go_to_their_portal_and_strangers_to_the_login(alpha, alpha_client, cast):
    anonymous = alpha_client.get("/")
    login(alpha_client, alpha, cast["sam"])
    partner = alpha_client.get("/")

    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert (partner.status_code, partner["Location"]) == (302, "/portal/")


def queries_for(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        page(client)
    return len(queries)


def test_the_dashboard_costs_the_same_queries_for_3_or_40_partners(alpha, alpha_client, cast):
    login(alpha_client, alpha, cast["admin"])
    page(alpha_client)  # the host's tenant is cached from now on
    small = queries_for(alpha_client)
    today = timezone.localdate()
    for i in range(37):
        partner = PartnerFactory(
            name=f"Bulk {i}", tier=Tier.objects.get_or_create(name=f"T{i % 5}", rank=i % 5 + 1)[0]
        )
        Agreement.objects.create(
            partner=partner, kind="nda", reference=f"B{i}", signed_on=today, expires_on=today + dt.timedelta(days=3)
        )
        accounts_services.invitation_create(
            actor=cast["admin"], email=f"p{i}@bulk.test", role="partner_member", partner=partner
        )

    assert queries_for(alpha_client) == small


def test_another_tenants_admin_gets_no_dashboard_here_and_sees_only_its_own_partners(alpha, beta, alpha_client, cast):
    from django_tenants.utils import schema_context

    from tests.conftest import admin_of

    with schema_context("beta"):
        PartnerFactory(name="Beta Only Partner")
    beta_admin = admin_of(beta)
    login(alpha_client, beta, beta_admin)  # a session issued by beta's schema

    refused = alpha_client.get("/")
    login(alpha_client, alpha, cast["admin"])
    html = page(alpha_client)

    assert refused.status_code == 302 and "/accounts/login/" in refused["Location"]
    assert "Beta Only Partner" not in html and 'Partners <span class="muted">(3)</span>' in html
