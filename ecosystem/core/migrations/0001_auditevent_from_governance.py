"""The audit trail moves from governance to core (the bottom layer).

The table, its rows and its append-only trigger stay; only names change.
Runs after governance created the table, in every tenant schema.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FORWARD = """
ALTER TABLE governance_auditevent RENAME TO core_auditevent;
ALTER SEQUENCE IF EXISTS governance_auditevent_id_seq RENAME TO core_auditevent_id_seq;
ALTER INDEX governance__object__d13f94_idx RENAME TO audit_object_idx;
ALTER TRIGGER governance_auditevent_append_only ON core_auditevent RENAME TO core_auditevent_append_only;
ALTER FUNCTION governance_auditevent_append_only() RENAME TO core_auditevent_append_only;
"""
BACKWARD = """
ALTER FUNCTION core_auditevent_append_only() RENAME TO governance_auditevent_append_only;
ALTER TRIGGER core_auditevent_append_only ON core_auditevent RENAME TO governance_auditevent_append_only;
ALTER INDEX audit_object_idx RENAME TO governance__object__d13f94_idx;
ALTER SEQUENCE IF EXISTS core_auditevent_id_seq RENAME TO governance_auditevent_id_seq;
ALTER TABLE core_auditevent RENAME TO governance_auditevent;
"""


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("governance", "0002_auditevent_append_only"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="when")),
                        ("actor_label", models.CharField(blank=True, max_length=254, verbose_name="who (as recorded)")),
                        ("action", models.CharField(db_index=True, max_length=80, verbose_name="what")),
                        ("object_type", models.CharField(blank=True, max_length=80, verbose_name="object type")),
                        ("object_id", models.CharField(blank=True, max_length=64, verbose_name="object id")),
                        ("object_repr", models.CharField(blank=True, max_length=200, verbose_name="object")),
                        ("before", models.JSONField(blank=True, null=True, verbose_name="before")),
                        ("after", models.JSONField(blank=True, null=True, verbose_name="after")),
                        ("ip", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address")),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="who",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "audit event",
                        "verbose_name_plural": "audit events",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")],
                    },
                ),
            ],
        ),
    ]
