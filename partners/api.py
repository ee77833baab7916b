from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from ecosystem.accounts.models import PARTNER_ROLES, Role
from ecosystem.core.api import EVERYONE, STAFF, TenantViewSet
from ecosystem.core.errors import FieldErrors
from ecosystem.core.openapi import AnyOf
from ecosystem.core.views import client_ip

from . import csv_io, selectors, services
from .models import Agreement, ParticipantRole, Partner, Tier

MANAGERS = (Role.ADMIN, Role.MANAGER)


class PartnerSerializer(serializers.ModelSerializer):
    """The whole profile, for the orchestrator's staff."""

    competitors = serializers.SerializerMethodField()
    agreement_state = serializers.SerializerMethodField()
    tier = serializers.IntegerField(source="tier_id", allow_null=True, required=False)

    class Meta:
        model = Partner
        fields = [
            "id", "name", "role", "tier", "status", "status_reason", "country", "website", "tags",
            "description", "external_id", "contact_email", "contact_phone", "notes", "competitors",
            "agreement_state", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["status", "status_reason", "created_at", "updated_at"]

    def get_competitors(self, partner: Partner) -> list[int]:
        return sorted(c.pk for c in partner.competitors.all())

    def get_agreement_state(self, partner: Partner) -> str:
        return selectors.horizon_state(getattr(partner, "agreement_horizon", None))


class OwnPartnerSerializer(PartnerSerializer):
    """A partner's users see their own organisation, without the orchestrator's notes."""

    class Meta(PartnerSerializer.Meta):
        fields = [f for f in PartnerSerializer.Meta.fields if f not in ("notes", "competitors")]


class ParticipantSerializer(serializers.ModelSerializer):
    """Other participants, as partners see them."""

    class Meta:
        model = Partner
        fields = ["id", "name", "role", "website"]


# Input fields whose values the services check (with their own messages), documented with those values.
@extend_schema_field(serializers.ChoiceField(choices=ParticipantRole.choices))
class ParticipantRoleField(serializers.CharField):
    pass


@extend_schema_field(serializers.ChoiceField(choices=Agreement.Kind.choices))
class AgreementKindField(serializers.CharField):
    pass


class PartnerInputSerializer(serializers.Serializer):
    # Shape only; the rules live in partners.validation (shared with the pages and the import).
    name = serializers.CharField(required=False, allow_blank=True)
    role = ParticipantRoleField(required=False, allow_blank=True)
    tier = serializers.IntegerField(required=False, allow_null=True)
    country = serializers.CharField(required=False, allow_blank=True)
    website = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    external_id = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    contact_email = serializers.CharField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    competitors = serializers.ListField(child=serializers.IntegerField(), required=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()


# What a partner's profile looks like depends on who asks: staff get it whole,
# a partner's users their own organisation and other participants' entries.
PARTNER_AS_SEEN = AnyOf(
    component_name="PartnerAsSeen",
    serializers=[PartnerSerializer, OwnPartnerSerializer, ParticipantSerializer],
    resource_type_field_name=None,
)
PARTNER_AS_EDITED = AnyOf(
    component_name="PartnerAsEdited",
    serializers=[PartnerSerializer, OwnPartnerSerializer],
    resource_type_field_name=None,
)

FILTER_PARAMETERS = [
    OpenApiParameter("q", str, description="Search in name, external id and tags"),
    OpenApiParameter("role", str),
    OpenApiParameter("tier", int),
    OpenApiParameter("status", str),
    OpenApiParameter("country", str),
    OpenApiParameter("agreement", str, enum=[state for state, _label in selectors.AGREEMENT_STATES]),
    OpenApiParameter("sort", str, enum=list(selectors.SORTS)),
]


class PartnerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Partners of the ecosystem. Staff see and manage every profile; partner
    users see their own profile and the other participants' name, role and website."""

    model = Partner

    roles = {
        "GET": EVERYONE,
        "POST": MANAGERS,
        "PUT": MANAGERS,
        "PATCH": (*MANAGERS, Role.PARTNER_ADMIN),
    }
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def is_staff(self) -> bool:
        return self.request.user.role in STAFF

    def safely_get_queryset(self):
        user = self.request.user
        if self.is_staff():
            return selectors.partners_for_staff()
        return selectors.partners_visible_to_partner(user.partner)

    def filtered(self):
        directory = selectors.partner_directory(self.request.query_params)
        if not directory.is_valid():
            raise FieldErrors({k: [str(m) for m in v] for k, v in directory.errors.items()})
        return directory.qs

    def get_serializer_class(self):
        return PartnerSerializer if self.is_staff() else ParticipantSerializer

    @extend_schema(parameters=FILTER_PARAMETERS, responses=PARTNER_AS_SEEN)
    def list(self, request: Request, *args, **kwargs) -> Response:
        if not self.is_staff():
            return super().list(request, *args, **kwargs)
        page = self.paginate_queryset(self.filtered())
        return self.get_paginated_response(PartnerSerializer(page, many=True).data)

    @extend_schema(responses=PARTNER_AS_SEEN)
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        partner = self.get_object()
        if self.is_staff():
            return Response(PartnerSerializer(partner).data)
        if partner.pk == request.user.partner_id:
            return Response(OwnPartnerSerializer(selectors.partner_detail(partner.pk)).data)
        return Response(ParticipantSerializer(partner).data)

    @extend_schema(request=PartnerInputSerializer, responses={201: PartnerSerializer})
    def create(self, request: Request) -> Response:
        data = PartnerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = services.partner_create(actor=request.user, data=data.validated_data, ip=client_ip(request))
        return Response(PartnerSerializer(selectors.partner_detail(partner.pk)).data, status=201)

    def _update(self, request: Request, *, partial: bool) -> Response:
        partner = self.get_object()
        data = PartnerInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        raw = data.validated_data if partial else {"name": "", "role": "", **data.validated_data}
        services.partner_update(actor=request.user, partner=partner, data=raw, ip=client_ip(request))
        fresh = selectors.partner_detail(partner.pk)
        serializer = PartnerSerializer if self.is_staff() else OwnPartnerSerializer
        return Response(serializer(fresh).data)

    @extend_schema(request=PartnerInputSerializer, responses=PartnerSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=False)

    @extend_schema(request=PartnerInputSerializer, responses=PARTNER_AS_EDITED)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=True)

    def _lifecycle(self, request: Request, change) -> Response:
        partner = self.get_object()
        reason = ReasonSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        change(partner, reason.validated_data["reason"])
        return Response(PartnerSerializer(selectors.partner_detail(partner.pk)).data)

    @extend_schema(request=None, responses=PartnerSerializer)
    @action(detail=True, methods=["post"], roles=MANAGERS)
    def activate(self, request: Request, pk=None) -> Response:
        return self._lifecycle(
            request, lambda p, _r: services.partner_activate(actor=request.user, partner=p, ip=client_ip(request))
        )

    @extend_schema(request=ReasonSerializer, responses=PartnerSerializer)
    @action(detail=True, methods=["post"], roles=MANAGERS)
    def suspend(self, request: Request, pk=None) -> Response:
        return self._lifecycle(
            request,
            lambda p, r: services.partner_suspend(actor=request.user, partner=p, reason=r, ip=client_ip(request)),
        )

    @extend_schema(request=ReasonSerializer, responses=PartnerSerializer)
    @action(detail=True, methods=["post"], roles=MANAGERS)
    def exit(self, request: Request, pk=None) -> Response:
        return self._lifecycle(
            request,
            lambda p, r: services.partner_exit(actor=request.user, partner=p, reason=r, ip=client_ip(request)),
        )

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses=inline_serializer(
            "PartnerImportResult", {"created": serializers.IntegerField(), "updated": serializers.IntegerField()}
        ),
    )
    @action(detail=False, methods=["post"], url_path="import", roles=MANAGERS)
    def import_csv(self, request: Request) -> Response:
        upload = ImportSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        result = csv_io.partners_import(
            actor=request.user, upload=upload.validated_data["file"], ip=client_ip(request)
        )
        return Response({"created": result.created, "updated": result.updated}, status=status.HTTP_200_OK)

    @extend_schema(parameters=FILTER_PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], url_path="export", roles=STAFF)
    def export_csv(self, request: Request) -> HttpResponse:
        return csv_io.partners_export_response(self.filtered(), request=request)


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", "name", "rank", "description"]
        extra_kwargs = {"rank": {"required": False, "validators": []}, "name": {"validators": []}}
        validators: list = []  # uniqueness is the service's to check, with its message


