"""``/api/v1/webhooks/``: an API key manages its integration's endpoints; admins manage all."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import roles
from claims.errors import Forbidden, InvalidInput, NotFound
from integrations import scopes
from integrations.models import Integration

from . import endpoints
from .api_serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointInputSerializer,
    WebhookEndpointPatchSerializer,
    WebhookEndpointSerializer,
)
from .models import WebhookDelivery, WebhookEndpoint

TAGS = ["webhooks"]
MAX_NAME = 100  # an integration name, as the model stores it


def scope_of(request: Request) -> Integration | None:
    """The integration whose endpoints the caller manages, or None for an admin (all of them)."""
    if isinstance(request.auth, Integration):
        return request.auth
    if roles.has_role(request.user, roles.ADMIN):
        return None
    raise Forbidden("Webhooks are managed with an integration's API key or by an admin.")


def endpoint_for(request: Request, pk: int) -> WebhookEndpoint:
    scope = scope_of(request)
    endpoint = WebhookEndpoint.objects.select_related("integration").filter(pk=pk).first()
    # Another integration's endpoint is answered as missing: its existence is not the caller's business.
    if endpoint is None or (scope is not None and endpoint.integration_id != scope.pk):
        raise NotFound(f"Webhook {pk} does not exist.")
    return endpoint


def body_of(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise InvalidInput("Expected a JSON object.")
    return request.data


class WebhookListView(generics.GenericAPIView):
    required_scopes = scopes.WEBHOOKS_MANAGE

    serializer_class = WebhookEndpointSerializer
    queryset = WebhookEndpoint.objects.none()

    @extend_schema(tags=TAGS, responses=WebhookEndpointSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(endpoints.endpoints_for(scope_of(request)))  # type: ignore[arg-type]
        return self.get_paginated_response(WebhookEndpointSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointCreatedSerializer},
    )
    def post(self, request: Request) -> Response:
        scope = scope_of(request)
        data = body_of(request)
        named = data.get("integration")
        if named is not None and (not isinstance(named, str) or len(named) > MAX_NAME):
            raise endpoints.invalid(
                "integration", f"An integration's name is text of at most {MAX_NAME} characters."
            )
        integration = scope if scope is not None else self._named_integration(data.get("integration"))
        endpoint = endpoints.do_create_endpoint(
            integration=integration,
            url=data.get("url"),
            events=data.get("events"),
            description=data.get("description"),
        )
        answer = WebhookEndpointCreatedSerializer(endpoint).data
        return Response(answer, status=status.HTTP_201_CREATED)

    @staticmethod
    def _named_integration(name: Any) -> Integration:
        if not isinstance(name, str) or not name:
            raise endpoints.invalid("integration", "Name the integration the endpoint is for.")
        integration = Integration.objects.filter(name=name).first()
        if integration is None:
            raise endpoints.invalid("integration", f"No integration named {name!r}.")
        return integration


class WebhookDetailView(APIView):
    required_scopes = scopes.WEBHOOKS_MANAGE

    @extend_schema(tags=TAGS, responses=WebhookEndpointSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(WebhookEndpointSerializer(endpoint_for(request, pk)).data)

    @extend_schema(tags=TAGS, request=WebhookEndpointPatchSerializer, responses=WebhookEndpointSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        endpoint = endpoint_for(request, pk)
        changes = {
            k: v for k, v in body_of(request).items() if k in {"url", "events", "description", "active"}
        }
        endpoint = endpoints.do_update_endpoint(endpoint=endpoint, changes=changes)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(tags=TAGS, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        endpoints.do_delete_endpoint(endpoint=endpoint_for(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookTestView(APIView):
    """Send a ``ping`` now and answer with its delivery (what the receiver said, or why it failed)."""

    required_scopes = scopes.WEBHOOKS_MANAGE

    @extend_schema(tags=TAGS, request=None, responses=WebhookDeliverySerializer)
    def post(self, request: Request, pk: int) -> Response:
        delivery = endpoints.do_ping(endpoint=endpoint_for(request, pk))
        return Response(WebhookDeliverySerializer(delivery).data)


class WebhookDeliveryListView(generics.GenericAPIView):
    """The endpoint's deliveries, newest first: state, attempts, last answer and the next retry."""

    required_scopes = scopes.WEBHOOKS_MANAGE

    serializer_class = WebhookDeliverySerializer
    queryset = WebhookDelivery.objects.none()

    @extend_schema(tags=TAGS, responses=WebhookDeliverySerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        endpoint = endpoint_for(request, pk)
        deliveries: QuerySet[WebhookDelivery] = endpoint.deliveries.order_by("-id")
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class WebhookRedeliverView(APIView):
    """One more attempt now, with the same body and webhook-id."""

    required_scopes = scopes.WEBHOOKS_MANAGE

    @extend_schema(tags=TAGS, request=None, responses=WebhookDeliverySerializer)
    def post(self, request: Request, pk: int, delivery_id: int) -> Response:
        delivery = endpoints.do_redeliver(endpoint=endpoint_for(request, pk), delivery_id=delivery_id)
        return Response(WebhookDeliverySerializer(delivery).data)
