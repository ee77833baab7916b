"""Forms render the pages and shape input; the rules are in services/validation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ecosystem.core.roles import PARTNER_USERS, Role

from .models import Agreement, ParticipantRole, Partner, Tier
from .validation import MAX_REASON_LENGTH, REASON_REQUIRED

StrOrPromise = str | Promise


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=ParticipantRole.choices)
    tier = forms.ModelChoiceField(label=_("Tier"), queryset=Tier.objects.all(), required=False)
    country = forms.CharField(label=_("Country"), max_length=2, required=False, help_text=_("ISO code, e.g. FR"))
    website = forms.CharField(label=_("Website"), required=False)
    tags = forms.CharField(label=_("Sectors and tags"), required=False, help_text=_("Separated by commas"))
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    external_id = forms.CharField(label=_("External id (CRM)"), required=False)
    contact_email = forms.CharField(label=_("Contact email"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False)
    notes = forms.CharField(label=_("Internal notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    competitors = forms.MultipleChoiceField(
        label=_("Competitors"), required=False, help_text=_("Competitors never see each other's figures.")
    )

    def __init__(self, *args, competitor_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competitors"].choices = competitor_choices

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["tier"] = data["tier"].pk if data.get("tier") else None
        return data


class PartnerProfileForm(forms.Form):
    """What a partner admin may change on its own organisation."""

    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    website = forms.CharField(label=_("Website"), required=False)
    country = forms.CharField(label=_("Country"), max_length=2, required=False, help_text=_("ISO code, e.g. FR"))
    tags = forms.CharField(label=_("Sectors and tags"), required=False, help_text=_("Separated by commas"))
    contact_email = forms.CharField(label=_("Contact email"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False)


class LifecycleForm(forms.Form):
    """One lifecycle action of the partner page (`services.LIFECYCLE_ACTIONS`), with
    the fields that action needs. Its ids carry the action's name, so that the
    page's several forms never share an id."""

    explanation: StrOrPromise = ""
    submit_label: StrOrPromise = ""
    done: StrOrPromise = ""  # the message once done, with %(name)s
    danger = False

    def __init__(self, action: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, auto_id=f"{action}-%s", **kwargs)
        self.action = action


def _reason_field(label: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": 2}), max_length=MAX_REASON_LENGTH,
        error_messages={"required": REASON_REQUIRED},
    )  # fmt: skip


class ActivateForm(LifecycleForm):
    explanation = _("Activating lets the partner take full part in the ecosystem.")
    submit_label = _("Activate")
    done = _("%(name)s is now active.")


class ReactivateForm(LifecycleForm):
    """`activate`, from suspended."""

    explanation = _("Reactivating lets its users sign in again; their old sessions and API tokens stay ended.")
    submit_label = _("Reactivate")
    done = _("%(name)s is active again.")


class SuspendForm(LifecycleForm):
    explanation = _("Suspending signs its users out at once; they cannot sign in until it is reactivated.")
    submit_label = _("Suspend")
    done = _("%(name)s is now suspended.")
    danger = True
    reason = _reason_field(_("Reason for the suspension"))


class ExitForm(LifecycleForm):
    explanation = _("An exit is for good: its users lose access and its page becomes read-only.")
    submit_label = _("Exit the ecosystem")
    done = _("%(name)s has left the ecosystem.")
    danger = True
    reason = _reason_field(_("Reason for the exit"))
    confirm = forms.BooleanField(
        label=_("I confirm that this partner leaves the ecosystem for good."),
        error_messages={"required": _("Tick the box to confirm the exit.")},
    )


# One form per name of `services.LIFECYCLE_ACTIONS`.
LIFECYCLE_FORMS: dict[str, type[LifecycleForm]] = {"activate": ActivateForm, "suspend": SuspendForm, "exit": ExitForm}


def lifecycle_form(action: str, *, partner: Partner, data: Any = None) -> LifecycleForm:
    """The form of one lifecycle action for `partner` (bound when `data` is given)."""
    if action == "activate" and partner.status == Partner.Status.SUSPENDED:
        return ReactivateForm(action, data)
    return LIFECYCLE_FORMS[action](action, data)


class AgreementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Agreement.Kind.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100)
    signed_on = forms.DateField(label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    document = forms.FileField(label=_("Document (PDF, PNG, JPEG, DOCX; 10 MB)"), required=False)


PARTNER_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in PARTNER_USERS]


class PartnerInvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=PARTNER_ROLE_CHOICES, initial=Role.PARTNER_MEMBER)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class TierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class EcosystemProfileForm(forms.Form):
    mission = forms.CharField(
        label=_("Mission of the ecosystem"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for role in ParticipantRole:
            self.fields[f"offers_{role.value}"] = forms.CharField(
                label=_("%(role)s: what the ecosystem offers") % {"role": role.label},
                widget=forms.Textarea(attrs={"rows": 2}), required=False,
            )  # fmt: skip
            self.fields[f"expects_{role.value}"] = forms.CharField(
                label=_("%(role)s: what the ecosystem expects") % {"role": role.label},
                widget=forms.Textarea(attrs={"rows": 2}), required=False,
            )  # fmt: skip

    def propositions(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {r.value: (data[f"offers_{r.value}"], data[f"expects_{r.value}"]) for r in ParticipantRole}
