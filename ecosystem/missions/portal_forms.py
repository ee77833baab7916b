"""The partner portal's forms: they render the pages and shape the input; the rules are
`validation.clean_contribution`'s, applied by the services.

So the fields are text where a rule decides (a kind, an objective of this
mission, a date within the mission, co-contributors taking part): what the
user sent reaches the service, which says what is wrong with it, field by field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Contribution, Kind, Objective
from .validation import MAX_DESCRIPTION, MAX_REASON, MAX_URL

DOCUMENT_ACCEPT = ".pdf,.png,.jpg,.jpeg,.docx"


class AnyChoiceMultipleField(forms.MultipleChoiceField):
    """Offers its choices but lets any value through: the service decides who may be a co-contributor."""

    def valid_value(self, value: str) -> bool:
        return True


def _number(raw: str | None) -> str | None:
    # A French user types 12,5: the service reads numbers with a point.
    return raw.strip().replace(",", ".") if raw else raw


class ContributionForm(forms.Form):
    kind = forms.CharField(label=_("Kind"), widget=forms.Select(choices=[("", "—"), *Kind.choices]), required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=MAX_DESCRIPTION
    )
    value = forms.CharField(
        label=_("Value"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("In money; 0 for a contribution in kind or in impact only."),
    )  # fmt: skip
    quantity = forms.CharField(
        label=_("Quantity"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("In the unit of an objective measured in quantity."),
    )  # fmt: skip
    date = forms.CharField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    objective = forms.CharField(label=_("Objective"), required=False, widget=forms.Select())
    evidence_url = forms.CharField(
        label=_("Evidence link"), required=False, max_length=MAX_URL, widget=forms.URLInput()
    )
    evidence_file = forms.FileField(
        label=_("Evidence file"), required=False, widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
        help_text=_("PDF, PNG, JPEG or DOCX."),
    )  # fmt: skip
    contributors = AnyChoiceMultipleField(
        label=_("Co-contributors"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Other participants of the mission who made this contribution with you; each confirms its share."),
    )  # fmt: skip
    own_weight = forms.CharField(
        label=_("Our weight"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("With co-contributors, the weights add up to 1 (e.g. 0.6 and 0.4); all blank: an equal split."),
    )  # fmt: skip

    def __init__(
        self,
        *args: Any,
        partner_id: int,
        objectives: list[Objective],
        co_contributors: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.partner_id = partner_id
        self.fields["objective"].widget.choices = [
            ("", _("None")),
            *((str(o.pk), o.title) for o in objectives if o.metric != Objective.Metric.MANUAL),
        ]
        self.fields["contributors"].choices = [(str(pk), name) for pk, name in co_contributors]
        if not co_contributors:
            # Nobody else visible to share with (alone, or a coopetition mission): a solo contribution.
            del self.fields["contributors"], self.fields["own_weight"]
        for pk, name in co_contributors:
            self.fields[f"weight_{pk}"] = forms.CharField(
                label=_("Weight of %(partner)s") % {"partner": name}, required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )  # fmt: skip

    @classmethod
    def initial_of(cls, contribution: Contribution, shares: list[tuple[int, Any]]) -> dict[str, Any]:
        """The form's initial values for editing `contribution`, whose shares are (partner id, weight)."""
        initial: dict[str, Any] = {
            "kind": contribution.kind, "description": contribution.description, "value": contribution.value,
            "quantity": contribution.quantity, "date": contribution.date.isoformat(),
            "objective": contribution.objective_id or "", "evidence_url": contribution.evidence_url,
            "contributors": [str(p) for p, _w in shares if p != contribution.partner_id],
        }  # fmt: skip
        if len(shares) > 1:
            for partner, weight in shares:
                initial["own_weight" if partner == contribution.partner_id else f"weight_{partner}"] = weight
        return initial

    def service_data(self) -> dict[str, Any]:
        """What `services.contribution_declare` / `contribution_update` take (never a partner: the user's own)."""
        data = self.cleaned_data
        result = {
            "kind": data["kind"], "description": data["description"], "value": _number(data["value"]),
            "quantity": _number(data["quantity"]), "date": data["date"], "objective": data["objective"],
            "evidence_url": data["evidence_url"],
        }  # fmt: skip
        chosen = [raw for raw in data.get("contributors") or [] if str(raw) != str(self.partner_id)]
        if chosen:
            result["contributors"] = [
                {"partner": self.partner_id, "weight": _number(data.get("own_weight") or "")},
                *({"partner": raw, "weight": _number(self.data.get(f"weight_{raw}") or "")} for raw in chosen),
            ]
        else:
            result["contributors"] = None  # the user's organisation alone
        return result


class ReasonForm(forms.Form):
    """A reason (optional unless the service requires it), for declining or leaving; give each
    form of a page its own `auto_id` (e.g. "leave-%s") so that no two share an id."""

    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 2})
    )
