"""The reports API: request (202), follow, read the results, export the scorecard, cancel."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecosystem.core.api import InputSerializer, TenantViewSet
from ecosystem.core.roles import MANAGERS, STAFF
from ecosystem.core.views import client_ip
from partners.models import ParticipantRole

from . import selectors, services
from .models import Report


@extend_schema_field({"type": "string", "format": "date", "example": "2026-01-01"})
class DayField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=40, **kwargs)


@extend_schema_field(serializers.ChoiceField(choices=ParticipantRole.choices))
class RoleField(serializers.CharField):
    """A partner role (the service names the unknown ones and the choices)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=32, **kwargs)


class ReportInput(InputSerializer):
    period_start = DayField()
    period_end = DayField()
    missions = serializers.ListField(
        child=serializers.IntegerField(), required=False, max_length=services.MAX_MISSIONS,
        help_text="Mission ids; none: every mission.",
    )  # fmt: skip
    roles = serializers.ListField(
        child=RoleField(), required=False,
        max_length=len(ParticipantRole.values), help_text="Partner roles; none: every role.",
    )  # fmt: skip


class ReportSerializer(serializers.ModelSerializer):
    results = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id", "period_start", "period_end", "missions", "roles", "status", "progress", "failure_reason",
            "created_at", "started_at", "finished_at", "results",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field({"type": "object", "nullable": True, "additionalProperties": True})
    def get_results(self, report: Report) -> dict[str, Any] | None:
        """The figures of a finished report (null until then); the list leaves them out."""
        if report.status != Report.Status.DONE or not self.context.get("with_results"):
            return None
        return selectors.report_results(report)


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Value-contribution reports of the ecosystem: the orchestrator's staff read them, managers request them."""

    model = Report
    visible_to = selectors.reports_visible_to
    serializer_class = ReportSerializer
    roles = {"GET": STAFF, "POST": MANAGERS}

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "with_results": self.action == "retrieve"}

    @extend_schema(request=ReportInput, responses={202: ReportSerializer})
    def create(self, request: Request) -> Response:
        """Queue a report (202). While a report with the same parameters is queued or running, that one
        is returned instead of a new one."""
        data = ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        report, _created = services.report_request(actor=request.user, data=data.validated_data, ip=client_ip(request))
        return Response(ReportSerializer(report, context=self.get_serializer_context()).data, status=202)

    @extend_schema(request=None, responses=ReportSerializer)
    @action(detail=True, methods=["post"], roles=MANAGERS)
    def cancel(self, request: Request, pk=None) -> Response:
        report = services.report_cancel(actor=request.user, report=self.get_object(), ip=client_ip(request))
        return Response(ReportSerializer(report, context=self.get_serializer_context()).data)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], roles=STAFF)
    def export(self, request: Request, pk=None) -> HttpResponse:
        """The scorecard as CSV (UTF-8 with a byte-order mark, for spreadsheets)."""
        return selectors.scorecard_csv_response(self.get_object())
