from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ecosystem.accounts import services as accounts_services
from ecosystem.accounts.api import AcceptSerializer, InvitationInputSerializer, InvitationSerializer, MeSerializer
from ecosystem.accounts.models import Invitation
from ecosystem.accounts.selectors import invitations_visible_to
from ecosystem.core.api import InputSerializer, SafeJSONParser, StrictInput, TenantViewSet, on_tenant_host
from ecosystem.core.errors import FieldErrors, NotAllowed
from ecosystem.core.openapi import AnyOf
from ecosystem.core.roles import EVERYONE, INVITERS, MANAGERS, STAFF, Role, has_role
from ecosystem.core.views import client_ip

from . import csv_io, selectors, services
from .models import Agreement, ParticipantRole, Partner, Tier, agreement_state
from .validation import MAX_COMPETITORS, MAX_LENGTHS, MAX_REASON_LENGTH, MAX_TAG_LENGTH, MAX_TAGS


def expiring_window(context: dict) -> int | None:
    """The tenant's "expiring" window, read once per request by the API base (None: read it now)."""
    found = context.get("tenant_settings")
    return found.agreement_expiring_days if found is not None else None


TIMESTAMP = serializers.DateTimeField()


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
        return selectors.horizon_state(partner.agreement_horizon, window=expiring_window(self.context))

    def to_representation(self, partner: Partner) -> dict:
        """The fields above, read straight off the row: a page of 50 partners is the
        API's busiest answer, and DRF's per-field machinery was most of its time
        (benchmarks/load.py). `test_the_fast_representation_is_drfs` keeps them equal."""
        fields = self.Meta.fields
        row = {
            "id": partner.pk, "name": partner.name, "role": partner.role, "tier": partner.tier_id,
            "status": partner.status, "status_reason": partner.status_reason, "country": partner.country,
            "website": partner.website, "tags": list(partner.tags), "description": partner.description,
            "external_id": partner.external_id, "contact_email": partner.contact_email,
            "contact_phone": partner.contact_phone, "notes": partner.notes,
            # Only where shown: the one field that reads a relation.
            "competitors": self.get_competitors(partner) if "competitors" in fields else None,
            "agreement_state": self.get_agreement_state(partner),
            "created_at": TIMESTAMP.to_representation(partner.created_at),
            "updated_at": TIMESTAMP.to_representation(partner.updated_at),
        }  # fmt: skip
        return {name: row[name] for name in fields}


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


def _text(field: str, **kwargs) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=MAX_LENGTHS[field], **kwargs)


class PartnerInputSerializer(InputSerializer):
    # Shape and sizes only; the rules live in partners.validation (shared with the pages and
    # the import), whose limits these are: nothing longer reaches a service or the database.
    name = _text("name")
    role = ParticipantRoleField(
        required=False, allow_blank=True, max_length=Partner._meta.get_field("role").max_length
    )
    tier = serializers.IntegerField(required=False, allow_null=True)
    country = serializers.CharField(
        required=False, allow_blank=True, max_length=2,
        error_messages={"max_length": gettext_lazy("Use the two-letter ISO code of the country, e.g. FR.")},
    )  # fmt: skip
    website = _text("website")
    tags = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=MAX_TAG_LENGTH), required=False, max_length=MAX_TAGS
    )
    description = _text("description")
    external_id = _text("external_id", allow_null=True)
    contact_email = _text("contact_email")
    contact_phone = _text("contact_phone")
    notes = _text("notes")
    competitors = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=MAX_COMPETITORS)


class ReasonSerializer(InputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=MAX_REASON_LENGTH)


