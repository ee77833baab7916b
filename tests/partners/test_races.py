"""Unique values asked for by many requests at once.

Every request runs in a thread of its own with its own database connection,
against a tenant whose rows are committed (`race_tenant`), as in production:
the default rolled-back test transaction would hide the race. Whatever the
timing, exactly one request wins and every other gets the answer a request
arriving afterwards gets: never a 500.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from ecosystem.accounts.models import Invitation, User
from ecosystem.accounts.services import invitation_create
from partners.models import Partner, Tier
from tests.conftest import PASSWORD, host, in_parallel, make_user

pytestmark = pytest.mark.django_db(transaction=True)

AT_ONCE = 20


def caller(tenant, user):
    """A function making a fresh API client (one per thread) authenticated as `user`."""
    token, _ = Token.objects.get_or_create(user=user)

    def new_client() -> Client:
        return Client(
            HTTP_HOST=host(tenant.slug), HTTP_AUTHORIZATION=f"Token {token.key}", raise_request_exception=False
        )

    return new_client


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_partners_created_at_once_with_one_external_id_make_one_partner(race):
    client = caller(race, make_user(race, "admin"))
    external_id = unique("RACE")

    def create(i: int):
        body = {"name": f"Racer {i}", "role": "supplier", "external_id": external_id}
        return client().post("/api/partners/", body, content_type="application/json")

    answers = in_parallel(AT_ONCE, create)
    afterwards = create(AT_ONCE)

    assert afterwards.status_code == 400
    assert afterwards.json() == {"external_id": ["Another partner has this external id."]}
    assert sorted(a.status_code for a in answers) == [201] + [400] * (AT_ONCE - 1)
    assert all(a.json() == afterwards.json() for a in answers if a.status_code != 201)
    connection.set_tenant(race)
    assert Partner.objects.filter(external_id=external_id).count() == 1


def test_partners_given_one_external_id_at_once_keep_it_on_one_of_them(race):
    client = caller(race, make_user(race, "admin"))
    partners = [Partner.objects.create(name=unique("Patched"), role="supplier") for _ in range(AT_ONCE + 1)]
    external_id = unique("PATCH")

    def patch(i: int):
        body = {"external_id": external_id}
        return client().patch(f"/api/partners/{partners[i].pk}/", body, content_type="application/json")

    answers = in_parallel(AT_ONCE, patch)
    afterwards = patch(AT_ONCE)

    assert afterwards.status_code == 400
    assert afterwards.json() == {"external_id": ["Another partner has this external id."]}
    assert sorted(a.status_code for a in answers) == [200] + [400] * (AT_ONCE - 1)
    assert all(a.json() == afterwards.json() for a in answers if a.status_code != 200)
    connection.set_tenant(race)
    assert Partner.objects.filter(external_id=external_id).count() == 1


def test_tiers_created_at_once_without_a_rank_each_get_their_own(race):
    client = caller(race, make_user(race, "admin"))
    names = [unique("Tier") for _ in range(AT_ONCE)]

    answers = in_parallel(
        AT_ONCE, lambda i: client().post("/api/tiers/", {"name": names[i]}, content_type="application/json")
    )

    assert [a.status_code for a in answers] == [201] * AT_ONCE
    connection.set_tenant(race)
    ranks = sorted(Tier.objects.filter(name__in=names).values_list("rank", flat=True))
    assert len(set(ranks)) == AT_ONCE
    assert ranks == list(range(ranks[0], ranks[0] + AT_ONCE))


def test_tiers_created_at_once_with_one_name_make_one_tier(race):
    client = caller(race, make_user(race, "admin"))
    name = unique("Gold")

    def create(i: int):
        # Letter case varies: the name is unique whatever its case.
        return client().post("/api/tiers/", {"name": name.upper() if i % 2 else name}, content_type="application/json")

    answers = in_parallel(AT_ONCE, create)
    afterwards = create(AT_ONCE)

    assert afterwards.status_code == 400
    assert afterwards.json() == {"name": ["A tier with this name exists already."]}
    assert sorted(a.status_code for a in answers) == [201] + [400] * (AT_ONCE - 1)
    assert all(a.json() == afterwards.json() for a in answers if a.status_code != 201)
    connection.set_tenant(race)
    assert Tier.objects.filter(name__iexact=name).count() == 1


def test_invitations_for_one_email_sent_at_once_make_one_invitation(race):
    admin = make_user(race, "admin")
    partner = Partner.objects.create(name=unique("Inviting"), role="supplier")
    client = caller(race, admin)
    email = f"{unique('invitee')}@race.test"

    def invite(i: int):
        # Into the staff and into a partner: one pending invitation in each.
        body = (
            {"email": email, "role": "manager"}
            if i % 2
            else {"email": email, "role": "partner_admin", "partner": partner.pk}
        )
        return client().post("/api/invitations/", body, content_type="application/json")

    answers = in_parallel(AT_ONCE, invite)
    afterwards = [invite(AT_ONCE), invite(AT_ONCE + 1)]

    assert [a.status_code for a in afterwards] == [400, 400]
    assert all(
        a.json() == {"email": ["This email already has a pending invitation: resend it instead."]} for a in afterwards
    )
    assert sorted(a.status_code for a in answers) == [201, 201] + [400] * (AT_ONCE - 2)
    assert all(a.json() == afterwards[0].json() for a in answers if a.status_code != 201)
    connection.set_tenant(race)
    assert sorted(Invitation.objects.filter(email=email).values_list("role", flat=True)) == [
        "manager",
        "partner_admin",
    ]


def test_invitations_of_one_person_accepted_at_once_make_one_account(race):
    admin = make_user(race, "admin")
    email = f"{unique('wanted')}@race.test"
    partners = [Partner.objects.create(name=unique("Wanting"), role="supplier") for _ in range(AT_ONCE)]
    # Several organisations may invite the same person; the first acceptance wins.
    tokens = [
        invitation_create(actor=admin, email=email, role="partner_member", partner=partner).token
        for partner in partners
    ]
    client = caller(race, admin)

    def accept(i: int):
        body = {"token": tokens[i], "password": PASSWORD}
        return client().post("/api/invitations/accept/", body, content_type="application/json")

    answers = in_parallel(AT_ONCE - 1, accept)
    afterwards = accept(AT_ONCE - 1)

    assert (afterwards.status_code, afterwards.json()) == (
        409, {"detail": "An account with this email already exists.", "code": "user_exists"},
    )  # fmt: skip
    assert sorted(a.status_code for a in answers) == [201] + [409] * (AT_ONCE - 2)
    assert all(a.json() == afterwards.json() for a in answers if a.status_code != 201)
    connection.set_tenant(race)
    assert User.objects.filter(email=email).count() == 1
    assert Invitation.objects.filter(email=email, accepted_at__isnull=False).count() == 1