class TierViewSet(mixins.ListModelMixin, TenantViewSet):
    model = Tier
    roles = {"GET": STAFF, "POST": MANAGERS}
    serializer_class = TierSerializer
    pagination_class = None

    def safely_get_queryset(self):
        return Tier.objects.all()

    def create(self, request: Request) -> Response:
        data = TierSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tier = services.tier_create(actor=request.user, **data.validated_data)
        return Response(TierSerializer(tier).data, status=201)


class AgreementSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True)
    # Documents are private: served by a view that checks who asks, never from MEDIA_URL.
    document = serializers.SerializerMethodField()

    def get_document(self, agreement: Agreement) -> str | None:
        return reverse("partners:agreement_document", args=[agreement.pk]) if agreement.document else None

    class Meta:
        model = Agreement
        fields = ["id", "partner", "kind", "reference", "signed_on", "expires_on", "document", "state"]
        read_only_fields = fields


class AgreementInputSerializer(serializers.Serializer):
    # Shapes only; the rules are in services.agreement_create.
    partner = serializers.IntegerField()
    kind = AgreementKindField(allow_blank=True)
    reference = serializers.CharField(allow_blank=True)
    signed_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)
    document = serializers.FileField(required=False)


class AgreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Agreements: staff see all (filter with ?partner=), partner users their own."""

    model = Agreement

    roles = {"GET": (*STAFF, *PARTNER_ROLES), "POST": MANAGERS}
    serializer_class = AgreementSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def safely_get_queryset(self):
        agreements = Agreement.objects.order_by("-signed_on", "-id")
        user = self.request.user
        if user.role not in STAFF:
            agreements = agreements.filter(partner_id=user.partner_id)
        partner = self.request.query_params.get("partner")
        if partner:
            if not (partner.isascii() and partner.isdecimal()):
                raise FieldErrors({"partner": [_("Give a partner id.")]})
            agreements = agreements.filter(partner_id=int(partner))
        return agreements

    @extend_schema(request={"multipart/form-data": AgreementInputSerializer}, responses={201: AgreementSerializer})
    def create(self, request: Request) -> Response:
        data = AgreementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        partner = Partner.objects.filter(pk=fields.pop("partner")).first()
        if partner is None:
            raise FieldErrors({"partner": [_("No such partner.")]})
        document = fields.pop("document", None)
        agreement = services.agreement_create(
            actor=request.user, partner=partner, data=fields, document=document, ip=client_ip(request)
        )
        return Response(AgreementSerializer(agreement, context={"request": request}).data, status=201)
