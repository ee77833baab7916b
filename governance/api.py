"""The governance API: the audit trail, the rule book, reviews (202), their findings, decisions and appeals."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecosystem.core.api import InputSerializer, TenantViewSet
from ecosystem.core.audit import audit_events_visible_to
from ecosystem.core.models import AuditEvent
from ecosystem.core.roles import EVERYONE, REVIEWERS
from ecosystem.core.views import client_ip
from ecosystem.value.api import DayField, RoleField
from partners.models import ParticipantRole

from . import decisions, selectors, services
from .filters import AuditEventFilter
from .models import Appeal, Decision, Finding, Review, Rule

MAX_ID = 2**63 - 1


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id", "created_at", "actor", "actor_label", "action", "object_type", "object_id", "object_repr",
            "before", "after", "ip",
        ]  # fmt: skip
        read_only_fields = fields


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The audit trail, newest first: administrators and governance reviewers."""

    model = AuditEvent
    roles = REVIEWERS
    visible_to = audit_events_visible_to
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter


# --- the rule book ----------------------------------------------------------------------------


@extend_schema_field(serializers.ChoiceField(choices=Rule.Kind.choices))
class KindField(serializers.CharField):
    """A rule kind (the service names the choices when it is not one)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=40, **kwargs)


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": "By kind: min_contribution {min_value, per_tier: {tier id: amount}}; max_share "
        "{max_percent}; agreement_valid {warn_days}; recent_activity {days}; commitment_met {}; "
        "pending_confirmations {days}.",
        "example": {"min_value": "1000.00"},
    }
)
class ParamsField(serializers.JSONField):
    pass


class RuleInput(InputSerializer):
    name = serializers.CharField(max_length=200)
    kind = KindField()
    params = ParamsField(required=False)
    severity = serializers.ChoiceField(choices=Rule.Severity.choices, required=False)
    roles = serializers.ListField(child=RoleField(), required=False, max_length=len(ParticipantRole.values))
    tiers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=100
    )


class RuleSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="key", read_only=True, help_text="The rule's id: the same in every version.")
    version = serializers.IntegerField(source="book.number", read_only=True)
    params = serializers.JSONField(read_only=True)

    class Meta:
        model = Rule
        fields = ["id", "version", "name", "kind", "params", "severity", "roles", "tiers"]
        read_only_fields = fields


class RuleFilter(django_filters.FilterSet):
    version = django_filters.NumberFilter(
        field_name="book__number", label=_("Rule book version"), min_value=1, max_value=2**31 - 1
    )

    class Meta:
        model = Rule
        fields = ["version"]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.form.cleaned_data.get("version") is None:  # the current version
            current = selectors.rule_book_current()
            queryset = queryset.filter(book=current) if current else queryset.none()
        return super().filter_queryset(queryset)


class RuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The rule book: its current version, or `?version=N`. Everyone of the tenant reads it; administrators
    and governance reviewers change it, and every change (create, edit, delete) makes a new version. A rule
    keeps its id across versions: `/rules/{id}/` is the current version's, `?version=N` an older one's."""

    model = Rule
    lookup_field = "key"
    lookup_url_kwarg = "id"
    visible_to = selectors.rules_visible_to
    filterset_class = RuleFilter
    serializer_class = RuleSerializer
    roles = {"GET": EVERYONE, "POST": REVIEWERS, "PUT": REVIEWERS, "PATCH": REVIEWERS, "DELETE": REVIEWERS}

    @extend_schema(request=RuleInput, responses={201: RuleSerializer})
    def create(self, request: Request) -> Response:
        data = RuleInput(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.rule_create(actor=request.user, data=data.validated_data, ip=client_ip(request))
        return Response(RuleSerializer(rule).data, status=201)

    def _update(self, request: Request, *, partial: bool) -> Response:
        rule = self.get_object()
        data = RuleInput(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        raw = data.validated_data if partial else {"params": {}, "roles": [], "tiers": [], **data.validated_data}
        changed = services.rule_update(actor=request.user, rule=rule, data=raw, ip=client_ip(request))
        return Response(RuleSerializer(changed).data)

    @extend_schema(request=RuleInput, responses=RuleSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=False)

    @extend_schema(request=RuleInput, responses=RuleSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=True)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.rule_delete(actor=request.user, rule=self.get_object(), ip=client_ip(request))
        return Response(status=204)


# --- reviews and findings ---------------------------------------------------------------------


class ReviewInput(InputSerializer):
    period_start = DayField()
    period_end = DayField()
    roles = serializers.ListField(
        child=RoleField(), required=False, max_length=len(ParticipantRole.values),
        help_text="Partner roles; none: every role.",
    )  # fmt: skip
    tiers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=100,
        help_text="Tier ids; none: every tier.",
    )  # fmt: skip


class ReviewSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="book.number", read_only=True)
    summary = serializers.JSONField(read_only=True)

    class Meta:
        model = Review
        fields = [
            "id", "version", "period_start", "period_end", "roles", "tiers", "status", "progress",
            "failure_reason", "summary", "created_at", "started_at", "finished_at", "closed_at",
        ]  # fmt: skip
        read_only_fields = fields


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Governance reviews: administrators and reviewers run them, the staff follow them; a partner's users see
    the finished ones (and only their own findings)."""

    model = Review
    visible_to = selectors.reviews_visible_to
    serializer_class = ReviewSerializer
    roles = {"GET": EVERYONE, "POST": REVIEWERS}

    @extend_schema(request=ReviewInput, responses={202: ReviewSerializer})
    def create(self, request: Request) -> Response:
        """Queue a review of the current rule book (202). While a review with the same rule book, period and
        scope is queued or running, that one is returned instead."""
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        review, _created = services.review_request(actor=request.user, data=data.validated_data,
                                                   ip=client_ip(request))  # fmt: skip
        return Response(ReviewSerializer(review).data, status=202)

    @extend_schema(request=None, responses=ReviewSerializer)
    @action(detail=True, methods=["post"], roles=REVIEWERS)
    def cancel(self, request: Request, pk=None) -> Response:
        review = services.review_cancel(actor=request.user, review=self.get_object(), ip=client_ip(request))
        return Response(ReviewSerializer(review).data)

    @extend_schema(request=None, responses=ReviewSerializer)
    @action(detail=True, methods=["post"], roles=REVIEWERS)
    def apply(self, request: Request, pk=None) -> Response:
        """Apply the review's decisions (every suspension and exit approved first) and close the review: all or
        nothing. 409 `awaiting_approval`, `no_decisions`, `review_closed`."""
        review = decisions.review_apply(actor=request.user, review=self.get_object(), ip=client_ip(request))
        return Response(ReviewSerializer(review).data)


class FindingFilter(django_filters.FilterSet):
    partner = django_filters.NumberFilter(field_name="partner_id", min_value=1, max_value=MAX_ID)
    rule = django_filters.NumberFilter(field_name="rule__key", min_value=1, max_value=2**31 - 1)
    outcome = django_filters.ChoiceFilter(choices=Finding.Outcome.choices)

    class Meta:
        model = Finding
        fields = ["partner", "rule", "outcome"]


class FindingSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    rule = serializers.IntegerField(source="rule.key", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    kind = serializers.CharField(source="rule.kind", read_only=True)
    severity = serializers.CharField(source="rule.severity", read_only=True)
    note = serializers.CharField(
        read_only=True,
        help_text="Empty, or why nothing was measured: " + ", ".join(Finding.Note.values) + ".",
    )

    class Meta:
        model = Finding
        fields = [
            "id", "partner", "partner_name", "rule", "rule_name", "kind", "severity", "outcome", "measured",
            "threshold", "note",
        ]  # fmt: skip
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("review_pk", int, OpenApiParameter.PATH)]),
)
class FindingViewSet(mixins.ListModelMixin, TenantViewSet):
    """A review's findings (partner x rule -> pass / warn / fail, measured value, threshold): the staff read
    them all, a partner's users their own partner's."""

    model = Finding
    visible_to = selectors.findings_visible_to
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    roles = {"GET": EVERYONE}

    def list(self, request: Request, review_pk: str | None = None) -> Response:
        review = get_object_or_404(selectors.reviews_visible_to(request.user), pk=review_pk)
        findings = self.filter_queryset(self.get_queryset()).filter(review=review)
        page = self.paginate_queryset(findings)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- decisions and appeals --------------------------------------------------------------------


class DecisionInput(InputSerializer):
    partner = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="A partner with findings in the review."
    )
    kind = serializers.ChoiceField(choices=Decision.Kind.choices)
    tier = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True,
        help_text="promote / demote only: the tier the partner moves to (promote: a better rank, demote: worse).",
    )  # fmt: skip
    rationale = serializers.CharField(max_length=decisions.MAX_TEXT)


class DecisionSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    appeal_deadline = serializers.SerializerMethodField(help_text="Null while the review is open.")

    class Meta:
        model = Decision
        fields = [
            "id", "review", "partner", "partner_name", "kind", "tier", "rationale", "author", "created_at",
            "approved_by", "approved_at", "applied_at", "appeal_deadline",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_appeal_deadline(self, decision: Decision) -> str | None:
        return _deadline(decision, self.context)


def _deadline(decision: Decision, context: dict) -> str | None:
    """The appeal deadline (the tenant's window, read once per request from the context), ISO 8601."""
    closed_at = decision.review.closed_at
    if closed_at is None:
        return None
    days = context["tenant_settings"].appeal_window_days
    return serializers.DateTimeField().to_representation(closed_at + dt.timedelta(days=days))


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("review_pk", int, OpenApiParameter.PATH)]),
    create=extend_schema(
        parameters=[OpenApiParameter("review_pk", int, OpenApiParameter.PATH)],
        request=DecisionInput,
        responses={201: DecisionSerializer},
    ),
)
class ReviewDecisionViewSet(mixins.ListModelMixin, TenantViewSet):
    """A review's decisions, one per partner: administrators and reviewers record them (a new one for a partner
    replaces its decision, and clears its approval); the staff read them; a partner's users read their own
    partner's once the review is closed."""

    model = Decision
    visible_to = selectors.decisions_visible_to
    serializer_class = DecisionSerializer
    roles = {"GET": EVERYONE, "POST": REVIEWERS}

    def _review(self, request: Request, review_pk: str | None) -> Review:
        return get_object_or_404(selectors.reviews_visible_to(request.user), pk=review_pk)

    def list(self, request: Request, review_pk: str | None = None) -> Response:
        review = self._review(request, review_pk)
        page = self.paginate_queryset(self.get_queryset().filter(review=review))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request, review_pk: str | None = None) -> Response:
        """Record the review's decision about a partner (the review finished, not closed). 409 `review_not_done`,
        `review_closed`."""
        review = self._review(request, review_pk)
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        decision = decisions.decision_record(actor=request.user, review=review, data=data.validated_data,
                                             ip=client_ip(request))  # fmt: skip
        return Response(self.get_serializer(decision).data, status=201)


