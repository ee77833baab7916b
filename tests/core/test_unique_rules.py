"""Unique constraints declared with `unique_rule`: one answer, from the check or from the database."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ecosystem.accounts.models import Invitation
from ecosystem.core.api import api_exception_handler
from ecosystem.core.errors import FieldErrors, unique_rules, unique_violations
from partners.models import Partner


def test_every_declared_rule_names_a_constraint_or_unique_index_of_a_tenant_schema(alpha):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint JOIN pg_namespace ON pg_namespace.oid = connamespace"
            " WHERE nspname = %s UNION SELECT indexname FROM pg_indexes WHERE schemaname = %s",
            [alpha.schema_name, alpha.schema_name],
        )
        names = {row[0] for row in cursor.fetchall()}

    declared = {rule.constraint for rule in unique_rules()}
    assert declared == {
        "accounts_user_email_key", "invitation_open_unique", "partners_partner_external_id_key",
        "tier_name_unique_ci", "tier_rank_unique", "participation_once_per_mission",
        "missions_contribution_external_id_key", "rulebook_number_once", "rule_name_once_per_book",
        "decision_once_per_partner", "governance_appeal_decision_id_key",
    }  # fmt: skip
    assert declared <= names


def refused(write) -> IntegrityError:
    """The IntegrityError the database raises for `write` (rolled back to a savepoint)."""
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        write()
    return error.value


def test_a_declared_violation_becomes_its_rule_error_in_a_service_and_in_the_api(alpha):
    Partner.objects.create(name="First", role="supplier", external_id="SAME")
    duplicate = refused(lambda: Partner.objects.create(name="Second", role="supplier", external_id="SAME"))

    with pytest.raises(FieldErrors) as in_service, transaction.atomic(), unique_violations():
        Partner.objects.create(name="Second", role="supplier", external_id="SAME")
    answer = api_exception_handler(duplicate, {})

    assert in_service.value.errors == {"external_id": ["Another partner has this external id."]}
    assert (answer.status_code, answer.data) == (400, {"external_id": ["Another partner has this external id."]})


def test_an_undeclared_violation_stays_an_integrity_error(alpha):
    expires = timezone.now() + timedelta(days=1)
    Invitation.objects.create(email="a@x.test", role="manager", token_hash="same", expires_at=expires)

    def again():
        Invitation.objects.create(email="b@x.test", role="manager", token_hash="same", expires_at=expires)

    with pytest.raises(IntegrityError), transaction.atomic(), unique_violations():
        again()
    assert api_exception_handler(refused(again), {}) is None


MIGRATION = importlib.import_module("ecosystem.accounts.migrations.0004_invitation_open_unique")


def test_the_migration_revokes_duplicate_open_invitations_before_building_the_index(alpha):
    """Rows as they could be before the constraint; the test's transaction rolls the DDL back."""
    constraint = next(c for c in Invitation._meta.constraints if c.name == "invitation_open_unique")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Invitation, constraint)
    now = timezone.now()
    medisol = Partner.objects.create(name="Medisol", role="supplier")

    def invitation(email, *, days, partner=None, **fields):
        return Invitation.objects.create(
            email=email, role="partner_member" if partner else "manager", partner=partner,
            token_hash=f"{email}-{days}-{partner and partner.pk}", expires_at=now + timedelta(days=days), **fields,
        )  # fmt: skip

    shorter = invitation("dup@x.test", days=2)
    longer = invitation("DUP@x.test", days=5)
    expired = invitation("dup@x.test", days=-1)
    in_a_partner = invitation("dup@x.test", days=1, partner=medisol)
    accepted = invitation("dup@x.test", days=3, accepted_at=now)
    alone = invitation("alone@x.test", days=1)

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks before CREATE INDEX
        cursor.execute(MIGRATION.REVOKE_DUPLICATES)
    with connection.schema_editor() as editor:
        editor.add_constraint(Invitation, constraint)

    revoked = set(Invitation.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True))
    assert revoked == {shorter.pk, expired.pk}
    assert {longer.pk, in_a_partner.pk, accepted.pk, alone.pk}.isdisjoint(revoked)
