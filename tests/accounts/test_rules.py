"""The token backend's rules: each test goes red when its rule is deleted."""

import pytest
from rest_framework.authtoken.models import Token

from ecosystem.accounts.models import User
from partners.models import Partner
from tests.conftest import make_user
from tests.partners.conftest import PartnerFactory


def test_the_token_of_a_deactivated_user_is_refused(alpha, alpha_client):
    manager = make_user(alpha, "manager")
    token = Token.objects.create(user=manager)
    # Deactivated without its tokens being deleted: the backend refuses on its own.
    User.objects.filter(pk=manager.pk).update(is_active=False)

    response = alpha_client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}


@pytest.mark.parametrize("status", ["suspended", "exited"])
def test_the_token_of_a_user_of_a_suspended_or_exited_partner_is_refused(alpha, alpha_client, status):
    partner = PartnerFactory(name="Medisol", description="as it was")
    sam = make_user(alpha, "partner_admin", email="sam@medisol.test", partner=partner)
    token = Token.objects.create(user=sam)
    # The status changes without the partner's tokens being deleted: the backend refuses on its own.
    Partner.objects.filter(pk=partner.pk).update(status=status)
    alpha_client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"

    me = alpha_client.get("/api/me/")
    edit = alpha_client.patch(
        f"/api/partners/{partner.pk}/", {"description": "changed"}, content_type="application/json"
    )

    assert (me.status_code, me.json()) == (401, {"detail": "User inactive or deleted."})
    assert (edit.status_code, edit.json()) == (401, {"detail": "User inactive or deleted."})
    assert Partner.objects.get(pk=partner.pk).description == "as it was"
