"""Details of the accounts rules the broader tests pass over: exact refusal
messages, the order of lists, the link's strength, the team page's cap."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ecosystem.accounts import selectors, services
from ecosystem.accounts.models import Invitation, User
from ecosystem.core.errors import NotAllowed
from tests.conftest import make_user


def test_only_an_administrator_manages_the_team_and_is_told_so(alpha, alpha_admin):
    manager = make_user(alpha, "manager")
    reviewer = make_user(alpha, "reviewer")

    for action in (
        lambda: services.user_change_role(actor=manager, user=reviewer, role="admin"),
        lambda: services.user_deactivate(actor=manager, user=reviewer),
        lambda: services.user_reactivate(actor=manager, user=reviewer),
    ):
        with pytest.raises(NotAllowed) as refused:
            action()
        assert str(refused.value) == "Only an administrator can manage the team."

    assert User.objects.get(pk=reviewer.pk).role == "reviewer"
    assert User.objects.get(pk=reviewer.pk).is_active


def test_an_invitation_link_carries_256_random_bits(alpha, alpha_admin):
    issued = services.invitation_create(actor=alpha_admin, email="strong@alpha.test", role="manager")

    assert len(issued.token) == 43  # 32 bytes, URL-safe base64 without padding


def test_staff_are_listed_active_first_then_by_email(alpha, alpha_admin):
    make_user(alpha, "manager", email="b-gone@alpha.test", is_active=False)
    make_user(alpha, "reviewer", email="c@alpha.test")
    make_user(alpha, "manager", email="a-gone@alpha.test", is_active=False)
    make_user(alpha, "partner_member", email="aaa-partner@alpha.test")

    listed = [u.email for u in selectors.staff_members()]

    assert listed == ["admin@alpha.test", "c@alpha.test", "a-gone@alpha.test", "b-gone@alpha.test"]


def test_invitations_made_at_the_same_instant_are_listed_newest_first(alpha, alpha_admin):
    made = [
        Invitation.objects.create(
            email=f"same-{i}@alpha.test", role="manager", token_hash=f"same-{i}",
            expires_at=timezone.now() + timedelta(days=1), invited_by=alpha_admin,
        )
        for i in range(3)
    ]  # fmt: skip
    Invitation.objects.update(created_at=timezone.now())

    assert list(selectors.invitations_visible_to(alpha_admin)) == made[::-1]


def test_the_team_page_shows_the_newest_200_staff_invitations(alpha, alpha_admin):
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(
            email=f"many-{i}@alpha.test", role="reviewer", token_hash=f"many-{i}", expires_at=now + timedelta(days=1)
        )
        for i in range(selectors.STAFF_INVITATIONS_SHOWN + 1)
    )

    shown = list(selectors.staff_invitations_open_first(alpha_admin))

    assert selectors.STAFF_INVITATIONS_SHOWN == 200
    assert len(shown) == 200


def test_invitations_read_their_inviter_in_the_same_query(alpha, alpha_admin, django_assert_num_queries):
    for i in range(3):
        services.invitation_create(actor=alpha_admin, email=f"by-{i}@alpha.test", role="reviewer")

    with django_assert_num_queries(1):
        inviters = {i.invited_by.email for i in selectors.invitations_visible_to(alpha_admin)}

    assert inviters == {"admin@alpha.test"}
