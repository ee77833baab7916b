"""The read rules and role checks at the bottom of every page and endpoint, each on its edge cases."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from ecosystem.accounts.models import Invitation, User
from ecosystem.accounts.selectors import invitations_visible_to, users_managed_by
from ecosystem.core.errors import NotAllowed
from ecosystem.core.roles import STAFF, has_role, require_role
from ecosystem.core.selectors import SETTINGS_CACHE_KEY, tenant_settings
from partners.models import Agreement, Tier
from partners.selectors import IdFilter, agreements_visible_to, partners_visible_to, tiers_visible_to
from tests.conftest import admin_of, make_user
from tests.partners.conftest import PartnerFactory, api


def test_has_role_needs_a_signed_in_active_user_with_one_of_the_roles(alpha):
    manager = make_user(alpha, "manager")
    inactive = make_user(alpha, "admin", is_active=False)

    assert has_role(manager, STAFF)
    assert not has_role(manager, ("admin",))
    assert not has_role(inactive, STAFF)
    assert not has_role(AnonymousUser(), STAFF)
    assert not has_role(None, STAFF)
    assert not has_role(object(), STAFF)  # no is_authenticated at all: refused, not an error


def test_require_role_refuses_with_the_default_or_the_given_message(alpha):
    reviewer = make_user(alpha, "reviewer")

    with pytest.raises(NotAllowed) as default:
        require_role(reviewer, ("admin",))
    with pytest.raises(NotAllowed) as custom:
        require_role(reviewer, ("admin",), "Only an administrator can do this.")
    require_role(reviewer, ("reviewer",))  # allowed: no error

    assert default.value.message == "Your role does not allow this."
    assert custom.value.message == "Only an administrator can do this."


@pytest.mark.parametrize("role", ["", "partner_admin", "partner_member"])
def test_a_user_without_staff_role_or_partner_sees_no_partner_agreement_or_invitation(alpha, role):
    """A user whose role is blank, or a partner user whose partner is missing, sees nothing (fails closed)."""
    partner = PartnerFactory()
    Agreement.objects.create(partner=partner, kind="nda", reference="N", signed_on="2026-01-01")
    Invitation.objects.create(
        email="x@y.test", role="partner_member", partner=partner, token_hash="h", expires_at="2099-01-01T00:00Z"
    )
    orphan = make_user(alpha, role, partner=None)

    assert list(partners_visible_to(orphan)) == []
    assert list(agreements_visible_to(orphan)) == []
    assert list(invitations_visible_to(orphan)) == []
    assert list(tiers_visible_to(orphan)) == []


def test_a_partner_member_sees_no_invitation_and_a_roleless_user_with_a_partner_sees_nothing(alpha):
    partner = PartnerFactory()
    Agreement.objects.create(partner=partner, kind="nda", reference="N", signed_on="2026-01-01")
    Invitation.objects.create(
        email="x@y.test", role="partner_member", partner=partner, token_hash="h", expires_at="2099-01-01T00:00Z"
    )
    member = make_user(alpha, "partner_member", partner=partner)
    roleless = make_user(alpha, "", partner=partner)

    assert list(invitations_visible_to(member)) == []
    assert len(agreements_visible_to(member)) == 1
    assert list(agreements_visible_to(roleless)) == []
    assert list(partners_visible_to(roleless)) == []
    assert list(invitations_visible_to(roleless)) == []


def test_only_admins_manage_users_and_only_staff_see_tiers(alpha):
    Tier.objects.create(name="Gold", rank=1)
    partner = PartnerFactory()
    manager, member = make_user(alpha, "manager"), make_user(alpha, "partner_member", partner=partner)

    assert set(users_managed_by(admin_of(alpha))) == set(User.objects.all())
    assert list(users_managed_by(manager)) == []
    assert [t.name for t in tiers_visible_to(manager)] == ["Gold"]
    assert list(tiers_visible_to(member)) == []


def test_a_partner_user_cannot_export_the_directory_though_it_may_list_partners(alpha, alpha_client):
    """The export action declares its own roles (staff), narrower than the viewset's GET (everyone)."""
    partner = PartnerFactory()
    member = make_user(alpha, "partner_member", partner=partner)
    client = api(alpha_client, member)

    assert client.get("/api/partners/").status_code == 200
    assert client.get("/api/partners/export/").status_code == 403


def test_tenant_settings_are_read_once_then_served_from_the_cache(alpha, django_assert_num_queries):
    first = tenant_settings()

    with django_assert_num_queries(0):
        again = tenant_settings()

    assert cache.get(SETTINGS_CACHE_KEY).currency == first.currency == again.currency == "EUR"


def test_an_id_in_a_query_string_is_a_positive_integer_that_fits_the_column():
    field = IdFilter(field_name="partner_id").field

    assert (field.min_value, field.max_value) == (1, 2**63 - 1)
    assert field.clean("42") == 42


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "Ensure this value is greater than or equal to 1."),
        ("9223372036854775808", "Ensure this value is less than or equal to 9223372036854775807."),
        ("x", "Give a partner id."),
    ],
)
def test_agreement_partner_filter_refuses_ids_that_cannot_exist(alpha, alpha_client, value, message):
    response = api(alpha_client, admin_of(alpha)).get(f"/api/agreements/?partner={value}")

    assert response.status_code == 400 and response.json() == {"partner": [message]}
