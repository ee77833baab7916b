"""The missions API: missions, objectives, participations, contributions and the CRM batch.

Thin: shapes in, shapes out. Every rule is the services' (`services.py`,
`batch.py`), every wall the selectors' (`visible_to`), shared with the pages
and the portal. Numbers and dates are taken as the services parse them, so
an API caller reads the very messages a person reads in a form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from ecosystem.core.api import InputSerializer, TenantViewSet
from ecosystem.core.errors import FieldErrors
from ecosystem.core.roles import EVERYONE, MANAGERS, PARTNER_USERS, Role
from ecosystem.core.views import client_ip
from partners.selectors import partners_visible_to

from . import batch, selectors, services
from .models import Contribution, Kind, Measurement, Mission, Objective, Participation
from .validation import (
    MAX_COMMITMENT,
    MAX_CONTRIBUTORS,
    MAX_DESCRIPTION,
    MAX_EXTERNAL_ID,
    MAX_NOTE,
    MAX_PURPOSE,
    MAX_REASON,
    MAX_TITLE,
    MAX_UNIT,
    MAX_URL,
)

TIMESTAMP = serializers.DateTimeField()


def _decimal(number: Decimal | None) -> str | None:
    return None if number is None else str(number)


# --- input shapes ---------------------------------------------------------------
# Numbers and dates arrive as text or JSON numbers and are parsed by the services.


@extend_schema_field({"type": "string", "format": "decimal", "example": "1250.00"})
class NumberField(serializers.CharField):
    """A decimal as a string (or a JSON number): the service parses it and says what is wrong."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)


@extend_schema_field({"type": "string", "format": "date", "example": "2026-03-01"})
class DayField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)


def _choice(choices, **kwargs) -> serializers.Field:
    """A text field documented with its choices (the service names them when one is wrong)."""

    @extend_schema_field(serializers.ChoiceField(choices=choices))
    class Choice(serializers.CharField):
        pass

    return Choice(max_length=40, **kwargs)


def _text(limit: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=limit, **kwargs)


class BoundedList(serializers.ListField):
    """A list refused for its length before any of its items is checked."""

    def to_internal_value(self, data):
        if isinstance(data, list) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class ReasonInput(InputSerializer):
    reason = _text(MAX_REASON, default="")


class RequiredReasonInput(InputSerializer):
    reason = serializers.CharField(max_length=MAX_REASON)


# --- missions -------------------------------------------------------------------