class ImportSerializer(InputSerializer):
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
    visible_to = selectors.partners_visible_to
    filterset_class = selectors.PartnerFilter
    roles = {
        "GET": EVERYONE,
        "POST": MANAGERS,
        "PUT": MANAGERS,
        "PATCH": (*MANAGERS, Role.PARTNER_ADMIN),
    }
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]

    def is_staff(self) -> bool:
        return has_role(self.request.user, STAFF)

    def get_serializer_class(self):
        return PartnerSerializer if self.is_staff() else ParticipantSerializer

    def _profile(self, partner: Partner, **kwargs) -> Response:
        """The whole profile: for staff, or for a partner's users their own (without notes)."""
        fresh = selectors.partner_detail(partner.pk, viewer=self.request.user)
        serializer = PartnerSerializer if self.is_staff() else OwnPartnerSerializer
        return Response(serializer(fresh, context=self.get_serializer_context()).data, **kwargs)

    @extend_schema(parameters=FILTER_PARAMETERS, responses=PARTNER_AS_SEEN)
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=PARTNER_AS_SEEN)
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        partner = self.get_object()
        if self.is_staff() or partner.pk == request.user.partner_id:
            return self._profile(partner)
        return Response(ParticipantSerializer(partner).data)

    @extend_schema(request=PartnerInputSerializer, responses={201: PartnerSerializer})
    def create(self, request: Request) -> Response:
        data = PartnerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = services.partner_create(actor=request.user, data=data.validated_data, ip=client_ip(request))
        return self._profile(partner, status=201)

    def _update(self, request: Request, *, partial: bool) -> Response:
        partner = self.get_object()
        data = PartnerInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        raw = data.validated_data if partial else {"name": "", "role": "", **data.validated_data}
        services.partner_update(actor=request.user, partner=partner, data=raw, ip=client_ip(request))
        return self._profile(partner)

    @extend_schema(request=PartnerInputSerializer, responses=PartnerSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=False)

    @extend_schema(request=PartnerInputSerializer, responses=PARTNER_AS_EDITED)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self._update(request, partial=True)

    def _lifecycle(self, request: Request, action: str) -> Response:
        partner = self.get_object()
        reason = ReasonSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        services.partner_lifecycle_change(
            actor=request.user, partner=partner, action=action, reason=reason.validated_data["reason"],
            ip=client_ip(request),
        )  # fmt: skip
        return self._profile(partner)

    @extend_schema(request=None, responses=PartnerSerializer)
    @action(detail=True, methods=["post"], roles=MANAGERS)
    def activate(self, request: Request, pk=None) -> Response:
        return self._lifecycle(request, "activate")

    @extend_schema(request=ReasonSerializer, responses=PartnerSerializer)
    @action(detail=True, methods=["post"], roles=MANAGERS)
    def suspend(self, request: Request, pk=None) -> Response:
        return self._lifecycle(request, "suspend")

    @extend_schema(request=ReasonSerializer, responses=PartnerSerializer)
    @action(detail=True, methods=["post"], roles=MANAGERS)
    def exit(self, request: Request, pk=None) -> Response:
        return self._lifecycle(request, "exit")

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
        return csv_io.partners_export_response(self.filter_queryset(self.get_queryset()), request=request)


class TierSerializer(StrictInput, serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", "name", "rank", "description"]
        extra_kwargs = {"rank": {"required": False, "validators": []}, "name": {"validators": []}}
        validators: list = []  # uniqueness is the service's to check, with its message


class TierViewSet(mixins.ListModelMixin, TenantViewSet):
    model = Tier
    roles = {"GET": STAFF, "POST": MANAGERS}
    visible_to = selectors.tiers_visible_to
    serializer_class = TierSerializer
    pagination_class = None

    def create(self, request: Request) -> Response:
        data = TierSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tier = services.tier_create(actor=request.user, **data.validated_data)
        return Response(TierSerializer(tier).data, status=201)


class AgreementSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()
    # Documents are private: served by a view that checks who asks, never from MEDIA_URL.
    document = serializers.SerializerMethodField()

    def get_state(self, agreement: Agreement) -> str:
        return agreement_state(agreement.expires_on, window=expiring_window(self.context))

    def get_document(self, agreement: Agreement) -> str | None:
        return reverse("partners:agreement_document", args=[agreement.pk]) if agreement.document else None

    class Meta:
        model = Agreement
        fields = ["id", "partner", "kind", "reference", "signed_on", "expires_on", "document", "state"]
        read_only_fields = fields


class AgreementInputSerializer(InputSerializer):
    # Shapes only; the rules are in services.agreement_create.
    partner = serializers.IntegerField()
    kind = AgreementKindField(allow_blank=True, max_length=Agreement._meta.get_field("kind").max_length)
    reference = serializers.CharField(allow_blank=True, max_length=Agreement._meta.get_field("reference").max_length)
    signed_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)
    document = serializers.FileField(required=False)


class AgreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Agreements: staff see all (filter with ?partner=), partner users their own."""

    model = Agreement
    roles = {"GET": EVERYONE, "POST": MANAGERS}
    visible_to = selectors.agreements_visible_to
    filterset_class = selectors.AgreementFilter
    serializer_class = AgreementSerializer
    parser_classes = [MultiPartParser, FormParser, SafeJSONParser]

    @extend_schema(request={"multipart/form-data": AgreementInputSerializer}, responses={201: AgreementSerializer})
    def create(self, request: Request) -> Response:
        data = AgreementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        partner = selectors.partners_visible_to(request.user).filter(pk=fields.pop("partner")).first()
        if partner is None:
            raise FieldErrors({"partner": [_("No such partner.")]})
        document = fields.pop("document", None)
        agreement = services.agreement_create(
            actor=request.user, partner=partner, data=fields, document=document, ip=client_ip(request)
        )
        return Response(AgreementSerializer(agreement, context=self.get_serializer_context()).data, status=201)


class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Invitations into the staff or a partner: an administrator sees all, a
    manager the partner invitations, a partner admin its own partner's."""

    model = Invitation
    roles = INVITERS
    visible_to = invitations_visible_to
    serializer_class = InvitationSerializer

    @extend_schema(request=InvitationInputSerializer, responses={201: InvitationSerializer})
    def create(self, request: Request) -> Response:
        data = InvitationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner_id = data.validated_data.get("partner")
        partner = None
        if request.user.role == Role.PARTNER_ADMIN and partner_id != request.user.partner_id:
            # Same answer whether the partner exists or not: ids are not probed this way.
            raise NotAllowed(_("You can invite colleagues into your own organisation only."))
        if partner_id is not None:
            partner = selectors.partners_visible_to(request.user).filter(pk=partner_id).first()
            if partner is None:
                raise FieldErrors({"partner": [_("No such partner.")]})
        issued = accounts_services.invitation_create(
            actor=request.user,
            email=data.validated_data["email"],
            role=data.validated_data["role"],
            partner=partner,
            ip=client_ip(request),
        )
        return Response(InvitationSerializer(issued.invitation).data, status=201)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk=None) -> Response:
        issued = accounts_services.invitation_resend(
            actor=request.user, invitation=self.get_object(), ip=client_ip(request)
        )
        return Response(InvitationSerializer(issued.invitation).data)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk=None) -> Response:
        invitation = accounts_services.invitation_revoke(
            actor=request.user, invitation=self.get_object(), ip=client_ip(request)
        )
        return Response(InvitationSerializer(invitation).data)


class InvitationAcceptView(APIView):
    """Accept an invitation with the token from its link; returns an API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=AcceptSerializer,
        responses={201: inline_serializer("Accepted", {"token": serializers.CharField(), "me": MeSerializer()})},
    )
    def post(self, request: Request) -> Response:
        if not on_tenant_host():
            raise NotAllowed(_("Invitations are accepted at the ecosystem's own address."))
        data = AcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.invitation_accept(**data.validated_data, ip=client_ip(request))
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key, "me": MeSerializer(user).data}, status=201)