class DecisionViewSet(mixins.RetrieveModelMixin, TenantViewSet):
    """One decision: read as the list; withdrawn or approved (suspend / exit, by someone other than its author)
    by administrators and reviewers while its review is open."""

    model = Decision
    visible_to = selectors.decisions_visible_to
    serializer_class = DecisionSerializer
    roles = {"GET": EVERYONE, "DELETE": REVIEWERS, "POST": REVIEWERS}

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        """Withdraw the decision (409 `review_closed` once applied)."""
        decisions.decision_withdraw(actor=request.user, decision=self.get_object(), ip=client_ip(request))
        return Response(status=204)

    @extend_schema(request=None, responses=DecisionSerializer)
    @action(detail=True, methods=["post"], roles=REVIEWERS)
    def approve(self, request: Request, pk=None) -> Response:
        """The second person's approval of a suspension or an exit. 409 `approval_not_needed`, `four_eyes`,
        `already_approved`, `review_closed`."""
        decision = decisions.decision_approve(actor=request.user, decision=self.get_object(), ip=client_ip(request))
        return Response(self.get_serializer(decision).data)


class AppealInput(InputSerializer):
    decision = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    reason = serializers.CharField(max_length=decisions.MAX_TEXT, help_text="The grounds of the appeal.")


class AnswerInput(InputSerializer):
    state = serializers.ChoiceField(choices=[Appeal.State.UPHELD, Appeal.State.OVERTURNED])
    answer = serializers.CharField(max_length=decisions.MAX_TEXT)