class MissionSerializer(serializers.ModelSerializer):
    next_statuses = serializers.SerializerMethodField()

    class Meta:
        model = Mission
        fields = [
            "id", "title", "purpose", "owner", "status", "confidentiality", "start", "end", "next_statuses",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_next_statuses(self, mission: Mission) -> list[str]:
        return list(services.mission_next_statuses(mission))


class MissionInput(InputSerializer):
    title = _text(MAX_TITLE)
    purpose = _text(MAX_PURPOSE)
    owner = serializers.IntegerField(required=False, allow_null=True)
    start = DayField(required=False)
    end = DayField(required=False)
    confidentiality = _choice(Mission.Confidentiality.choices, required=False)
    # Moves the mission along its lifecycle (draft → open → active → completed → archived).
    status = _choice(Mission.Status.choices, required=False)


class MoveInput(InputSerializer):
    status = _choice(Mission.Status.choices)


class MissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Missions: staff see all; a partner's users the missions their organisation was invited into or takes part in."""

    model = Mission
    visible_to = selectors.missions_visible_to
    filterset_class = selectors.MissionFilter
    serializer_class = MissionSerializer
    roles = {"GET": EVERYONE, "POST": MANAGERS, "PUT": MANAGERS, "PATCH": MANAGERS}

    def _answer(self, mission: Mission, **kwargs) -> Response:
        return Response(MissionSerializer(mission).data, **kwargs)

    @extend_schema(request=MissionInput, responses={201: MissionSerializer})
    def create(self, request: Request) -> Response:
        data = MissionInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "status" in fields:
            raise FieldErrors({"status": [_("A new mission starts as a draft; move it afterwards.")]})
        mission = services.mission_create(actor=request.user, data=fields, ip=client_ip(request))
        return self._answer(mission, status=201)

    def _update(self, request: Request, *, partial: bool) -> Response:
        mission = self.get_object()
        data = MissionInput(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        to = fields.pop("status", None)
        mission = services.mission_edit(actor=request.user, mission=mission, data=fields, to=to, ip=client_ip(request))
        return self._answer(mission)

    @extend_schema(request=MissionInput, responses=MissionSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=False)

    @extend_schema(request=MissionInput, responses=MissionSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=True)

    @extend_schema(request=MoveInput, responses=MissionSerializer)
    @action(detail=True, methods=["post"], roles=MANAGERS)
    def move(self, request: Request, pk=None) -> Response:
        mission = self.get_object()
        data = MoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        mission = services.mission_move(
            actor=request.user, mission=mission, to=data.validated_data["status"], ip=client_ip(request)
        )
        return self._answer(mission)


# --- objectives -----------------------------------------------------------------


class ProgressSerializer(serializers.Serializer):
    achieved = serializers.CharField(allow_null=True, help_text="null: not enough participants to show")
    target = serializers.CharField()
    percent = serializers.IntegerField(allow_null=True)
    expected_percent = serializers.IntegerField()
    state = serializers.ChoiceField(choices=list(selectors.PROGRESS_STATES))
    contributors = serializers.IntegerField()


PLACES = Decimal("0.0001")


def progress_data(progress: selectors.Progress) -> dict[str, Any]:
    achieved = None if progress.achieved is None else str(progress.achieved.quantize(PLACES))
    return {
        "achieved": achieved, "target": str(progress.target), "percent": progress.percent,
        "expected_percent": progress.expected_percent, "state": progress.state,
        "contributors": progress.contributors,
    }  # fmt: skip


def objectives_with_progress_visible_to(user) -> Any:
    return selectors.objectives_with_progress(selectors.objectives_visible_to(user))


class ObjectiveSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Objective
        fields = ["id", "mission", "title", "metric", "kind", "target", "unit", "due", "progress"]
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, objective: Objective) -> dict[str, Any]:
        threshold = self.context["tenant_settings"].coopetition_threshold
        return progress_data(
            selectors.progress_of(objective, viewer=self.context["request"].user, threshold=threshold)
        )


class ObjectiveInput(InputSerializer):
    mission = serializers.IntegerField(required=False)
    title = _text(MAX_TITLE)
    metric = _choice(Objective.Metric.choices, required=False)
    kind = _choice(Kind.choices, required=False, allow_blank=True)
    target = NumberField(required=False)
    unit = _text(MAX_UNIT)
    due = DayField(required=False)


class MeasurementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Measurement
        fields = ["id", "objective", "value", "measured_on", "note", "recorded_by", "recorded_at"]
        read_only_fields = fields


class MeasurementInput(InputSerializer):
    value = NumberField()
    measured_on = DayField(required=False)
    note = _text(MAX_NOTE)


class ObjectiveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Objectives (key results) with their progress, computed for the whole page in one query."""

    model = Objective
    visible_to = objectives_with_progress_visible_to
    filterset_class = selectors.ObjectiveFilter
    serializer_class = ObjectiveSerializer
    roles = {"GET": EVERYONE, "POST": MANAGERS, "PUT": MANAGERS, "PATCH": MANAGERS, "DELETE": MANAGERS}

    def _answer(self, objective: Objective, **kwargs) -> Response:
        fresh = self.get_queryset().get(pk=objective.pk)
        return Response(ObjectiveSerializer(fresh, context=self.get_serializer_context()).data, **kwargs)

    @extend_schema(parameters=[OpenApiParameter("mission", int)])
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ObjectiveInput, responses={201: ObjectiveSerializer})
    def create(self, request: Request) -> Response:
        data = ObjectiveInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        mission = selectors.missions_visible_to(request.user).filter(pk=fields.pop("mission", None)).first()
        if mission is None:
            raise FieldErrors({"mission": [_("Choose a mission.")]})
        objective = services.objective_create(actor=request.user, mission=mission, data=fields, ip=client_ip(request))
        return self._answer(objective, status=201)

    def _update(self, request: Request, *, partial: bool) -> Response:
        objective = self.get_object()
        data = ObjectiveInput(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if fields.pop("mission", objective.mission_id) != objective.mission_id:
            raise FieldErrors({"mission": [_("An objective stays in its mission.")]})
        services.objective_update(actor=request.user, objective=objective, data=fields, ip=client_ip(request))
        return self._answer(objective)

    @extend_schema(request=ObjectiveInput, responses=ObjectiveSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=False)

    @extend_schema(request=ObjectiveInput, responses=ObjectiveSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=True)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.objective_delete(actor=request.user, objective=self.get_object(), ip=client_ip(request))
        return Response(status=204)

    @extend_schema(methods=["get"], request=None, responses=MeasurementSerializer(many=True))
    @extend_schema(methods=["post"], request=MeasurementInput, responses={201: MeasurementSerializer})
    @action(detail=True, methods=["get", "post"], roles={"GET": EVERYONE, "POST": MANAGERS})
    def measurements(self, request: Request, pk=None) -> Response:
        """The dated history of a `manual` objective (newest first); staff record a new value."""
        objective = self.get_object()
        if request.method == "POST":
            data = MeasurementInput(data=request.data)
            data.is_valid(raise_exception=True)
            measurement = services.measurement_record(
                actor=request.user, objective=objective, data=data.validated_data, ip=client_ip(request)
            )
            return Response(MeasurementSerializer(measurement).data, status=201)
        page = self.paginate_queryset(objective.measurements.order_by("-measured_on", "-id"))
        return self.get_paginated_response(MeasurementSerializer(page, many=True).data)


# --- participations ---------------------------------------------------------------


class ParticipationSerializer(serializers.ModelSerializer):
    commitment_progress = serializers.SerializerMethodField()
    frozen = serializers.SerializerMethodField()

    class Meta:
        model = Participation
        fields = [
            "id", "mission", "partner", "role", "state", "commitment", "commitment_objective", "commitment_target",
            "commitment_progress", "reason", "answered_on_behalf", "frozen", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer(allow_null=True))
    def get_commitment_progress(self, participation: Participation) -> dict[str, Any] | None:
        progress = selectors.commitment_progress(participation, participation.mission)
        return progress_data(progress) if progress is not None else None

    def get_frozen(self, participation: Participation) -> str:
        """Why the participant cannot contribute now ("" when it can)."""
        return services.participation_frozen_reason(participation.partner)


def participations_with_progress_visible_to(user) -> Any:
    return selectors.participations_with_commitment_progress(selectors.participations_visible_to(user))


class ParticipationInput(InputSerializer):
    mission = serializers.IntegerField(required=False)
    partner = serializers.IntegerField(required=False)
    role = _choice(Participation.Role.choices, required=False)
    commitment = _text(MAX_COMMITMENT)
    commitment_objective = serializers.IntegerField(required=False, allow_null=True)
    commitment_target = NumberField(required=False, allow_null=True, allow_blank=True)


class ParticipationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Who takes part in which mission, with what role and commitment. Staff invite; the partner's admin answers."""

    model = Participation
    visible_to = participations_with_progress_visible_to
    filterset_class = selectors.ParticipationFilter
    serializer_class = ParticipationSerializer
    roles = {"GET": EVERYONE, "POST": MANAGERS, "PUT": MANAGERS, "PATCH": MANAGERS}

    def _answer(self, participation: Participation, **kwargs) -> Response:
        return Response(ParticipationSerializer(self.get_queryset().get(pk=participation.pk)).data, **kwargs)

    @extend_schema(parameters=[OpenApiParameter("mission", int), OpenApiParameter("partner", int)])
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ParticipationInput, responses={201: ParticipationSerializer})
    def create(self, request: Request) -> Response:
        """Invite an active partner into a mission (its users are told by mail)."""
        data = ParticipationInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        errors: dict[str, list[str]] = {}
        mission = selectors.missions_visible_to(request.user).filter(pk=fields.pop("mission", None)).first()
        if mission is None:
            errors["mission"] = [_("Choose a mission.")]
        partner = partners_visible_to(request.user).filter(pk=fields.pop("partner", None)).first()
        if partner is None:
            errors["partner"] = [_("No such partner.")]
        if errors:
            raise FieldErrors(errors)
        participation = services.participation_invite(
            actor=request.user, mission=mission, partner=partner, data=fields, ip=client_ip(request)
        )
        return self._answer(participation, status=201)

    def _update(self, request: Request, *, partial: bool) -> Response:
        participation = self.get_object()
        data = ParticipationInput(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        moved = {
            name: [_("A participation stays with its mission and partner.")]
            for name in ("mission", "partner")
            if name in fields and fields.pop(name) != getattr(participation, f"{name}_id")
        }
        if moved:
            raise FieldErrors(moved)
        services.participation_update(
            actor=request.user, participation=participation, data=fields, ip=client_ip(request)
        )
        return self._answer(participation)

    @extend_schema(request=ParticipationInput, responses=ParticipationSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=False)

    @extend_schema(request=ParticipationInput, responses=ParticipationSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=True)

    def _answer_invitation(self, request: Request, *, accept: bool) -> Response:
        participation = self.get_object()
        reason = ReasonInput(data=request.data)
        reason.is_valid(raise_exception=True)
        participation = services.participation_answer(
            actor=request.user, participation=participation, accept=accept,
            reason=reason.validated_data["reason"], ip=client_ip(request),
        )  # fmt: skip
        return self._answer(participation)

    @extend_schema(request=None, responses=ParticipationSerializer)
    @action(detail=True, methods=["post"], roles=(*MANAGERS, Role.PARTNER_ADMIN))
    def accept(self, request: Request, pk=None) -> Response:
        """The partner's admin accepts (or staff record its answer on its behalf)."""
        return self._answer_invitation(request, accept=True)

    @extend_schema(request=ReasonInput, responses=ParticipationSerializer)
    @action(detail=True, methods=["post"], roles=(*MANAGERS, Role.PARTNER_ADMIN))
    def decline(self, request: Request, pk=None) -> Response:
        return self._answer_invitation(request, accept=False)

    @extend_schema(request=RequiredReasonInput, responses=ParticipationSerializer)
    @action(detail=True, methods=["post"], roles=(*MANAGERS, Role.PARTNER_ADMIN))
    def leave(self, request: Request, pk=None) -> Response:
        participation = self.get_object()
        reason = RequiredReasonInput(data=request.data)
        reason.is_valid(raise_exception=True)
        participation = services.participation_leave(
            actor=request.user, participation=participation, reason=reason.validated_data["reason"],
            ip=client_ip(request),
        )  # fmt: skip
        return self._answer(participation)


# --- contributions ----------------------------------------------------------------


class ContributorSerializer(serializers.Serializer):
    partner = serializers.IntegerField()
    weight = serializers.CharField()
    state = serializers.ChoiceField(choices=["pending", "confirmed", "declined"])


class ContributionSerializer(serializers.ModelSerializer):
    contributors = serializers.SerializerMethodField()
    evidence_url = serializers.CharField(read_only=True, help_text="A link to the evidence, or empty.")
    # Files are private: served by a view that applies the contribution's walls, never from MEDIA_URL.
    evidence_file = serializers.SerializerMethodField()

    class Meta:
        model = Contribution
        fields = [
            "id", "mission", "objective", "partner", "kind", "description", "value", "quantity", "date",
            "contributors", "status", "rejection_reason", "evidence_url", "evidence_file", "external_id",
            "corrects", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_evidence_file(self, contribution: Contribution) -> str | None:
        return reverse("missions:evidence", args=[contribution.pk]) if contribution.evidence_file else None

    @extend_schema_field(ContributorSerializer(many=True))
    def get_contributors(self, contribution: Contribution) -> list[dict[str, Any]]:
        return [
            {"partner": s.partner_id, "weight": str(s.weight), "state": s.state}
            for s in sorted(contribution.shares.all(), key=lambda s: s.pk)
        ]

    def to_representation(self, c: Contribution) -> dict[str, Any]:
        """Read straight off the row (a page of contributions is an integrator's busiest read);
        `test_the_fast_representation_is_drfs` keeps it equal to DRF's."""
        return {
            "id": c.pk, "mission": c.mission_id, "objective": c.objective_id, "partner": c.partner_id,
            "kind": c.kind, "description": c.description, "value": str(c.value), "quantity": _decimal(c.quantity),
            "date": c.date.isoformat(), "contributors": self.get_contributors(c), "status": c.status,
            "rejection_reason": c.rejection_reason, "evidence_url": c.evidence_url,
            "evidence_file": self.get_evidence_file(c), "external_id": c.external_id,
            "corrects": c.corrects_id, "created_at": TIMESTAMP.to_representation(c.created_at),
            "updated_at": TIMESTAMP.to_representation(c.updated_at),
        }  # fmt: skip


class ContributorInput(InputSerializer):
    partner = serializers.IntegerField()
    weight = NumberField(required=False, allow_null=True, allow_blank=True)


class ContributionInput(InputSerializer):
    mission = serializers.IntegerField(required=False)
    partner = serializers.IntegerField(required=False, help_text="Staff: the participant it is declared for.")
    kind = _choice(Kind.choices, required=False)
    description = _text(MAX_DESCRIPTION)
    value = NumberField(required=False)
    quantity = NumberField(required=False, allow_null=True, allow_blank=True)
    date = DayField(required=False)
    objective = serializers.IntegerField(required=False, allow_null=True)
    contributors = BoundedList(child=ContributorInput(), required=False, max_length=MAX_CONTRIBUTORS)
    evidence_url = _text(MAX_URL)
    external_id = _text(MAX_EXTERNAL_ID, allow_null=True)


class EvidenceInput(InputSerializer):
    file = serializers.FileField()


class CorrectionInput(InputSerializer):
    value = NumberField()
    quantity = NumberField(required=False, allow_null=True, allow_blank=True)
    date = DayField(required=False)
    description = _text(MAX_DESCRIPTION)
    evidence_url = _text(MAX_URL)
    external_id = _text(MAX_EXTERNAL_ID, allow_null=True)


MAX_SELECTED = 200


class ReviewManyInput(InputSerializer):
    decision = _choice([("validate", "validate"), ("reject", "reject")])
    ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, max_length=MAX_SELECTED,
        help_text="The contributions to review (a page's selection); without it, every contribution the query "
        "string's filters select (up to 10,000).",
    )  # fmt: skip
    reason = _text(MAX_REASON, help_text="Required to reject.")


class BatchItem(ContributionInput):
    mission = serializers.IntegerField()
    external_id = serializers.CharField(max_length=MAX_EXTERNAL_ID)


class BatchInput(InputSerializer):
    items = BatchItem(many=True, max_length=batch.MAX_ITEMS)


BATCH_RESULT = inline_serializer(
    "ContributionBatchResult",
    {
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "ids": serializers.ListField(child=serializers.IntegerField()),
    },
)
REVIEW_RESULT = inline_serializer(
    "ContributionReviewResult",
    {
        "done": serializers.ListField(child=serializers.IntegerField()),
        "skipped": serializers.DictField(child=serializers.CharField()),
    },
)
CONTRIBUTION_FILTERS = [
    OpenApiParameter("mission", int), OpenApiParameter("objective", int), OpenApiParameter("partner", int),
    OpenApiParameter("status", str, enum=Contribution.Status.values), OpenApiParameter("kind", str, enum=Kind.values),
    OpenApiParameter("date_from", str), OpenApiParameter("date_to", str), OpenApiParameter("external_id", str),
]  # fmt: skip


def contributions_with_shares_visible_to(user) -> Any:
    return selectors.contributions_visible_to(user).prefetch_related("shares")


class ContributionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Contributions: a partner's users see those their organisation has a share in (and, in an
    open mission, the others' validated ones); staff see all and validate or reject them."""

    model = Contribution
    visible_to = contributions_with_shares_visible_to
    filterset_class = selectors.ContributionFilter
    serializer_class = ContributionSerializer
    roles = {"GET": EVERYONE, "POST": EVERYONE, "PUT": EVERYONE, "PATCH": EVERYONE, "DELETE": EVERYONE}

    def _answer(self, contribution: Contribution, **kwargs) -> Response:
        fresh = self.get_queryset().get(pk=contribution.pk)
        return Response(ContributionSerializer(fresh).data, **kwargs)

    @extend_schema(parameters=CONTRIBUTION_FILTERS)
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ContributionInput, responses={201: ContributionSerializer})
    def create(self, request: Request) -> Response:
        """Declare a contribution: a partner's users for their own organisation, staff for any participant
        (`partner`). Joint with `contributors` (weights summing to 1, or none for an equal split)."""
        data = ContributionInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "partner" in fields and request.user.role in PARTNER_USERS and fields["partner"] != request.user.partner_id:
            raise FieldErrors({"partner": [_("You declare contributions for your own organisation only.")]})
        mission = selectors.missions_visible_to(request.user).filter(pk=fields.pop("mission", None)).first()
        if mission is None:
            raise FieldErrors({"mission": [_("Choose a mission you take part in.")]})
        contribution = services.contribution_declare(
            actor=request.user, mission=mission, data=fields, ip=client_ip(request)
        )
        return self._answer(contribution, status=201)

    def _update(self, request: Request) -> Response:
        contribution = self.get_object()
        data = ContributionInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if fields.pop("mission", contribution.mission_id) != contribution.mission_id:
            raise FieldErrors({"mission": [_("A contribution stays in its mission.")]})
        if "partner" in fields and request.user.role in PARTNER_USERS and fields["partner"] != request.user.partner_id:
            raise FieldErrors({"partner": [_("You declare contributions for your own organisation only.")]})
        services.contribution_update(actor=request.user, contribution=contribution, data=fields, ip=client_ip(request))
        return self._answer(contribution)

    @extend_schema(request=ContributionInput, responses=ContributionSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request)

    @extend_schema(request=ContributionInput, responses=ContributionSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.contribution_delete(actor=request.user, contribution=self.get_object(), ip=client_ip(request))
        return Response(status=204)

    def _act(self, request: Request, service, *, with_reason: bool = False) -> Response:
        """One contribution through one service, with the body's `reason` where it takes one."""
        contribution = self.get_object()
        extra = {}
        if with_reason:
            reason = ReasonInput(data=request.data)
            reason.is_valid(raise_exception=True)
            extra["reason"] = reason.validated_data["reason"]
        return self._answer(service(actor=request.user, contribution=contribution, ip=client_ip(request), **extra))

    @extend_schema(request=None, responses=ContributionSerializer)
    @action(detail=True, methods=["post"], roles=PARTNER_USERS)
    def confirm(self, request: Request, pk=None) -> Response:
        """A co-contributor confirms its organisation's share."""
        return self._act(request, services.share_confirm)

    @extend_schema(request=ReasonInput, responses=ContributionSerializer)
    @action(detail=True, methods=["post"], roles=PARTNER_USERS)
    def decline(self, request: Request, pk=None) -> Response:
        """A co-contributor declines its organisation's share (the declarer is told)."""
        return self._act(request, services.share_decline, with_reason=True)

    @extend_schema(request=None, responses=ContributionSerializer)
    @action(detail=True, methods=["post"], roles=MANAGERS)
    def validate(self, request: Request, pk=None) -> Response:
        return self._act(request, services.contribution_validate)

    @extend_schema(request=RequiredReasonInput, responses=ContributionSerializer)
    @action(detail=True, methods=["post"], roles=MANAGERS)
    def reject(self, request: Request, pk=None) -> Response:
        """The reason is required (the answer says so when it is missing)."""
        return self._act(request, services.contribution_reject, with_reason=True)

    @extend_schema(request={"multipart/form-data": EvidenceInput}, responses=ContributionSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def evidence(self, request: Request, pk=None) -> Response:
        """Attach (or replace) the evidence file: PDF, PNG, JPEG or DOCX, size-checked. Like any change
        before validation, co-contributors confirm again."""
        contribution = self.get_object()
        data = EvidenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.contribution_update(
            actor=request.user, contribution=contribution, data={}, evidence=data.validated_data["file"],
            ip=client_ip(request),
        )  # fmt: skip
        return self._answer(contribution)

    @extend_schema(request=CorrectionInput, responses={201: ContributionSerializer})
    @action(detail=True, methods=["post"], roles=MANAGERS)
    def correct(self, request: Request, pk=None) -> Response:
        """A validated contribution stays; this declares the adjusting one (its value may be negative)."""
        original = self.get_object()
        data = CorrectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        correction = services.contribution_correct(
            actor=request.user, original=original, data=data.validated_data, ip=client_ip(request)
        )
        return self._answer(correction, status=201)

    @extend_schema(request=ReviewManyInput, responses=REVIEW_RESULT, parameters=CONTRIBUTION_FILTERS)
    @action(detail=False, methods=["post"], roles=MANAGERS)
    def review(self, request: Request) -> Response:
        """Validate or reject many at once: the `ids` given, or every contribution the filters select.
        Those not awaiting validation are skipped, with why."""
        data = ReviewManyInput(data=request.data)
        data.is_valid(raise_exception=True)
        chosen = self.filter_queryset(self.get_queryset())
        if "ids" in data.validated_data:
            chosen = chosen.filter(pk__in=data.validated_data["ids"])
        reject = data.validated_data["decision"] == "reject"
        outcome = services.contributions_review_many(
            actor=request.user, contributions=chosen.order_by(),
            reject_reason=data.validated_data.get("reason", "") if reject else None, ip=client_ip(request),
        )  # fmt: skip
        return Response({"done": outcome.done, "skipped": {str(k): v for k, v in outcome.skipped.items()}})

    @extend_schema(request=BatchInput, responses=BATCH_RESULT)
    @action(detail=False, methods=["post"], roles=MANAGERS)
    def batch(self, request: Request) -> Response:
        """CRM sync: up to 10,000 contributions at once, all or nothing, idempotent on `external_id`.
        A bad item refuses the whole batch: `errors` lists every one with its `index` and `field`."""
        items = request.data.get("items") if isinstance(request.data, dict) else None
        unknown = [str(k) for k in request.data if k != "items"] if isinstance(request.data, dict) else []
        if unknown:
            raise FieldErrors({key: [_("This field cannot be set here.")] for key in unknown})
        outcome = batch.contributions_batch(actor=request.user, items=items, ip=client_ip(request))
        return Response(
            {
                "created": len(outcome.created), "updated": len(outcome.updated),
                "unchanged": len(outcome.unchanged), "ids": outcome.ids,
            }
        )  # fmt: skip
