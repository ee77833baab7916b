"""Every partners endpoint and page, called with alpha's credentials on beta's
host, or by a role that may not: refused, and nothing changes."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from ecosystem.accounts.models import Invitation
from partners.models import Agreement, Partner, Tier
from tests.conftest import login, make_user
from tests.partners.conftest import api

API_CALLS = [
    ("get", "/api/partners/"),
    ("get", "/api/partners/{id}/"),
    ("patch", "/api/partners/{id}/"),
    ("post", "/api/partners/{id}/suspend/"),
    ("post", "/api/partners/import/"),
    ("get", "/api/partners/export/"),
    ("get", "/api/tiers/"),
    ("post", "/api/tiers/"),
    ("get", "/api/agreements/"),
    ("post", "/api/agreements/"),
    ("get", "/api/invitations/"),
    ("post", "/api/invitations/"),
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PAGES = ["/partners/", "/partners/{id}/", "/partners/{id}/edit/", "/partners/new/", "/partners/import/",
         "/partners/tiers/", "/partners/ecosystem/", "/portal/", "/portal/profile/", "/portal/team/", "/portal/participants/"]  # fmt: skip


def state(schema: str) -> tuple:
    with schema_context(schema):
        return (
            list(Partner.objects.order_by("pk").values_list("name", "status", "description")),
            Tier.objects.count(), Agreement.objects.count(), Invitation.objects.count(),
        )  # fmt: skip


@pytest.mark.parametrize(("method", "path"), API_CALLS)
def test_alphas_token_is_refused_on_beta_for_every_partner_endpoint(cast, beta, method, path):
    token = Token.objects.create(user=cast["admin"])
    with schema_context("beta"):
        beta_partner = Partner.objects.create(name="Beta Supplier", role="supplier")
    before = state("beta")
    client = Client(HTTP_HOST="beta.localhost", HTTP_AUTHORIZATION=f"Token {token.key}")

    response = getattr(client, method)(
        path.format(id=beta_partner.pk), {"name": "X", "reason": "x"}, content_type="application/json"
    )

    assert response.status_code == 401
    assert state("beta") == before


@pytest.mark.parametrize("path", PAGES)
def test_alphas_session_is_anonymous_on_beta_for_every_partner_page(alpha, alpha_client, cast, beta, path):
    login(alpha_client, alpha, cast["admin"])

    response = alpha_client.get(path.format(id=cast["medisol"].pk), HTTP_HOST="beta.localhost")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["reviewer", "sam", "mia"])
def test_lower_roles_cannot_add_agreements(alpha, alpha_client, cast, who):
    response = api(alpha_client, cast[who]).post(
        "/api/agreements/", {"partner": cast["medisol"].pk, "kind": "nda", "reference": "N", "signed_on": "2026-01-01"},
        content_type="application/json",
    )  # fmt: skip
    page = login(alpha_client, alpha, cast[who]).post(
        f"/partners/{cast['medisol'].pk}/agreements/", {"kind": "nda", "reference": "N", "signed_on": "2026-01-01"}
    )

    assert response.status_code == 403
    assert page.status_code == 403
    assert not Agreement.objects.exists()


def test_an_agreement_document_is_served_to_its_partner_and_staff_but_not_to_another_partner(
    alpha, alpha_client, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    agreement = Agreement(partner=cast["finamed"], kind="nda", reference="N", signed_on="2026-01-01")
    agreement.document.save("nda.pdf", ContentFile(PDF), save=True)
    fiona = make_user(alpha, "partner_member", email="fiona@finamed.test", partner=cast["finamed"])
    url = f"/partners/agreements/{agreement.pk}/document/"

    owner = login(Client(HTTP_HOST="alpha.localhost"), alpha, fiona).get(url)
    staff = login(Client(HTTP_HOST="alpha.localhost"), alpha, cast["reviewer"]).get(url)
    other = login(Client(HTTP_HOST="alpha.localhost"), alpha, cast["sam"]).get(url)
    other_api = api(alpha_client, cast["sam"]).get(f"/api/agreements/{agreement.pk}/")
    owner_api = api(alpha_client, fiona).get(f"/api/agreements/{agreement.pk}/")

    assert (owner.status_code, b"".join(owner.streaming_content)) == (200, PDF)
    assert (staff.status_code, b"".join(staff.streaming_content)) == (200, PDF)
    assert other.status_code == 404
    assert other_api.status_code == 404
    assert (owner_api.status_code, owner_api.json()["document"]) == (200, url)


def test_an_anonymous_visitor_is_sent_to_login_for_a_document(alpha, alpha_client, cast):
    agreement = Agreement.objects.create(partner=cast["finamed"], kind="nda", reference="N", signed_on="2026-01-01")

    response = alpha_client.get(f"/partners/agreements/{agreement.pk}/document/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/partners/agreements/{agreement.pk}/document/"
