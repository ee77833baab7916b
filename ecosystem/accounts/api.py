from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ecosystem.core.api import EVERYONE, on_tenant_host
from ecosystem.core.errors import NotAllowed

from . import services
from .models import User


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False)


class MeSerializer(serializers.ModelSerializer):
    partner = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "partner"]

    def get_partner(self, user: User) -> int | None:
        # Partner users are bound to one partner (partners app, next issue).
        return getattr(user, "partner_id", None)


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
