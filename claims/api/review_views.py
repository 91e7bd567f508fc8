"""The review workflow over REST: queue, assignment, evidence, verdicts, second review, audit trail.

Every view validates its input, calls one service and answers with the claim
as it now is. Services raise domain errors that ``claims.api.errors`` turns
into JSON: 400 bad input, 403 a role that may not, 404 an unknown claim,
409 a transition the claim's status or version does not allow (with the
claim's current state, so the client can reload and retry).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.validators import URLValidator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import claimreview, ratings, review, selectors, workflow
from claims.actors import Actor
from claims.errors import Conflict
from claims.models import Claim, Evidence, Rating, Verdict
from factcheck import outbound
from integrations import scopes

from .prechecks import ClaimWriteView, actor_of
from .query import QueryParams, SinceField
from .serializers import (
    ClaimEventSerializer,
    ClaimSerializer,
    EvidenceSerializer,
    StrictSerializer,
    VerdictSerializer,
)


def validated(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def claim_response(claim_id: int) -> Response:
    return Response(ClaimSerializer(selectors.claim_detail(claim_id=claim_id)).data)


# --- Input


def version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, help_text="The claim version you saw; a stale one gets 409 with the current state."
    )


def reason_field(help_text: str) -> serializers.CharField:
    # Blank passes here so the service can say why a reason is needed.
    return serializers.CharField(required=False, allow_blank=True, default="", help_text=help_text)


class VersionInputSerializer(StrictSerializer):
    version = version_field()


class AssignInputSerializer(StrictSerializer):
    user = serializers.CharField(max_length=150, help_text="User name of a reviewer, editor or admin")
    version = version_field()
    reason = reason_field("Optional note for the audit trail")


class ReleaseInputSerializer(StrictSerializer):
    version = version_field()
    reason = reason_field("Optional note for the audit trail")


class EvidenceInputSerializer(StrictSerializer):
    url = serializers.URLField(max_length=2000, help_text="http:// or https:// link to the source")
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    primary = serializers.BooleanField(
        required=False, default=False, help_text="The data, document or record itself"
    )
    stance = serializers.ChoiceField(
        choices=Evidence.Stance.choices, required=False, default=Evidence.Stance.CONTEXT
    )
    excerpt = serializers.CharField(required=False, allow_blank=True, default="")
    accessed_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_url(self, value: str) -> str:
        """The rule of every URL the server fetches (the URL validator lets "\\x01" through)."""
        try:
            return outbound.check_url(value)
        except outbound.FetchError as exc:
            raise serializers.ValidationError(exc.reason) from exc


class VerdictInputSerializer(StrictSerializer):
    verdict = serializers.ChoiceField(
        choices=Verdict.Value.choices,
        required=False,
        help_text="verified or disputed; may be left out when a rating is given (the rating decides)",
    )
    rating = serializers.SlugField(
        max_length=50,
        required=False,
        help_text="A name from the scale (GET /api/v1/ratings/); must agree with verdict if both are given",
    )
    rationale = reason_field("What the primary sources show")
    version = version_field()


class RejectInputSerializer(StrictSerializer):
    version = version_field()
    comment = reason_field("What the reviewer should change")


class DismissInputSerializer(StrictSerializer):
    version = version_field()
    reason = reason_field("Why this is not a checkable claim")


class ReopenInputSerializer(StrictSerializer):
    version = version_field()
    reason = reason_field("Why the claim needs another look")
    to = serializers.ChoiceField(
        choices=[Claim.Status.NEW, Claim.Status.IN_REVIEW],
        required=False,
        allow_null=True,
        default=None,
        help_text="new (back to the queue, the default) or in_review (kept by its assignee)",
    )


class BulkInputSerializer(StrictSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=workflow.BULK_MAX_IDS
    )
    action = serializers.ChoiceField(choices=[str(action) for action in workflow.BULK_ACTIONS])
    reason = reason_field("Needed for dismiss and reopen")
    user = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    to = serializers.ChoiceField(
        choices=[Claim.Status.NEW, Claim.Status.IN_REVIEW], required=False, allow_null=True, default=None
    )


class BulkOutcomeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ok = serializers.BooleanField()
    status = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False)
    error = serializers.CharField(required=False)
    detail = serializers.CharField(required=False)


class BulkResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BulkOutcomeSerializer(many=True)


# --- Queue and transitions


class NextClaimView(APIView):
    """Take the next claim to review.

    Hands back the claim you already hold in review if there is one (so a
    retried request never takes a second claim); otherwise takes the
    highest-priority new claim, assigns it to you and moves it to in_review.
    Concurrent reviewers always get different claims. 204 when the queue is empty.
    """

    required_scopes = scopes.CLAIMS_REVIEW

    @extend_schema(
        request=None,
        responses={200: ClaimSerializer, 204: OpenApiResponse(description="The queue is empty")},
    )
    def post(self, request: Request) -> Response:
        claim = workflow.do_take_next(actor=actor_of(request))
        if claim is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return claim_response(claim.pk)


class AssignView(ClaimWriteView):
    """Editor: assign a new or in-review claim to a reviewer."""

    required_scopes = scopes.CLAIMS_REVIEW
    min_role = workflow.MIN_ROLE[workflow.Action.ASSIGN]
    doing = "assign claims"

    @extend_schema(request=AssignInputSerializer, responses=ClaimSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(AssignInputSerializer, request)
        workflow.do_assign(
            claim_id=pk,
            version=data["version"],
            username=data["user"],
            reason=data["reason"],
            actor=actor_of(request),
        )
        return claim_response(pk)


class ReleaseView(ClaimWriteView):
    """The assignee hands a claim in review back to the queue."""

    required_scopes = scopes.CLAIMS_REVIEW
    min_role = workflow.MIN_ROLE[workflow.Action.RELEASE]
    doing = "release a claim"

    @extend_schema(request=ReleaseInputSerializer, responses=ClaimSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(ReleaseInputSerializer, request)
        workflow.do_release(
            claim_id=pk, version=data["version"], reason=data["reason"], actor=actor_of(request)
        )
        return claim_response(pk)


class VerdictView(ClaimWriteView):
    """Propose a verdict (or, without second review, publish it). Needs a rationale and a primary source."""

    required_scopes = scopes.CLAIMS_REVIEW
    min_role = workflow.MIN_ROLE[workflow.Action.PROPOSE]
    doing = "propose a claim"

    @extend_schema(request=VerdictInputSerializer, responses=ClaimSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(VerdictInputSerializer, request)
        review.do_propose_verdict(
            claim_id=pk,
            version=data["version"],
            value=data.get("verdict"),
            rating=data.get("rating"),
            rationale=data["rationale"],
            actor=actor_of(request),
        )
        return claim_response(pk)


class ApproveView(ClaimWriteView):
    """Editor other than the verdict's author: publish the proposed verdict."""

    required_scopes = scopes.CLAIMS_REVIEW
    min_role = workflow.MIN_ROLE[workflow.Action.APPROVE]
    doing = "approve a claim"

    @extend_schema(request=VersionInputSerializer, responses=ClaimSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(VersionInputSerializer, request)
        review.do_approve_verdict(claim_id=pk, version=data["version"], actor=actor_of(request))
        return claim_response(pk)


class RejectView(ClaimWriteView):
    """Editor other than the verdict's author: send the verdict back to review with a comment."""

    required_scopes = scopes.CLAIMS_REVIEW
    min_role = workflow.MIN_ROLE[workflow.Action.REJECT]
    doing = "reject a claim"

    @extend_schema(request=RejectInputSerializer, responses=ClaimSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(RejectInputSerializer, request)
        review.do_reject_verdict(
            claim_id=pk, version=data["version"], comment=data["comment"], actor=actor_of(request)
        )
        return claim_response(pk)


class DismissView(ClaimWriteView):
    """Editor: not a checkable claim."""

    required_scopes = scopes.CLAIMS_REVIEW
    min_role = workflow.MIN_ROLE[workflow.Action.DISMISS]
    doing = "dismiss a claim"

    @extend_schema(request=DismissInputSerializer, responses=ClaimSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(DismissInputSerializer, request)
        workflow.do_dismiss(
            claim_id=pk, version=data["version"], reason=data["reason"], actor=actor_of(request)
        )
        return claim_response(pk)


class ReopenView(ClaimWriteView):
    """Editor: reopen a verified, disputed or dismissed claim."""

    required_scopes = scopes.CLAIMS_REVIEW
    min_role = workflow.MIN_ROLE[workflow.Action.REOPEN]
    doing = "reopen a claim"

    @extend_schema(request=ReopenInputSerializer, responses=ClaimSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(ReopenInputSerializer, request)
        workflow.do_reopen(
            claim_id=pk,
            version=data["version"],
            reason=data["reason"],
            to=data["to"],
            actor=actor_of(request),
        )
        return claim_response(pk)


class BulkView(APIView):
    """Editor: dismiss, assign or reopen many claims.

    Each claim is acted on by itself at its current version; the answer lists
    every id's outcome (``ok`` with the new status and version, or the error a
    single request would have got), so one claim that moved meanwhile does not
    block the rest.
    """

    required_scopes = scopes.CLAIMS_REVIEW

    @extend_schema(request=BulkInputSerializer, responses=BulkResultSerializer)
    def post(self, request: Request) -> Response:
        data = validated(BulkInputSerializer, request)
        outcomes = workflow.do_bulk(
            ids=data["ids"],
            action=data["action"],
            reason=data["reason"],
            username=data["user"],
            to=data["to"],
            actor=actor_of(request),
        )
        succeeded = sum(1 for outcome in outcomes if outcome.ok)
        return Response(
            {
                "action": data["action"],
                "succeeded": succeeded,
                "failed": len(outcomes) - succeeded,
                "results": [outcome.as_dict() for outcome in outcomes],
            }
        )


# --- Reads and evidence


class _ClaimChildList(generics.ListAPIView):
    """A paginated list under one claim, oldest first; 404 for an unknown claim."""

    filter_backends: list[Any] = []

    def claim_id(self) -> int:
        claim_id = int(self.kwargs["pk"])
        selectors.check_claim_exists(claim_id=claim_id)
        return claim_id


class EvidenceView(ClaimWriteView, _ClaimChildList):
    """The sources of a claim, primary ones first; POST adds one (any reviewer)."""

    required_scopes = {"GET": scopes.CLAIMS_READ, "POST": scopes.CLAIMS_REVIEW}
    doing = "add evidence"

    serializer_class = EvidenceSerializer

    def get_queryset(self) -> Any:
        return selectors.claim_evidence(claim_id=self.claim_id())

    @extend_schema(request=EvidenceInputSerializer, responses={201: EvidenceSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = validated(EvidenceInputSerializer, request)
        evidence = review.do_add_evidence(claim_id=pk, actor=actor_of(request), **data)
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


class VerdictListView(_ClaimChildList):
    """Every verdict revision of a claim, newest first: proposed, approved and rejected."""

    serializer_class = VerdictSerializer

    def get_queryset(self) -> Any:
        return selectors.claim_verdicts(claim_id=self.claim_id())


class EventListView(_ClaimChildList):
    """The claim's audit trail, oldest first: every change with who, from, to and why."""

    serializer_class = ClaimEventSerializer

    def get_queryset(self) -> Any:
        return selectors.claim_events(claim_id=self.claim_id())


def claim_review_of(claim: Claim, verdict: Verdict | None) -> dict[str, Any]:
    return claimreview.claim_review_jsonld(
        claim=claim,
        verdict=verdict,
        site_url=settings.SITE_URL,
        publisher=settings.FACTCHECK_PUBLISHER or urlsplit(settings.SITE_URL).netloc,
    )


class ClaimReviewSerializer(serializers.Serializer):
    """The shape of a schema.org ClaimReview as we export it (for the schema; built by claims.claimreview)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # JSON-LD keys such as "@context" are not Python names, so the fields are listed here.
        return {
            "@context": serializers.CharField(),
            "@type": serializers.CharField(),
            "url": serializers.URLField(help_text="Where the fact-check is published"),
            "claimReviewed": serializers.CharField(),
            "datePublished": serializers.DateField(required=False),
            "author": serializers.DictField(help_text="Organization: FACTCHECK_PUBLISHER, SITE_URL"),
            "itemReviewed": serializers.DictField(help_text="Claim: speaker, appearances"),
            "reviewRating": serializers.DictField(
                help_text="Rating: alternateName, ratingValue on a 1 (false) to 5 (true) scale"
            ),
        }


CLAIM_REVIEW_JSONLD = OpenApiResponse(
    response=ClaimReviewSerializer, description="schema.org ClaimReview JSON-LD"
)


class ClaimReviewView(APIView):
    """schema.org ClaimReview JSON-LD of the claim's published fact-check.

    409 while the claim has no published verdict, or while our fact-check of it
    has no ``published_url`` (POST /publish/ sets it).
    """

    @extend_schema(responses={200: CLAIM_REVIEW_JSONLD})
    def get(self, request: Request, pk: int) -> Response:
        claim = selectors.claim_detail(claim_id=pk)
        if not claim.verdict:
            raise Conflict(
                f"Claim {pk} has no published verdict yet (it is {claim.status}).",
                data=workflow.current_state(claim),
            )
        if not claimreview.export_url(claim):
            raise Conflict(
                f"Claim {pk} has no published_url: POST /api/v1/claims/{pk}/publish/ {{url}} "
                "with the page where the fact-check is published.",
                data=workflow.current_state(claim),
            )
        review = claim_review_of(claim, selectors.latest_approved_verdict(claim_id=pk))
        return Response(review, content_type="application/ld+json")


class PublishInputSerializer(StrictSerializer):
    url = serializers.URLField(
        max_length=2000,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="The http(s) page where the fact-check is published",
    )


class PublishView(ClaimWriteView):
    """Editors and integration keys: say where the claim's fact-check is published (its ClaimReview url).

    409 while the claim has no approved verdict; the same url again changes nothing.
    """

    # The CMS reports the page it put the fact-check on, with the key it writes articles with.
    required_scopes = scopes.ARTICLES_WRITE

    def check_who(self, actor: Actor) -> None:
        review.check_may_publish(actor=actor)

    @extend_schema(request=PublishInputSerializer, responses=ClaimSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = validated(PublishInputSerializer, request)
        review.do_publish_claim(claim_id=pk, url=data["url"], actor=actor_of(request))
        return claim_response(pk)


class ClaimReviewFeedQuery(QueryParams):
    since = SinceField(
        required=False, help_text="Changes at or after this ISO 8601 date or date-time; all when left out"
    )


class ClaimReviewFeedView(generics.ListAPIView):
    """ClaimReview JSON-LD of every published fact-check whose verdict or publication changed since."""

    filter_backends: list[Any] = []
    queryset = Claim.objects.none()  # for the schema; the real one comes from the selector

    def get_queryset(self) -> Any:
        return selectors.claimreview_feed(since=ClaimReviewFeedQuery.read(self.request).get("since"))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        claims = list(page if page is not None else [])
        verdicts = selectors.latest_approved_verdicts(claim_ids=[claim.pk for claim in claims])
        return self.get_paginated_response([claim_review_of(c, verdicts.get(c.pk)) for c in claims])

    @extend_schema(
        parameters=[ClaimReviewFeedQuery],
        responses={200: ClaimReviewSerializer(many=True)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["name", "label", "description", "leads_to", "value"]
        read_only_fields = fields


class RatingListView(APIView):
    """The desk's rating scale, in order: what a verdict's ``rating`` may be, and what each one means."""

    @extend_schema(responses=RatingSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(RatingSerializer(ratings.scale(), many=True).data)
