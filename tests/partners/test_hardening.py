"""Regressions found in review: leaks through the browsable API, sessions revived
by a reactivation, and 500s on input that must be a clean 400."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token

from ecosystem.accounts.models import Invitation, User
from partners.models import Agreement, Partner, Tier
from tests.conftest import PASSWORD, login
from tests.partners.conftest import api


def test_the_browsable_invitation_api_lists_no_other_partner(alpha, alpha_client, cast):
    login(alpha_client, alpha, cast["sam"])

    page = alpha_client.get("/api/invitations/", HTTP_ACCEPT="text/html").content.decode()

    assert "Carevia" not in page and "Finamed" not in page


def test_a_partner_admin_gets_the_same_answer_for_unknown_and_foreign_partner_ids(alpha_client, cast):
    client = api(alpha_client, cast["sam"])
    body = {"email": "x@y.test", "role": "partner_member"}

    foreign = client.post(
        "/api/invitations/", {**body, "partner": cast["carevia"].pk}, content_type="application/json"
    )
    unknown = client.post("/api/invitations/", {**body, "partner": 987654}, content_type="application/json")

    assert (foreign.status_code, unknown.status_code) == (403, 403)
    assert foreign.json() == unknown.json()
    assert not Invitation.objects.exists()


def test_a_deactivated_then_reactivated_user_does_not_get_old_sessions_back(alpha, cast):
    from ecosystem.accounts.services import user_deactivate, user_reactivate

    browser = login(Client(HTTP_HOST="alpha.localhost"), alpha, cast["manager"])
    user_deactivate(actor=cast["admin"], user=cast["manager"])
    user_reactivate(actor=cast["admin"], user=User.objects.get(pk=cast["manager"].pk))

    assert browser.get("/")["Location"].startswith("/accounts/login/")


def test_a_suspended_then_reactivated_partner_does_not_get_old_sessions_back(alpha, alpha_client, cast):
    browser = login(Client(HTTP_HOST="alpha.localhost"), alpha, cast["sam"])
    client = api(alpha_client, cast["manager"])
    client.post(f"/api/partners/{cast['medisol'].pk}/suspend/", {"reason": "Audit"}, content_type="application/json")
    client.post(f"/api/partners/{cast['medisol'].pk}/activate/")

    assert browser.get("/portal/")["Location"].startswith("/accounts/login/")
    fresh = login(Client(HTTP_HOST="alpha.localhost"), alpha, User.objects.get(pk=cast["sam"].pk))
    assert fresh.get("/portal/").status_code == 200


def test_changing_the_password_ends_api_tokens(alpha, alpha_client, cast):
    token = Token.objects.create(user=cast["manager"])
    login(alpha_client, alpha, cast["manager"])

    alpha_client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "brand-new-pass-4567", "new_password2": "brand-new-pass-4567"},
    )

    assert not Token.objects.filter(key=token.key).exists()
    assert alpha_client.get("/").status_code == 200  # this session stays


@pytest.mark.parametrize(
    ("who", "method", "path", "payload", "field"),
    [
        ("sam", "patch", "/api/partners/{medisol}/", {"website": "https://x.example/" + "a" * 250}, "website"),
        (
            "manager",
            "post",
            "/api/partners/",
            {"name": "X", "role": "supplier", "contact_email": "a" * 250 + "@x.example"},
            "contact_email",
        ),
        ("manager", "post", "/api/partners/", {"name": "X\x00", "role": "supplier"}, "name"),
        (
            "manager",
            "post",
            "/api/agreements/",
            {"partner": "{medisol}", "kind": "nda", "reference": "N", "signed_on": "2026-02-30"},
            "signed_on",
        ),
        (
            "manager",
            "post",
            "/api/agreements/",
            {"partner": "²", "kind": "nda", "reference": "N", "signed_on": "2026-02-01"},
            "partner",
        ),
        (
            "manager",
            "post",
            "/api/invitations/",
            {"email": "a" * 300 + "@x.example", "role": "partner_member", "partner": "{medisol}"},
            "email",
        ),
    ],
)
def test_bad_input_is_a_400_on_the_field_not_a_500(alpha_client, cast, who, method, path, payload, field):
    ids = {"medisol": cast["medisol"].pk}
    payload = {k: v.format(**ids) if isinstance(v, str) and "{" in v else v for k, v in payload.items()}
    before = (Partner.objects.count(), Agreement.objects.count(), Invitation.objects.count())

    response = getattr(api(alpha_client, cast[who]), method)(
        path.format(**ids), payload, content_type="application/json"
    )

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert (Partner.objects.count(), Agreement.objects.count(), Invitation.objects.count()) == before


def test_a_json_array_body_and_odd_query_ids_are_refused_cleanly(alpha_client, cast):
    client = api(alpha_client, cast["manager"])

    array = client.post("/api/agreements/", [], content_type="application/json")
    superscript = client.get("/api/agreements/?partner=%C2%B2")

    assert array.status_code == 400
    assert not Agreement.objects.exists()
    assert superscript.status_code == 400 and superscript.json() == {"partner": ["Give a partner id."]}


def test_accepting_with_a_too_long_name_is_a_400(alpha, cast, alpha_client):
    from ecosystem.accounts.services import invitation_create

    issued = invitation_create(
        actor=cast["manager"], email="long@medisol.test", role="partner_member", partner=cast["medisol"]
    )

    response = alpha_client.post(
        "/api/invitations/accept/",
        {"token": issued.token, "password": PASSWORD, "full_name": "n" * 200},
        content_type="application/json",
    )

    assert response.status_code == 400 and "full_name" in response.json()
    assert not User.objects.filter(email="long@medisol.test").exists()


def test_signing_in_with_an_absurdly_long_email_is_refused_not_a_crash(alpha_client):
    email = "a" * 280 + "@x.example"

    page = alpha_client.post("/accounts/login/", {"username": email, "password": "x"})
    token = alpha_client.post("/api/auth/token/", {"email": email, "password": "x"}, content_type="application/json")

    assert page.status_code == 200 and "username" in page.context["form"].errors
    assert token.status_code == 400 and "email" in token.json()


def test_lifecycle_and_agreement_pages_refuse_null_characters_cleanly(alpha, alpha_client, cast):
    login(alpha_client, alpha, cast["manager"])

    reason = alpha_client.post(f"/partners/{cast['medisol'].pk}/suspend/", {"reason": "bad\x00reason"})
    agreement = alpha_client.post(
        f"/partners/{cast['medisol'].pk}/agreements/",
        {"kind": "nda", "reference": "N\x00", "signed_on": "2026-01-01"},
    )

    assert reason.status_code == 400 and agreement.status_code == 400
    suspend = next(form for form in reason.context["lifecycle_forms"] if form.action == "suspend")
    assert suspend.errors == {"reason": ["Null characters are not allowed."]}
    assert Partner.objects.get(pk=cast["medisol"].pk).status == "active"
    assert not Agreement.objects.exists()


def test_an_exported_file_imports_back_unchanged(alpha_client, cast):
    Tier.objects.create(name="2", rank=2)  # a tier whose name looks like an id
    gold = Tier.objects.create(name="Gold", rank=1)
    Partner.objects.filter(pk=cast["medisol"].pk).update(
        contact_phone="+33 1 23 45 67 89", description="- imaging", tier=gold
    )
    client = api(alpha_client, cast["manager"])
    exported = client.get("/api/partners/export/")
    before = list(Partner.objects.order_by("pk").values())

    response = client.post("/api/partners/import/", {"file": SimpleUploadedFile("p.csv", exported.content)})

    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 0, "updated": 0}
    assert list(Partner.objects.order_by("pk").values()) == before


def test_import_refuses_a_cell_with_a_nul_byte(alpha_client, cast):
    content = io.BytesIO(b"external_id,name,role\nA,B\x00,supplier\n").getvalue()

    response = api(alpha_client, cast["manager"]).post(
        "/api/partners/import/", {"file": SimpleUploadedFile("p.csv", content)}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["line"] == 2
