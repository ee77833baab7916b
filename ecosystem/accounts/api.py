from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ecosystem.core.api import EVERYONE, TenantViewSet, on_tenant_host
from ecosystem.core.errors import FieldErrors, NotAllowed
from ecosystem.core.views import client_ip
from partners.models import Partner

from . import services
from .models import Invitation, Role, User


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(trim_whitespace=False)


class MeSerializer(serializers.ModelSerializer):
    partner = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "partner"]

    def get_partner(self, user: User) -> int | None:
        return user.partner_id


class TokenView(APIView):
    """Exchange email and password for this tenant's API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses=inline_serializer("Token", {"token": serializers.CharField()}),
    )
    def post(self, request: Request) -> Response:
        if not on_tenant_host():
            raise NotAllowed("Tokens are issued by an ecosystem's own address.")
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = services.token_issue(request=request._request, **data.validated_data)
        return Response({"token": token.key})


class MeView(APIView):
    roles = EVERYONE

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class InvitationSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "partner", "role", "state", "expires_at", "created_at"]
        # Output only: input goes through InvitationInputSerializer. (A writable
        # relation would list every partner in the browsable API's form.)
        read_only_fields = fields


class InvitationInputSerializer(serializers.Serializer):
    email = serializers.CharField(allow_blank=True, max_length=254)
    role = serializers.CharField()
    partner = serializers.IntegerField(required=False, allow_null=True)


class AcceptSerializer(serializers.Serializer):
    token = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False)
    full_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)


class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Invitations: admins and managers see all, a partner admin its partner's."""

    model = Invitation

    roles = (Role.ADMIN, Role.MANAGER, Role.PARTNER_ADMIN)
    serializer_class = InvitationSerializer

    def safely_get_queryset(self):
        invitations = Invitation.objects.order_by("-created_at", "-id")
        user = self.request.user
        if user.role == Role.PARTNER_ADMIN:
            return invitations.filter(partner_id=user.partner_id)
        if user.role == Role.MANAGER:
            return invitations.exclude(partner=None)
        return invitations

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
            partner = Partner.objects.filter(pk=partner_id).first()
            if partner is None:
                raise FieldErrors({"partner": [_("No such partner.")]})
        issued = services.invitation_create(
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
        issued = services.invitation_resend(actor=request.user, invitation=self.get_object(), ip=client_ip(request))
        return Response(InvitationSerializer(issued.invitation).data)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk=None) -> Response:
        invitation = services.invitation_revoke(
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
