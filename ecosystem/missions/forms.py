"""Forms of the staff's mission pages: they render the pages and shape input; the rules are in services/validation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Contribution, Kind, Mission, Objective, Participation
from .validation import MAX_COMMITMENT, MAX_DESCRIPTION, MAX_NOTE, MAX_PURPOSE, MAX_REASON, MAX_TITLE, MAX_UNIT


def _day(label, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


def _number(label, *, required: bool = False, help_text: str = "") -> forms.CharField:
    # A text field: the service parses the number and says what is wrong with it.
    return forms.CharField(
        label=label, required=required, help_text=help_text, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )


def _reason(label, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 2})
    )


class MissionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    purpose = forms.CharField(
        label=_("Purpose"), required=False, max_length=MAX_PURPOSE, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Its reason for being, in one paragraph."),
    )  # fmt: skip
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    start = _day(_("Start"))
    end = _day(_("End"))
    confidentiality = forms.ChoiceField(label=_("Confidentiality"), choices=Mission.Confidentiality.choices)

    def __init__(self, *args: Any, owner_choices: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Me")), *list(owner_choices)]

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class MoveForm(forms.Form):
    to = forms.ChoiceField(choices=Mission.Status.choices)


class ObjectiveForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    metric = forms.ChoiceField(label=_("Metric"), choices=Objective.Metric.choices)
    kind = forms.ChoiceField(
        label=_("Contribution kind"), required=False, choices=[("", _("Every kind")), *Kind.choices],
        help_text=_("Only contributions of this kind count toward the objective."),
    )  # fmt: skip
    target = _number(_("Target"), required=True)
    unit = forms.CharField(
        label=_("Unit"), required=False, max_length=MAX_UNIT, help_text=_("e.g. clinics, tCO₂e, learners")
    )
    due = _day(_("Due"))


class MeasurementForm(forms.Form):
    value = _number(_("Value"), required=True)
    measured_on = _day(_("Measured on"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_NOTE)

    def __init__(self, *args: Any, objective: Objective, **kwargs: Any) -> None:
        # Each manual objective has its measurement form on the mission page: ids of its own.
        super().__init__(*args, auto_id=f"measure-{objective.pk}-%s", **kwargs)
        self.objective = objective


class CommitmentForm(forms.Form):
    """A participant's role and commitment (numeric when toward one objective, with a target)."""

    role = forms.ChoiceField(label=_("Role in the mission"), choices=Participation.Role.choices)
    commitment = forms.CharField(
        label=_("Commitment"), required=False, max_length=MAX_COMMITMENT, widget=forms.Textarea(attrs={"rows": 2})
    )
    commitment_objective = forms.ChoiceField(label=_("Objective of the commitment"), required=False)
    commitment_target = _number(
        _("Commitment target"), help_text=_("In the objective's metric; leave empty for a commitment in words.")
    )

    def __init__(self, *args: Any, objectives: list[Objective] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commitment_objective"].choices = [("", _("None"))] + [(str(o.pk), o.title) for o in objectives]


class InviteForm(CommitmentForm):
    partner = forms.ChoiceField(label=_("Partner"))
    field_order = ["partner", "role", "commitment", "commitment_objective", "commitment_target"]

    def __init__(self, *args: Any, partner_choices: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", "—"), *list(partner_choices)]


class AnswerForm(forms.Form):
    """Staff record a partner's answer to an invitation on its behalf."""

    answer = forms.ChoiceField(
        label=_("The partner's answer"),
        choices=[("accept", _("Accept")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = _reason(_("Reason for declining"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="answer-%s", **kwargs)


class LeaveForm(forms.Form):
    reason = _reason(_("Reason for leaving"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="leave-%s", **kwargs)


class ContributionForm(forms.Form):
    """Staff declare (or change) a contribution for a participant, alone or with co-contributors.

    Co-contributors are the `contributors` checkboxes; each partner's weight is
    the `weight_<partner id>` field (all empty: an equal split)."""

    partner = forms.ChoiceField(label=_("Declared for"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 3})
    )
    value = _number(_("Value"), help_text=_("In money; 0 for a contribution without a money value."))
    quantity = _number(_("Quantity"), help_text=_("Only toward an objective measured in quantity."))
    date = _day(_("Date"))
    objective = forms.ChoiceField(label=_("Objective"), required=False)
    evidence_url = forms.CharField(label=_("Evidence link"), required=False, max_length=500)
    evidence_file = forms.FileField(label=_("Evidence file (PDF, PNG, JPEG, DOCX; 10 MB)"), required=False)
    contributors = forms.MultipleChoiceField(
        label=_("Co-contributors"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        participants: list[tuple[int, str]] = (),
        objectives: list[Objective] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.participants = list(participants)
        choices = [(str(pk), name) for pk, name in self.participants]
        self.fields["partner"].choices = [("", "—"), *choices]
        self.fields["contributors"].choices = choices
        self.fields["objective"].choices = [("", _("None"))] + [
            (str(o.pk), o.title) for o in objectives if o.metric != Objective.Metric.MANUAL
        ]
        for pk, name in self.participants:
            self.fields[f"weight_{pk}"] = forms.CharField(
                label=_("Weight of %(partner)s") % {"partner": name}, required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8}),
            )  # fmt: skip

    def main_fields(self) -> list[forms.BoundField]:
        """The fields shown as a plain form (the co-contributors get a table of their own)."""
        return [f for f in self.visible_fields() if f.name != "contributors" and not f.name.startswith("weight_")]

    def contributor_rows(self) -> list[dict[str, Any]]:
        chosen = set(self["contributors"].value() or [])
        return [
            {"pk": pk, "name": name, "checked": str(pk) in chosen, "weight": self[f"weight_{pk}"]}
            for pk, name in self.participants
        ]

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "evidence_file" and not k.startswith("weight_")}
        declarer = data.get("partner") or ""
        others = [p for p in data.pop("contributors", []) if p != declarer]
        if others:
            data["contributors"] = [
                {"partner": p, "weight": self.cleaned_data.get(f"weight_{p}") or None} for p in [declarer, *others]
            ]
        else:
            data["contributors"] = None
        return data


def contribution_initial(contribution: Contribution) -> dict[str, Any]:
    shares = list(contribution.shares.all())
    initial: dict[str, Any] = {
        "partner": str(contribution.partner_id), "kind": contribution.kind,
        "description": contribution.description, "value": contribution.value,
        "quantity": contribution.quantity if contribution.quantity is not None else "",
        "date": contribution.date, "objective": contribution.objective_id or "",
        "evidence_url": contribution.evidence_url,
        "contributors": [str(s.partner_id) for s in shares if s.partner_id != contribution.partner_id],
    }  # fmt: skip
    if len(shares) > 1:
        for share in shares:
            initial[f"weight_{share.partner_id}"] = share.weight.normalize()
    return initial


class RejectForm(forms.Form):
    reason = _reason(_("Reason for the rejection"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="reject-%s", **kwargs)


class CorrectionForm(forms.Form):
    """A correction adjusts a validated contribution: the difference, negative to lower it."""

    value = _number(_("Value adjustment"), help_text=_("Negative to lower the validated value."))
    quantity = _number(_("Quantity adjustment"))
    date = _day(_("Date"), required=False)
    description = forms.CharField(
        label=_("What the correction is for"), max_length=MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_url = forms.CharField(label=_("Evidence link"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="correct-%s", **kwargs)


class QueueActionForm(forms.Form):
    """The validation queue's buttons: on the ticked contributions, or on every one matching the filter."""

    action = forms.ChoiceField(
        choices=[("validate", "validate"), ("reject", "reject"), ("validate_all", "validate_all"),
                 ("reject_all", "reject_all")],
    )  # fmt: skip
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    reason = forms.CharField(label=_("Reason for rejecting"), required=False, max_length=MAX_REASON)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="queue-%s", **kwargs)
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        # Any id is acceptable here; the contributions are then looked up inside this mission's queue.
        self.fields["ids"].choices = [(v, v) for v in raw if str(v).isdigit()]
