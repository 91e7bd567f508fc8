"""Matching over REST: claims like a text, related claims, and editors' merge, split and undo.

Thin views: validate input, call one service or selector, answer with the
claim as it now is. Domain errors become JSON in ``claims.api.errors``: 400 bad
input, 403 not an editor, 404 unknown claim or event, 409 a merge, split or
undo the claims' current state does not allow.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import conflicts, curation, roles, selectors
from claims.actors import Actor
from claims.errors import InvalidInput, NotFound
from claims.models import Claim, ClaimEvent
from integrations import scopes

from .prechecks import ClaimWriteView, actor_of
from .query import AsciiIntegerField, QueryParams
from .serializers import (
    ClaimDetailSerializer,
    ClaimEventSerializer,
    ClaimSerializer,
    RelatedClaimSerializer,
    StrictSerializer,
    related_claims,
)

MAX_SIMILAR = 50
MAX_QUERY_CHARS = 5000


def _claim(pk: int) -> Claim:
    claim = Claim.objects.filter(pk=pk).first()
    if claim is None:
        raise NotFound(f"Claim {pk} does not exist.")
    return claim


def _validated(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise InvalidInput("Expected a JSON object.")
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _changed(claim_id: int, event: ClaimEvent) -> Response:
    """The claim as it now is, and the event that records the change (undo takes its id)."""
    claim = ClaimDetailSerializer(selectors.claim_detail(claim_id=claim_id)).data
    return Response({"claim": claim, "event": ClaimEventSerializer(event).data})


ChangeResponse = inline_serializer(
    "MatchingChange", {"claim": ClaimDetailSerializer(), "event": ClaimEventSerializer()}
)


SimilarResponse = inline_serializer(
    "SimilarClaims",
    {
        "results": inline_serializer(
            "SimilarClaim", {"claim": ClaimSerializer(), "score": serializers.FloatField()}, many=True
        )
    },
)


class SimilarQuery(QueryParams):
    text = serializers.RegexField(
        r"\S",
        max_length=MAX_QUERY_CHARS,
        help_text="The sentence to look up",
        error_messages={"required": "Give the text to look up as ?text=...", "invalid": "Give some text."},
    )
    limit = AsciiIntegerField(
        min_value=1, max_value=MAX_SIMILAR, default=5, help_text=f"1..{MAX_SIMILAR}, default 5"
    )


class SimilarView(APIView):
    """Known claims that say what ``text`` says, best first; past fact-checks included."""

    throttle_scope = "similar"  # the embedding model: a stricter rate

    @extend_schema(
        parameters=[SimilarQuery],
        responses=SimilarResponse,
    )
    def get(self, request: Request) -> Response:
        query = SimilarQuery.read(request)
        ranked = selectors.similar_claims(text=query["text"], limit=query["limit"])
        claims = ClaimSerializer([claim for claim, _ in ranked], many=True).data
        return Response(
            {
                "results": [
                    {"claim": claim, "score": score} for claim, (_, score) in zip(claims, ranked, strict=True)
                ]
            }
        )


class RelatedView(APIView):
    """Claims linked to this one: figure conflicts first (shown side by side), then possible matches."""

    @extend_schema(
        responses=inline_serializer("RelatedClaims", {"results": RelatedClaimSerializer(many=True)})
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response({"results": related_claims(selectors.claim_detail(claim_id=pk))})


class MergeInput(StrictSerializer):
    into = serializers.IntegerField(min_value=1, help_text="The claim this one is folded into")
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="This claim's version as you saw it; stale gets 409"
    )


class SplitInput(StrictSerializer):
    appearances = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=1000
    )


class DismissConflictInput(StrictSerializer):
    reason = serializers.ChoiceField(
        choices=conflicts.Dismissal.choices, help_text="Why the two figures do not conflict"
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=conflicts.NOTE_MAX,
        help_text='In your own words; required with reason "other"',
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["note"] = conflicts.check_dismissal(reason=attrs["reason"], note=attrs.get("note", ""))
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.data["fields"]) from exc
        return attrs


class UndoInput(StrictSerializer):
    event = serializers.IntegerField(min_value=1, help_text="The merge or split event to undo")


class _CurationView(ClaimWriteView):
    """Curation takes an editor, checked as curation checks it, before the body is read."""

    def check_who(self, actor: Actor) -> None:
        curation.check_editor(actor=actor, doing=self.doing)


class MergeView(_CurationView):
    """Editors: fold this claim into another one (its appearances move over; it leaves the queue)."""

    required_scopes = scopes.CLAIMS_REVIEW
    doing = "merge claims"

    @extend_schema(request=MergeInput, responses=ChangeResponse)
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(MergeInput, request)
        source, target = _claim(pk), _claim(data["into"])
        event = curation.do_merge_claims(
            source_id=source.pk, target_id=target.pk, actor=actor_of(request), version=data.get("version")
        )
        return _changed(target.pk, event)


class SplitView(_CurationView):
    """Editors: move some appearances of this claim to a new claim."""

    required_scopes = scopes.CLAIMS_REVIEW
    doing = "split claims"

    @extend_schema(request=SplitInput, responses=ChangeResponse)
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(SplitInput, request)
        event = curation.do_split_claim(
            claim_id=_claim(pk).pk, appearance_ids=data["appearances"], actor=actor_of(request)
        )
        return _changed(int(event.data["new_claim"]), event)


class UndoView(_CurationView):
    """Editors: undo a merge or a split recorded on this claim."""

    required_scopes = scopes.CLAIMS_REVIEW
    doing = "undo merges and splits"

    @extend_schema(request=UndoInput, responses=ChangeResponse)
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(UndoInput, request)
        event = curation.do_undo_event(
            claim_id=_claim(pk).pk, event_id=data["event"], actor=actor_of(request)
        )
        return _changed(pk, event)


class DismissConflictView(ClaimWriteView):
    """Reviewers: dismiss a figure conflict of this claim with a reason; both claims' trails record it."""

    required_scopes = scopes.CLAIMS_REVIEW
    min_role = roles.REVIEWER
    doing = "dismiss a figure conflict"

    @extend_schema(request=DismissConflictInput, responses=ChangeResponse)
    def post(self, request: Request, pk: int, link: int) -> Response:
        data = _validated(DismissConflictInput, request)
        event = conflicts.do_dismiss_conflict(
            claim_id=pk, link_id=link, reason=data["reason"], note=data["note"], actor=actor_of(request)
        )
        return _changed(pk, event)
