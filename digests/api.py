"""``GET|PUT /api/v1/me/digest/``: a person's own digest and notification settings.

For a person only: their session, or their personal API key (which acts as
them). A CMS key has no person, so no digest: 403.
"""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.errors import Forbidden
from integrations import scopes
from integrations.models import Integration

from . import subscriptions
from .api_serializers import DigestSettingsInputSerializer, DigestSettingsSerializer

TAGS = ["digests"]
FOR_A_PERSON = "For a person's session or personal API key; a CMS key, which has no person, gets 403."


def person_of(request: Request) -> User:
    if isinstance(request.auth, Integration) and not request.auth.is_personal():
        raise Forbidden(
            "This endpoint is for a person's own key or session: a CMS key has no person, so no digest."
        )
    return cast(User, request.user)


class MyDigestView(APIView):
    # Changing how one's own reading arrives by email is part of reading: a personal key that may
    # read claims for its person may also choose their digest, and nothing else needs a scope.
    required_scopes = {"GET": scopes.CLAIMS_READ, "PUT": scopes.CLAIMS_READ}

    @extend_schema(tags=TAGS, responses=DigestSettingsSerializer, description=FOR_A_PERSON)
    def get(self, request: Request) -> Response:
        subscription = subscriptions.access_subscription(user_id=person_of(request).pk)
        return Response(DigestSettingsSerializer(subscription).data)

    @extend_schema(
        tags=TAGS,
        request=DigestSettingsInputSerializer,
        responses=DigestSettingsSerializer,
        description=f"Change some settings; fields left out keep their value. {FOR_A_PERSON}",
    )
    def put(self, request: Request) -> Response:
        user = person_of(request)
        serializer = DigestSettingsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        subscription = subscriptions.do_update_subscription(user_id=user.pk, changes=changes)
        return Response(DigestSettingsSerializer(subscription).data)
