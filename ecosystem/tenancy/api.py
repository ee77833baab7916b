from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ecosystem.accounts.api import PASSWORD_MAX_LENGTH
from ecosystem.core.api import InputSerializer, PublicOnly
from ecosystem.core.links import tenant_url
from ecosystem.core.views import client_ip

from .services import orchestrator_signup, signup_attempt


class SignupSerializer(InputSerializer):
    # Shapes only: the rules (and their messages) live in the sign-up service.
    name = serializers.CharField(max_length=200, allow_blank=True)
    slug = serializers.CharField(max_length=100, allow_blank=True)
    email = serializers.CharField(max_length=254, allow_blank=True)
    password = serializers.CharField(trim_whitespace=False, write_only=True, max_length=PASSWORD_MAX_LENGTH)
    full_name = serializers.CharField(max_length=150, required=False, default="")


class SignupView(APIView):
    """Create an orchestrator: its schema, its address and its first administrator."""

    authentication_classes: list = []
    permission_classes = [PublicOnly]

    @extend_schema(
        request=SignupSerializer,
        responses={
            201: inline_serializer(
                "SignupResult",
                {
                    "name": serializers.CharField(),
                    "slug": serializers.CharField(),
                    "email": serializers.EmailField(),
                    "url": serializers.URLField(),
                },
            ),
            429: OpenApiResponse(description="Too many sign-ups from this address (SIGNUP_RATE)."),
        },
    )
    def post(self, request: Request) -> Response:
        signup_attempt(client=client_ip(request))
        data = SignupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        orchestrator = orchestrator_signup(ip=client_ip(request), **data.validated_data)
        body = {
            "name": orchestrator.name,
            "slug": orchestrator.slug,
            "email": data.validated_data["email"].strip().lower(),
            "url": tenant_url(orchestrator, "/", request),
        }
        return Response(body, status=status.HTTP_201_CREATED)
