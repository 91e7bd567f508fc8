"""``GET /api/v1/evidence/{id}/snapshot/``: the archived copy of one evidence link."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.errors import NotFound

from .models import EvidenceSnapshot


class SnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvidenceSnapshot
        fields = [
            "evidence",
            "state",
            "http_status",
            "final_url",
            "content_type",
            "sha256",
            "size",
            "fetched_at",
            "note",
            "error",
            "text",
        ]
        read_only_fields = fields


class SnapshotView(APIView):
    """What the evidence link gave when it was archived: pending, done (text, SHA-256) or failed (why)."""

    @extend_schema(responses=SnapshotSerializer)
    def get(self, request: Request, pk: int) -> Response:
        snapshot = EvidenceSnapshot.objects.filter(evidence_id=pk).first()
        if snapshot is None:
            raise NotFound(f"Evidence {pk} does not exist or has no archived copy.")
        return Response(SnapshotSerializer(snapshot).data)
