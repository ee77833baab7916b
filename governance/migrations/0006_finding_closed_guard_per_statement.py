# A closed review's findings stay read-only (0005), now checked once a statement
# over the rows it wrote rather than once a row: a review stores tens of
# thousands of findings in one INSERT ... SELECT, and the row trigger's
# lookup of the review for each of them was most of the review's time.
# Transition tables may be named by one event's trigger only, hence three.

from django.db import migrations

FORWARD = """
DROP TRIGGER IF EXISTS governance_finding_closed ON governance_finding;
CREATE FUNCTION governance_finding_closed_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    closed bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT r.id INTO closed FROM governance_review r
        WHERE r.closed_at IS NOT NULL AND r.id IN (SELECT DISTINCT review_id FROM new_rows) LIMIT 1;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT r.id INTO closed FROM governance_review r
        WHERE r.closed_at IS NOT NULL AND r.id IN (SELECT DISTINCT review_id FROM old_rows) LIMIT 1;
    ELSE
        SELECT r.id INTO closed FROM governance_review r
        WHERE r.closed_at IS NOT NULL AND r.id IN (
            SELECT review_id FROM old_rows UNION SELECT review_id FROM new_rows
        ) LIMIT 1;
    END IF;
    IF closed IS NOT NULL THEN
        RAISE EXCEPTION 'governance review % is closed (% on % refused)', closed, TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'P0001', HINT = 'review_closed';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER governance_finding_closed_insert AFTER INSERT ON governance_finding
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_finding_closed_guard();
CREATE TRIGGER governance_finding_closed_update AFTER UPDATE ON governance_finding
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION governance_finding_closed_guard();
CREATE TRIGGER governance_finding_closed_delete AFTER DELETE ON governance_finding
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_finding_closed_guard();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS governance_finding_closed_insert ON governance_finding;
DROP TRIGGER IF EXISTS governance_finding_closed_update ON governance_finding;
DROP TRIGGER IF EXISTS governance_finding_closed_delete ON governance_finding;
DROP FUNCTION IF EXISTS governance_finding_closed_guard();
CREATE TRIGGER governance_finding_closed BEFORE INSERT OR UPDATE OR DELETE ON governance_finding
    FOR EACH ROW EXECUTE FUNCTION governance_review_closed_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("governance", "0005_decisions_appeals")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
