from django.db import migrations


class Migration(migrations.Migration):
    """The audit trail now belongs to core (its table was renamed there)."""

    dependencies = [("governance", "0002_auditevent_append_only"), ("core", "0001_auditevent_from_governance")]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[migrations.DeleteModel("AuditEvent")])
    ]
