from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ecosystem.core.api import InputSerializer, on_tenant_host
from ecosystem.core.errors import NotAllowed
from ecosystem.core.roles import EVERYONE

from . import services
from .models import Invitation, User

# Longer input is refused before it is hashed (Django's former limit); no real password comes near it.
PASSWORD_MAX_LENGTH = 4096


class TokenRequestSerializer(InputSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH)


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


class InvitationInputSerializer(InputSerializer):
    email = serializers.CharField(allow_blank=True, max_length=254)
    role = serializers.CharField(max_length=Invitation._meta.get_field("role").max_length)
    partner = serializers.IntegerField(required=False, allow_null=True)


class AcceptSerializer(InputSerializer):
    token = serializers.CharField(max_length=64)  # the links carry 43 characters (secrets.token_urlsafe(32))
    password = serializers.CharField(trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH)
    full_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
