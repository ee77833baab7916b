import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ecosystem.accounts.models import Invitation, User
from ecosystem.core.audit import audit_record, audit_record_many
from ecosystem.core.models import AuditEvent
from partners.models import Tier


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
    tier = Tier(pk=1, name="Gold", rank=1)
    connection.set_schema_to_public()

    assert audit_record(actor=None, action="auth.login_failed") is None
    assert audit_record_many(actor=None, events=[("tier.created", tier, None, None)]) == 0


def test_the_trail_of_one_tenant_is_not_visible_from_another(alpha, alpha_admin, beta):
    audit_record(actor=alpha_admin, action="alpha.secret")
    connection.set_tenant(beta)

    assert not AuditEvent.objects.filter(action="alpha.secret").exists()


def test_an_event_without_target_or_actor_keeps_empty_fields_and_the_given_label(alpha):
    event = audit_record(actor=None, actor_label="x@y.test", action="auth.login_failed", after={"email": "x@y.test"})

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_label) == (None, "x@y.test")
    assert (stored.object_type, stored.object_id, stored.object_repr, stored.ip) == ("", "", "", None)


def test_an_unsaved_actor_is_recorded_by_label_only(alpha):
    event = audit_record(actor=User(email="ghost@alpha.test"), action="x.done")

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_label) == (None, "ghost@alpha.test")


def test_many_events_are_written_at_once_with_who_what_and_where(alpha, alpha_admin):
    gold, silver = Tier.objects.create(name="Gold", rank=1), Tier.objects.create(name="Silver", rank=2)

    written = audit_record_many(
        actor=alpha_admin,
        events=[("tier.created", gold, None, {"name": "Gold"}), ("tier.updated", silver, {"rank": 3}, {"rank": 2})],
        ip="198.51.100.7",
    )

    rows = list(AuditEvent.objects.filter(action__startswith="tier.").order_by("id"))
    assert written == 2
    assert [(r.action, r.object_type, r.object_id, r.object_repr) for r in rows] == [
        ("tier.created", "partners.tier", str(gold.pk), "Gold"),
        ("tier.updated", "partners.tier", str(silver.pk), "Silver"),
    ]
    assert {(r.actor_id, r.actor_label, r.ip) for r in rows} == {(alpha_admin.pk, "admin@alpha.test", "198.51.100.7")}
    assert (rows[1].before, rows[1].after) == ({"rank": 3}, {"rank": 2})
    assert audit_record_many(actor=alpha_admin, events=[]) == 0


def test_a_long_object_name_is_cut_to_200_characters(alpha, alpha_admin):
    invitation = Invitation(email="p" * 240 + "@alpha.test", role="manager", expires_at=timezone.now())
    invitation.save()

    event = audit_record(actor=alpha_admin, action="invitation.created", target=invitation)

    assert len(str(invitation)) > 200
    assert AuditEvent.objects.get(pk=event.pk).object_repr == str(invitation)[:200]
