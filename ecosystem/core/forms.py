from django import forms

from .models import TENANT_SETTING_FIELDS, TenantSettings


class TenantSettingsForm(forms.ModelForm):
    """Shapes the settings page; the rules (ranges, choices) are the model's, checked by the service."""

    class Meta:
        model = TenantSettings
        fields = list(TENANT_SETTING_FIELDS)
