from django.db import migrations

# The check of 0002 runs at commit, when the connection's search_path may
# point at another schema already (a command that leaves `schema_context`
# before its transaction commits): the function now reads the tables of the
# schema whose row fired it (TG_TABLE_SCHEMA), whatever the search_path.
FORWARD = """
CREATE OR REPLACE FUNCTION missions_shares_sum_to_one() RETURNS trigger AS $$
DECLARE
    cid bigint;
    total numeric;
    found boolean;
BEGIN
    IF TG_TABLE_NAME = 'missions_contribution' THEN
        cid := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        cid := OLD.contribution_id;
    ELSE
        cid := NEW.contribution_id;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.missions_contribution WHERE id = $1)', TG_TABLE_SCHEMA)
        INTO found USING cid;
    IF NOT found THEN
        RETURN NULL;  -- the contribution went with its shares
    END IF;
    EXECUTE format('SELECT sum(weight) FROM %I.missions_share WHERE contribution_id = $1', TG_TABLE_SCHEMA)
        INTO total USING cid;
    IF total IS DISTINCT FROM 1 THEN
        RAISE EXCEPTION 'the shares of contribution % add up to %, not 1', cid, coalesce(total, 0)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contribution_shares_sum_to_one';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("missions", "0002_shares_sum_to_one")]
    # Backward: 0002's function is put back by re-running 0002 forward; nothing to undo here.
    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
