"""The rules of missions that PostgreSQL keeps itself, whoever writes."""

import pytest
from django.db import IntegrityError, connection, transaction

from ecosystem.missions.models import Contribution, Participation, Share

from .conftest import declare


def at_commit(sql: str, params=()) -> IntegrityError:
    """Runs `sql`, then checks the deferred constraints as the commit would."""
    with pytest.raises(IntegrityError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return error.value


def test_the_weights_of_a_contribution_add_up_to_one_in_the_database(world):
    contribution = declare(
        world["sam"],
        world["mission"],
        contributors=[{"partner": world["medisol"].pk}, {"partner": world["finamed"].pk}],
    )
    error = at_commit("UPDATE missions_share SET weight = 0.4 WHERE contribution_id = %s AND partner_id = %s",
                      [contribution.pk, world["finamed"].pk])  # fmt: skip
    assert error.__cause__.diag.constraint_name == "contribution_shares_sum_to_one"
    at_commit("DELETE FROM missions_share WHERE contribution_id = %s AND partner_id = %s",
              [contribution.pk, world["medisol"].pk])  # fmt: skip
    assert sorted(Share.objects.values_list("weight", flat=True)) == [0.5, 0.5]


def test_a_contribution_without_shares_is_refused_and_one_deleted_with_them_is_not(world):
    contribution = declare(world["sam"], world["mission"])
    at_commit(
        "INSERT INTO missions_contribution (mission_id, partner_id, kind, description, value, date, status,"
        " evidence_url, evidence_file, rejection_reason, created_at, updated_at)"
        " SELECT mission_id, partner_id, kind, '', value, date, status, '', '', '', now(), now()"
        " FROM missions_contribution WHERE id = %s",
        [contribution.pk],
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM missions_share WHERE contribution_id = %s", [contribution.pk])
        cursor.execute("DELETE FROM missions_contribution WHERE id = %s", [contribution.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # gone with its shares: nothing to add up
    assert not Contribution.objects.exists()


def test_one_participation_per_partner_and_mission(world):
    participation = Participation.objects.filter(mission=world["mission"]).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(mission=participation.mission, partner=participation.partner)


def test_negative_values_only_in_corrections(world):
    contribution = declare(world["sam"], world["mission"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.filter(pk=contribution.pk).update(value=-1)


def test_the_check_reads_the_tenants_tables_whatever_the_search_path_at_commit(world):
    """A command may leave `schema_context` before its transaction commits: the check still finds its rows."""
    good = declare(world["sam"], world["mission"], contributors=[{"partner": world["medisol"].pk},
                                                                 {"partner": world["finamed"].pk}])  # fmt: skip
    bad = declare(world["sam"], world["mission"], value="5.00")
    tenant = connection.tenant
    with connection.cursor() as cursor:
        cursor.execute("UPDATE missions_share SET weight = 0.5 WHERE contribution_id = %s", [bad.pk])
    connection.set_schema_to_public()
    try:
        with pytest.raises(IntegrityError) as error, connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        assert f"the shares of contribution {bad.pk} add up to 0.5" in str(error.value)
    finally:
        connection.set_tenant(tenant)
    assert good.pk != bad.pk