class AppealSerializer(serializers.ModelSerializer):
    partner = serializers.IntegerField(source="decision.partner_id", read_only=True)
    deadline = serializers.SerializerMethodField(help_text="When the time to appeal the decision ended (or ends).")

    class Meta:
        model = Appeal
        fields = ["id", "decision", "partner", "reason", "state", "answer", "created_at", "answered_at", "deadline"]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_deadline(self, appeal: Appeal) -> str | None:
        return _deadline(appeal.decision, self.context)


class AppealFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=Appeal.State.choices)

    class Meta:
        model = Appeal
        fields = ["state"]


class AppealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Appeals against decisions: a partner's admin files one (per decision, within the tenant's appeal window
    after the review's closing); administrators and reviewers answer; the staff read them all, a partner's
    users their own partner's."""

    model = Appeal
    visible_to = selectors.appeals_visible_to
    serializer_class = AppealSerializer
    filterset_class = AppealFilter
    roles = {"GET": EVERYONE, "POST": EVERYONE}  # filing: the service lets only the partner's admins

    @extend_schema(request=AppealInput, responses={201: AppealSerializer})
    def create(self, request: Request) -> Response:
        """Appeal a decision. 409 `appeal_window_closed`, `nothing_to_appeal`, `appeal_exists`,
        `review_not_closed`."""
        data = AppealInput(data=request.data)
        data.is_valid(raise_exception=True)
        decision = get_object_or_404(selectors.decisions_visible_to(request.user), pk=data.validated_data["decision"])
        appeal = decisions.appeal_file(actor=request.user, decision=decision, reason=data.validated_data["reason"],
                                       ip=client_ip(request))  # fmt: skip
        return Response(self.get_serializer(appeal).data, status=201)

    @extend_schema(request=AnswerInput, responses=AppealSerializer)
    @action(detail=True, methods=["post"], roles=REVIEWERS)
    def answer(self, request: Request, pk=None) -> Response:
        """Answer an open appeal: upheld, or overturned (the partner's status or tier restored). 409
        `appeal_answered`."""
        data = AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = decisions.appeal_answer(actor=request.user, appeal=self.get_object(), ip=client_ip(request),
                                         **data.validated_data)  # fmt: skip
        return Response(self.get_serializer(appeal).data)
