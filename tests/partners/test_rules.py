"""The access rules of the partners app, one test per rule: each goes red when
its rule is deleted (break the rule, watch it fail)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from ecosystem.accounts import services as accounts_services
from ecosystem.accounts.models import Invitation
from ecosystem.core.errors import NotAllowed
from partners.models import Partner
from tests.conftest import admin_of, audit_actions, login
from tests.partners.conftest import PartnerFactory, api


def signed_in(tenant, user) -> Client:
    """A browser of its own, so that each page's messages are its own."""
    return login(Client(HTTP_HOST=f"{tenant.slug}.localhost"), tenant, user)


# --- the partner wall: what a partner's users see of the others -----------------


def test_a_partner_user_sees_onboarding_and_active_participants_only(alpha, alpha_client, cast):
    hidden = [
        PartnerFactory(name=f"{status.capitalize()} Co", status=status)
        for status in ("invited", "suspended", "exited")
    ]
    PartnerFactory(name="Onboarding Co", status="onboarding")
    client = api(alpha_client, cast["mia"])

    listing = client.get("/api/partners/")
    details = [client.get(f"/api/partners/{partner.pk}/") for partner in hidden]
    page = signed_in(alpha, cast["mia"]).get("/portal/participants/")

    assert listing.status_code == 200
    assert [p["name"] for p in listing.json()["results"]] == ["Finamed", "Medisol", "Onboarding Co"]
    assert [d.status_code for d in details] == [404, 404, 404]
    assert [p.name for p in page.context["page"].object_list] == ["Finamed", "Medisol", "Onboarding Co"]


# --- invitations: a partner admin acts on its own partner's only ----------------


def invitation_row(pk: int) -> dict:
    return Invitation.objects.filter(pk=pk).values("revoked_at", "token_hash", "sent_at", "expires_at").get()


