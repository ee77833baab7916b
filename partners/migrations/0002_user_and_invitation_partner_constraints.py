from django.db import migrations

# accounts.User.partner and accounts.Invitation.partner are declared without a
# database constraint because accounts is also migrated in the public schema,
# which has no partners table. This migration (partners: tenant schemas only)
# adds the constraints where both tables exist.
FORWARD = """
ALTER TABLE accounts_user ADD CONSTRAINT accounts_user_partner_fk
    FOREIGN KEY (partner_id) REFERENCES partners_partner (id) DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX accounts_user_partner_idx ON accounts_user (partner_id);
ALTER TABLE accounts_invitation ADD CONSTRAINT accounts_invitation_partner_fk
    FOREIGN KEY (partner_id) REFERENCES partners_partner (id) DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX accounts_invitation_partner_idx ON accounts_invitation (partner_id);
"""
BACKWARD = """
ALTER TABLE accounts_user DROP CONSTRAINT IF EXISTS accounts_user_partner_fk;
DROP INDEX IF EXISTS accounts_user_partner_idx;
ALTER TABLE accounts_invitation DROP CONSTRAINT IF EXISTS accounts_invitation_partner_fk;
DROP INDEX IF EXISTS accounts_invitation_partner_idx;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
        ("accounts", "0002_invitation_partner_user_partner"),
    ]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
