from django.db import migrations


def ttl_to_tenant_settings(apps, schema_editor):
    """The invitation link lifetime moves from the ecosystem profile to the tenant's settings."""
    profile = apps.get_model("partners", "EcosystemProfile").objects.first()
    if profile is not None:
        apps.get_model("core", "TenantSettings").objects.update_or_create(
            pk=1, defaults={"invitation_ttl_days": max(1, min(90, profile.invitation_ttl_days))}
        )


def ttl_back_to_profile(apps, schema_editor):
    found = apps.get_model("core", "TenantSettings").objects.filter(pk=1).first()
    if found is not None:
        apps.get_model("partners", "EcosystemProfile").objects.update(invitation_ttl_days=found.invitation_ttl_days)


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0003_partner_agreement_horizon"),
        ("core", "0002_tenantsettings"),
    ]

    operations = [migrations.RunPython(ttl_to_tenant_settings, ttl_back_to_profile)]
