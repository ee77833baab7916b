"""The audit trail's page and API: administrators and governance reviewers only."""

import pytest
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from ecosystem.core.audit import audit_record
from ecosystem.core.models import AuditEvent
from tests.conftest import admin_of, login, make_user
from tests.partners.conftest import PartnerFactory, api


@pytest.fixture
def events(alpha, alpha_admin):
    partner = PartnerFactory(name="Medisol")
    audit_record(actor=alpha_admin, action="partner.created", target=partner, after={"name": "Medisol"})
    audit_record(actor=alpha_admin, action="partner.suspended", target=partner, after={"status": "suspended"})
    audit_record(actor=None, actor_label="x@y.test", action="auth.login_failed", after={"email": "x@y.test"})
    return partner


@pytest.mark.parametrize("role", ["admin", "reviewer"])
def test_admins_and_reviewers_read_the_trail_on_the_page_and_the_api(alpha, alpha_client, events, role):
    user = admin_of(alpha) if role == "admin" else make_user(alpha, role)

    page = login(alpha_client, alpha, user).get("/governance/audit/?action=partner.")
    listed = api(alpha_client, user).get("/api/governance/audit/?action=partner.")

    assert page.status_code == 200
    assert [e.action for e in page.context["page"].object_list] == ["partner.suspended", "partner.created"]
    assert listed.status_code == 200 and listed.json()["count"] == 2
    first = listed.json()["results"][0]
    assert (first["action"], first["object_type"], first["object_id"]) == (
        "partner.suspended",
        "partners.partner",
        str(events.pk),
    )
    assert first["after"] == {"status": "suspended"}


@pytest.mark.parametrize("role", ["manager", "partner_admin", "partner_member"])
def test_other_roles_never_see_the_trail(alpha, alpha_client, events, role):
    partner = PartnerFactory() if role.startswith("partner") else None
    user = make_user(alpha, role, partner=partner)

    page = login(alpha_client, alpha, user).get("/governance/audit/")
    listed = api(alpha_client, user).get("/api/governance/audit/")
    one = api(alpha_client, user).get(f"/api/governance/audit/{AuditEvent.objects.first().pk}/")

    assert (page.status_code, listed.status_code, one.status_code) == (403, 403, 403)


def test_another_tenants_token_gets_401(alpha, beta, alpha_client, events):
    with schema_context(beta.schema_name):
        token = Token.objects.create(user=admin_of(beta))

    response = alpha_client.get("/api/governance/audit/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 401


def test_bad_filters_are_a_400_with_the_field(alpha, alpha_client, alpha_admin, events):
    listed = api(alpha_client, alpha_admin).get("/api/governance/audit/?since=yesterday")
    page = login(alpha_client, alpha, alpha_admin).get("/governance/audit/?since=yesterday")

    assert listed.status_code == 400 and listed.json() == {"since": ["Enter a valid date."]}
    assert page.status_code == 400 and "Enter a valid date." in page.content.decode()


def test_the_trail_lists_in_a_fixed_number_of_queries(alpha, alpha_client, alpha_admin, django_assert_max_num_queries):
    partners = PartnerFactory.create_batch(30)
    for partner in partners:
        audit_record(actor=alpha_admin, action="partner.updated", target=partner, after={"n": partner.pk})
    client = api(alpha_client, alpha_admin)

    with django_assert_max_num_queries(6):
        listed = client.get("/api/governance/audit/?action=partner.updated")

    assert listed.json()["count"] == 30


def test_the_page_tells_events_as_sentences_in_the_readers_language(alpha, alpha_client, alpha_admin, events):
    client = login(alpha_client, alpha, alpha_admin)

    english = client.get("/governance/audit/?action=partner.")
    client.cookies["django_language"] = "fr"
    french = client.get("/governance/audit/?action=partner.")

    assert [e.sentence for e in english.context["events"]] == [
        "admin@alpha.test suspended Medisol.",
        "admin@alpha.test added the partner Medisol.",
    ]
    assert english.context["events"][1].details == ["Name: Medisol"]
    assert "<li>Name: Medisol</li>" in english.content.decode()
    assert [e.sentence for e in french.context["events"]] == [
        "admin@alpha.test a suspendu Medisol.",
        "admin@alpha.test a ajouté le partenaire Medisol.",
    ]


def test_the_page_names_ids_in_a_fixed_number_of_queries(alpha, alpha_client, alpha_admin, django_assert_num_queries):
    partners = PartnerFactory.create_batch(30)
    for partner in partners:
        audit_record(
            actor=alpha_admin, action="partner.updated", target=partner,
            before={"competitors": []}, after={"competitors": [partners[0].pk]},
        )  # fmt: skip
    client = login(alpha_client, alpha, alpha_admin)

    # the host's tenant (2 search_path switches and the domain), session, user, count, page of events, partner names
    with django_assert_num_queries(8):
        page = client.get("/governance/audit/?action=partner.updated")

    assert len(page.context["events"]) == 30
    assert page.context["events"][0].details == [f"Competitors: — → {partners[0].name}"]
