import pytest
from django.db import DatabaseError, connection, transaction

from ecosystem.core.audit import audit_record
from ecosystem.core.models import AuditEvent


def test_audit_record_keeps_who_what_which_object_before_after_ip_and_when(alpha, alpha_admin):
    event = audit_record(
        actor=alpha_admin, action="user.role_changed", target=alpha_admin,
        before={"role": "manager"}, after={"role": "admin"}, ip="203.0.113.9",
    )  # fmt: skip

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_label, stored.action) == (
        alpha_admin.pk,
        "admin@alpha.test",
        "user.role_changed",
    )
    assert (stored.object_type, stored.object_id, stored.object_repr) == (
        "accounts.user",
        str(alpha_admin.pk),
        "admin@alpha.test",
    )
    assert (stored.before, stored.after, stored.ip) == ({"role": "manager"}, {"role": "admin"}, "203.0.113.9")
    assert stored.created_at is not None


def test_the_database_refuses_to_update_or_delete_audit_events(alpha, alpha_admin):
    event = audit_record(actor=alpha_admin, action="x.done")

    for statement in (
        "UPDATE core_auditevent SET action = 'forged'",
        "DELETE FROM core_auditevent",
    ):
        with (
            pytest.raises(DatabaseError, match="audit events are append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)

    assert AuditEvent.objects.get(pk=event.pk).action == "x.done"


def test_the_model_refuses_to_save_twice_or_delete(alpha, alpha_admin):
    event = audit_record(actor=alpha_admin, action="x.done")

    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()


def test_nothing_is_written_on_the_public_schema(db, tenants):
    connection.set_schema_to_public()

    assert audit_record(actor=None, action="auth.login_failed") is None


def test_the_trail_of_one_tenant_is_not_visible_from_another(alpha, alpha_admin, beta):
    audit_record(actor=alpha_admin, action="alpha.secret")
    connection.set_tenant(beta)

    assert not AuditEvent.objects.filter(action="alpha.secret").exists()
