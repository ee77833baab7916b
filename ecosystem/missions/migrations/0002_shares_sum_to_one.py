from django.db import migrations

# The services check that a contribution's weights add up to exactly 1; the
# database keeps it too, whoever writes (a bug, a script, a bulk insert).
# Deferred to the commit: a service replaces a contribution's shares (delete,
# then insert) within one transaction. The function and the triggers live in
# each tenant's schema; unqualified names resolve through its search_path.
FORWARD = """
CREATE OR REPLACE FUNCTION missions_shares_sum_to_one() RETURNS trigger AS $$
DECLARE
    cid bigint;
    total numeric;
BEGIN
    IF TG_TABLE_NAME = 'missions_contribution' THEN
        cid := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        cid := OLD.contribution_id;
    ELSE
        cid := NEW.contribution_id;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM missions_contribution WHERE id = cid) THEN
        RETURN NULL;  -- the contribution went with its shares
    END IF;
    SELECT sum(weight) INTO total FROM missions_share WHERE contribution_id = cid;
    IF total IS DISTINCT FROM 1 THEN
        RAISE EXCEPTION 'the shares of contribution % add up to %, not 1', cid, coalesce(total, 0)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contribution_shares_sum_to_one';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER missions_share_sum_to_one
    AFTER INSERT OR UPDATE OR DELETE ON missions_share
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION missions_shares_sum_to_one();
CREATE CONSTRAINT TRIGGER missions_contribution_has_shares
    AFTER INSERT ON missions_contribution
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION missions_shares_sum_to_one();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS missions_share_sum_to_one ON missions_share;
DROP TRIGGER IF EXISTS missions_contribution_has_shares ON missions_contribution;
DROP FUNCTION IF EXISTS missions_shares_sum_to_one();
"""


class Migration(migrations.Migration):
    dependencies = [("missions", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
