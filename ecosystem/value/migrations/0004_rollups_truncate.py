"""A TRUNCATE fires no row or DELETE trigger: without this, roll-ups would outlive the contributions or
shares it removed. After a TRUNCATE of either table, every month the roll-ups hold is noted for a rebuild
(which finds what is left: nothing, or the contributions without their shares)."""

from django.db import migrations

GRAINS = ["rolluppartner", "rollupkind", "rollupcount", "rolluppair", "rollupgame", "rollupgamepartner"]

FORWARD = """
CREATE OR REPLACE FUNCTION value_rollups_truncated() RETURNS trigger AS $$
DECLARE
    s text := quote_ident(TG_TABLE_SCHEMA);
BEGIN
    EXECUTE format('INSERT INTO %%s.value_rollupdirty (month) %s', s%s);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER value_rollups_contribution_truncate AFTER TRUNCATE ON missions_contribution
    FOR EACH STATEMENT EXECUTE FUNCTION value_rollups_truncated();
CREATE TRIGGER value_rollups_share_truncate AFTER TRUNCATE ON missions_share
    FOR EACH STATEMENT EXECUTE FUNCTION value_rollups_truncated();
""" % (
    " UNION ".join(f"SELECT month FROM %s.value_{grain}" for grain in GRAINS),
    ", s" * len(GRAINS),
)

BACKWARD = """
DROP TRIGGER IF EXISTS value_rollups_contribution_truncate ON missions_contribution;
DROP TRIGGER IF EXISTS value_rollups_share_truncate ON missions_share;
DROP FUNCTION IF EXISTS value_rollups_truncated();
"""


class Migration(migrations.Migration):
    dependencies = [("value", "0003_report_row_monthly")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