def test_a_partner_admin_cannot_revoke_or_resend_a_competitors_invitation(
    alpha, alpha_client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    created = api(alpha_client, cast["sam"]).post(
        "/api/invitations/", {"email": "new@medisol.test", "role": "partner_member", "partner": cast["medisol"].pk},
        content_type="application/json",
    )  # fmt: skip
    pk = created.json()["id"]
    before, trail = invitation_row(pk), audit_actions()
    clara_api = api(alpha_client, cast["clara"])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        revoke_page = signed_in(alpha, cast["clara"]).post(f"/accounts/team/invitations/{pk}/revoke/")
        resend_page = signed_in(alpha, cast["clara"]).post(f"/accounts/team/invitations/{pk}/resend/")
        revoke_api = clara_api.post(f"/api/invitations/{pk}/revoke/")
        resend_api = clara_api.post(f"/api/invitations/{pk}/resend/")

    assert created.status_code == 201
    # The pages and the API look the invitation up among those Clara may see: not found.
    assert (revoke_page.status_code, resend_page.status_code) == (404, 404)
    assert (revoke_api.status_code, revoke_api.json()) == (404, {"detail": "Not found."})
    assert resend_api.status_code == 404
    # Behind the lookup, the services refuse on their own too.
    invitation = Invitation.objects.get(pk=pk)
    for service in (accounts_services.invitation_revoke, accounts_services.invitation_resend):
        with pytest.raises(NotAllowed) as refused:
            service(actor=cast["clara"], invitation=invitation)
        assert refused.value.message == "You can invite colleagues into your own organisation only."
    assert invitation_row(pk) == before
    assert Invitation.objects.get(pk=pk).state == "pending"
    assert audit_actions() == trail
    assert (callbacks, mailoutbox) == ([], [])


def test_a_manager_cannot_see_or_touch_staff_invitations(alpha, alpha_client, cast):
    staff = api(alpha_client, cast["admin"]).post(
        "/api/invitations/", {"email": "new-reviewer@alpha.test", "role": "reviewer"}, content_type="application/json"
    )
    partner = api(alpha_client, cast["manager"]).post(
        "/api/invitations/", {"email": "new@finamed.test", "role": "partner_member", "partner": cast["finamed"].pk},
        content_type="application/json",
    )  # fmt: skip
    pk = staff.json()["id"]
    before, trail = invitation_row(pk), audit_actions()

    listing = alpha_client.get("/api/invitations/")
    detail = alpha_client.get(f"/api/invitations/{pk}/")
    revoke_api = alpha_client.post(f"/api/invitations/{pk}/revoke/")
    resend_api = alpha_client.post(f"/api/invitations/{pk}/resend/")
    revoke_page = signed_in(alpha, cast["manager"]).post(f"/accounts/team/invitations/{pk}/revoke/")
    resend_page = signed_in(alpha, cast["manager"]).post(f"/accounts/team/invitations/{pk}/resend/")

    assert (staff.status_code, partner.status_code) == (201, 201)
    assert [i["email"] for i in listing.json()["results"]] == ["new@finamed.test"]
    assert (detail.status_code, revoke_api.status_code, resend_api.status_code) == (404, 404, 404)
    assert (revoke_page.status_code, resend_page.status_code) == (404, 404)
    invitation = Invitation.objects.get(pk=pk)
    for service in (accounts_services.invitation_revoke, accounts_services.invitation_resend):
        with pytest.raises(NotAllowed) as refused:
            service(actor=cast["manager"], invitation=invitation)
        assert refused.value.message == "Your role does not allow this."
    assert invitation_row(pk) == before
    assert audit_actions() == trail


# --- the directory's agreement filter -------------------------------------------


@pytest.fixture
def agreements_in_every_state(alpha_client, cast):
    """Partners whose agreements are expired, expiring or valid, on either side
    of each boundary; the three partners of the cast have none."""
    today = timezone.localdate()
    days = dt.timedelta
    long_ago = today - days(days=400)
    ends = {
        "Lapsed": [today - days(days=1)],
        "Ends today": [today],
        "Ends in 30 days": [today + days(days=30)],
        "Ends in 31 days": [today + days(days=31)],
        "Open-ended": [None],
        "Renewed": [today - days(days=100), today + days(days=365)],
    }
    client = api(alpha_client, cast["manager"])
    for name, expiries in ends.items():
        partner = PartnerFactory(name=name)
        for n, expires_on in enumerate(expiries):
            body = {"partner": partner.pk, "kind": "supply", "reference": f"{name}-{n}", "signed_on": str(long_ago)}
            if expires_on is not None:
                body["expires_on"] = str(expires_on)
            assert client.post("/api/agreements/", body, content_type="application/json").status_code == 201
    return client


AGREEMENT_STATES = [
    ("valid", ["Ends in 31 days", "Open-ended", "Renewed"]),
    ("expiring", ["Ends in 30 days", "Ends today"]),
    ("expired", ["Lapsed"]),
    ("none", ["Carevia", "Finamed", "Medisol"]),
]


@pytest.mark.parametrize(("state", "names"), AGREEMENT_STATES, ids=[state for state, _names in AGREEMENT_STATES])
def test_the_agreement_filter_returns_exactly_the_partners_in_that_state(
    alpha, cast, agreements_in_every_state, state, names
):
    listing = agreements_in_every_state.get(f"/api/partners/?agreement={state}&sort=name")
    page = signed_in(alpha, cast["reviewer"]).get(f"/partners/?agreement={state}&sort=name")

    assert listing.status_code == 200
    assert [(p["name"], p["agreement_state"]) for p in listing.json()["results"]] == [(n, state) for n in names]
    assert page.status_code == 200
    assert [p.name for p in page.context["page"].object_list] == names


# --- the CSV import is all or nothing, outside a test transaction too ------------

REFUSE_UPDATE = """
CREATE FUNCTION refuse_partner_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name = 'Refused by the database' THEN
        RAISE EXCEPTION 'partner update refused by the test trigger';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER refuse_partner_update BEFORE UPDATE ON partners_partner
    FOR EACH ROW EXECUTE FUNCTION refuse_partner_update();
"""


def test_an_import_failing_midway_through_its_writes_leaves_nothing(tenants, committed):
    """Autocommit, as in production: the default rolled-back test transaction
    would hide a missing `transaction.atomic`. (A `transaction=True` test would
    flush the public schema afterwards, the session tenants with it.)"""
    alpha = tenants["alpha"]

    def cleanup():
        connection.set_tenant(alpha)
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS refuse_partner_update ON partners_partner")
            cursor.execute("DROP FUNCTION IF EXISTS refuse_partner_update()")
        Partner.objects.filter(external_id__startswith="ATOM-").delete()
        Token.objects.filter(user=admin_of(alpha)).delete()

    committed(cleanup)
    connection.set_tenant(alpha)
    Partner.objects.create(name="Atom Existing", role="supplier", external_id="ATOM-1")
    with connection.cursor() as cursor:
        cursor.execute(REFUSE_UPDATE)
    token = Token.objects.create(user=admin_of(alpha))
    trail = audit_actions()
    # Line 2 creates a partner, line 3 updates one: the database refuses the update.
    upload = SimpleUploadedFile(
        "p.csv", b"external_id,name,role\nATOM-2,Atom New,supplier\nATOM-1,Refused by the database,supplier\n"
    )
    client = Client(HTTP_HOST="alpha.localhost", HTTP_AUTHORIZATION=f"Token {token.key}")

    with pytest.raises(DatabaseError, match="partner update refused by the test trigger"):
        client.post("/api/partners/import/", {"file": upload})

    connection.set_tenant(alpha)
    assert list(Partner.objects.filter(external_id__startswith="ATOM-").values_list("external_id", "name")) == [
        ("ATOM-1", "Atom Existing")
    ]
    assert audit_actions() == trail
