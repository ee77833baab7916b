"""The rule book's forms: the kind of a new rule, then a rule of that kind (its parameters' fields, one per
parameter; the minimum per tier as one field per tier). They render the page and shape input; the rules of
each kind's parameters are `services.clean_rule`'s, whose messages go next to the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ecosystem.core.errors import FieldErrors
from partners.models import ParticipantRole

from .models import Rule
from .services import MAX_NAME, PARAMETERS

KIND_HELP = {
    Rule.Kind.MIN_CONTRIBUTION: _("A partner's validated value over the review period reaches a threshold."),
    Rule.Kind.MAX_SHARE: _("No partner holds more than a share of the ecosystem's validated value."),
    Rule.Kind.AGREEMENT_VALID: _("A partner has a valid agreement; a warning when it expires soon."),
    Rule.Kind.RECENT_ACTIVITY: _("At least one validated contribution in the last days of the period."),
    Rule.Kind.COMMITMENT_MET: _("The numeric mission commitments are reached by the end of the period."),
    Rule.Kind.PENDING_CONFIRMATIONS: _("No share of a joint contribution is left unconfirmed for too long."),
}

# kind -> parameter -> (label, help text); the parameters are `services.PARAMETERS`' (per_tier aside).
PARAM_FIELDS: dict[str, dict[str, tuple[Any, Any]]] = {
    Rule.Kind.MIN_CONTRIBUTION: {
        "min_value": (_("Minimum validated value"), _("Over the review period; a number, 0 or more.")),
    },
    Rule.Kind.MAX_SHARE: {
        "max_percent": (_("Maximum share (%)"), _("Of the ecosystem's validated value; between 0 and 100.")),
    },
    Rule.Kind.AGREEMENT_VALID: {
        "warn_days": (_("Warn this many days before the agreement expires"), _("A whole number of days.")),
    },
    Rule.Kind.RECENT_ACTIVITY: {
        "days": (_("Days before the period end"), _("A validated contribution must fall within them.")),
    },
    Rule.Kind.COMMITMENT_MET: {},
    Rule.Kind.PENDING_CONFIRMATIONS: {
        "days": (_("Days a share may stay unconfirmed"), _("A whole number of days.")),
    },
}
assert {kind: set(fields) for kind, fields in PARAM_FIELDS.items()} == {
    kind: set(params) - {"per_tier"} for kind, params in PARAMETERS.items()
}
TIER_PREFIX = "per_tier_"


class KindForm(forms.Form):
    """The first step of adding a rule (GET): which kind."""

    kind = forms.ChoiceField(
        label=_("Kind of rule"), widget=forms.RadioSelect,
        choices=[(kind, format_lazy("{} — {}", label, KIND_HELP[kind])) for kind, label in Rule.Kind.choices],
        error_messages={"required": _("Choose a kind of rule."),
                        "invalid_choice": _("Choose one of the kinds of rule listed.")},
    )  # fmt: skip


class RuleForm(forms.Form):
    """A rule of one kind. `kind` is None for a kind nobody knows (a tampered form): the page then asks for it
    again, keeping what was typed."""

    name = forms.CharField(label=_("Name"), required=False, max_length=MAX_NAME, strip=True)
    severity = forms.ChoiceField(
        label=_("Severity"), widget=forms.RadioSelect, choices=Rule.Severity.choices, initial=Rule.Severity.FAIL,
        help_text=_("A failure counts against the partner; a warning only tells."),
        error_messages={"required": _("Choose warn or fail.")},
    )  # fmt: skip
    roles = forms.MultipleChoiceField(
        label=_("Partner roles it applies to"), required=False, choices=ParticipantRole.choices,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: every role."),
    )  # fmt: skip
    tiers = forms.TypedMultipleChoiceField(
        label=_("Tiers it applies to"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every tier."),
    )  # fmt: skip

    def __init__(self, *args: Any, kind: str | None, tiers: list[tuple[int, str]] = (), with_kind: bool = False,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["tiers"].choices = list(tiers)
        if with_kind:  # adding: the kind travels with the form (hidden once known)
            self.fields["kind"] = forms.ChoiceField(
                label=_("Kind of rule"), choices=[("", _("Choose…")), *Rule.Kind.choices],
                widget=forms.HiddenInput if kind else forms.Select,
            )  # fmt: skip
            self.order_fields(["kind"])
        for name, (label, help_text) in PARAM_FIELDS.get(kind or "", {}).items():
            numeric = "numeric" if name.endswith("days") else "decimal"
            self.fields[name] = forms.CharField(
                label=label, help_text=help_text, required=False, max_length=40, strip=True,
                widget=forms.TextInput(attrs={"inputmode": numeric, "autocomplete": "off"}),
            )  # fmt: skip
        if kind == Rule.Kind.MIN_CONTRIBUTION:
            for pk, tier in tiers:
                self.fields[f"{TIER_PREFIX}{pk}"] = forms.CharField(
                    label=_("Minimum for the tier %(tier)s") % {"tier": tier}, required=False, max_length=40,
                    strip=True, help_text=_("Optional: replaces the minimum for this tier's partners."),
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                )  # fmt: skip
        self.order_fields(["kind", "name", *PARAM_FIELDS.get(kind or "", {}), "severity", "roles", "tiers"])

    @staticmethod
    def initial_for(rule: Rule) -> dict[str, Any]:
        """The fields' values from a rule of the rule book."""
        initial: dict[str, Any] = {"name": rule.name, "severity": rule.severity, "roles": rule.roles,
                                   "tiers": rule.tiers}  # fmt: skip
        for name, value in rule.params.items():
            if name == "per_tier":
                initial.update({f"{TIER_PREFIX}{pk}": amount for pk, amount in value.items()})
            else:
                initial[name] = value
        return initial

    def service_data(self) -> dict[str, Any]:
        """What the services take: the kind's parameters typed (empty ones left out: the services say which
        are required), the minimum per tier gathered into one object."""
        data = self.cleaned_data
        params = {name: data[name] for name in PARAM_FIELDS.get(self.kind or "", {}) if data.get(name)}
        per_tier = {name[len(TIER_PREFIX) :]: value for name, value in data.items()
                    if name.startswith(TIER_PREFIX) and value}  # fmt: skip
        if per_tier:
            params["per_tier"] = per_tier
        service = {"name": data["name"], "severity": data["severity"], "params": params,
                   "roles": data["roles"], "tiers": data["tiers"]}  # fmt: skip
        if "kind" in self.fields:
            service["kind"] = self.kind
        return service

    def add_service_errors(self, error: FieldErrors) -> None:
        """The services' errors next to their fields (`params.min_value` -> `min_value`); the others (a minimum
        per tier, an unknown parameter) in the summary."""
        for key, messages in error.errors.items():
            field = key.removeprefix("params.")
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
