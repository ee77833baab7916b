"""The tenant's settings: one row, one page for admins, read everywhere through a cache."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ecosystem.core.errors import FieldErrors, NotAllowed
from ecosystem.core.models import AuditEvent, TenantSettings
from ecosystem.core.selectors import tenant_settings
from ecosystem.core.services import tenant_settings_update
from partners.models import Agreement
from tests.conftest import admin_of, login, make_user
from tests.partners.conftest import PartnerFactory

VALID = {
    "invitation_ttl_days": "10",
    "agreement_expiring_days": "45",
    "currency": "CHF",
    "coopetition_threshold": "4",
    "appeal_window_days": "21",
}


def test_an_admin_changes_the_settings_and_every_reader_sees_them_at_once(alpha, alpha_client, alpha_admin):
    assert tenant_settings().coopetition_threshold == 3  # the default, cached now
    client = login(alpha_client, alpha, alpha_admin)

    page = client.get("/settings/")
    response = client.post("/settings/", VALID)

    assert page.status_code == 200 and b"Ecosystem settings" in page.content
    assert response.status_code == 302 and response["Location"] == "/settings/"
    stored = TenantSettings.objects.get()
    assert (stored.invitation_ttl_days, stored.agreement_expiring_days, stored.currency) == (10, 45, "CHF")
    assert (stored.coopetition_threshold, stored.appeal_window_days) == (4, 21)
    assert tenant_settings().coopetition_threshold == 4
    event = AuditEvent.objects.get(action="settings.updated")
    assert event.before == {
        "invitation_ttl_days": 7, "agreement_expiring_days": 30, "currency": "EUR",
        "coopetition_threshold": 3, "appeal_window_days": 30,
    }  # fmt: skip
    assert event.after == {
        "invitation_ttl_days": 10, "agreement_expiring_days": 45, "currency": "CHF",
        "coopetition_threshold": 4, "appeal_window_days": 21,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("invitation_ttl_days", "0", "Ensure this value is greater than or equal to 1."),
        ("invitation_ttl_days", "91", "Ensure this value is less than or equal to 90."),
        ("coopetition_threshold", "1", "Ensure this value is greater than or equal to 2."),
        ("currency", "XXX", "Select a valid choice. XXX is not one of the available choices."),
        ("appeal_window_days", "soon", "Enter a whole number."),
    ],
)
def test_bad_settings_are_refused_under_their_field_and_nothing_changes(
    alpha, alpha_client, alpha_admin, field, value, message
):
    client = login(alpha_client, alpha, alpha_admin)

    response = client.post("/settings/", {**VALID, field: value})

    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not TenantSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="settings.updated").exists()


@pytest.mark.parametrize("role", ["manager", "reviewer", "partner_admin"])
def test_only_admins_open_or_change_the_settings(alpha, alpha_client, role):
    partner = PartnerFactory() if role == "partner_admin" else None
    client = login(alpha_client, alpha, make_user(alpha, role, partner=partner))

    page = client.get("/settings/")
    post = client.post("/settings/", VALID)

    assert (page.status_code, post.status_code) == (403, 403)
    assert not TenantSettings.objects.exists()


def test_another_tenants_admin_is_sent_to_sign_in(alpha, beta, beta_client):
    client = login(beta_client, beta, admin_of(beta))

    response = client.get("/settings/", HTTP_HOST="alpha.localhost")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_service_refuses_unknown_settings_and_non_admins(alpha, alpha_admin):
    manager = make_user(alpha, "manager")

    with pytest.raises(FieldErrors) as unknown:
        tenant_settings_update(actor=alpha_admin, data={"theme": "dark"})
    with pytest.raises(NotAllowed):
        tenant_settings_update(actor=manager, data={"currency": "USD"})

    assert unknown.value.errors == {"theme": ["This setting does not exist."]}
    assert not TenantSettings.objects.exists()


def test_the_database_keeps_one_row_and_the_ranges(alpha):
    TenantSettings.objects.create()

    with pytest.raises(IntegrityError), transaction.atomic():
        TenantSettings.objects.create(id=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        TenantSettings.objects.filter(pk=1).update(coopetition_threshold=1)

    assert TenantSettings.objects.count() == 1


def test_the_expiring_window_decides_which_agreements_are_expiring(alpha, alpha_admin):
    partner = PartnerFactory()
    agreement = Agreement.objects.create(
        partner=partner, kind="nda", reference="N-1", signed_on=timezone.localdate() - dt.timedelta(days=10),
        expires_on=timezone.localdate() + dt.timedelta(days=40),
    )  # fmt: skip

    before = agreement.state
    tenant_settings_update(actor=alpha_admin, data={"agreement_expiring_days": 60})

    assert (before, agreement.state) == ("valid", "expiring")
