"""An article's scored sentences, and promoting one the extractor kept out of the queue (claims.promotion).

The role and the article's existence are checked before the body is read: an
account without a reviewer role gets 403 and an unknown article 404 whatever
it sends. Then 400 for offsets that name no sentence of the article, 409 for
a stale revision or an article whose extraction is not done, 201 when the
sentence was promoted and 200 with its claim when it was a claim already.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import promotion, selectors
from claims.errors import InvalidInput
from integrations import scopes

from .prechecks import actor_of
from .serializers import ClaimSerializer, StrictSerializer

# Offsets beyond any article the ingest limit lets in; bounded so the database never sees an overflow.
MAX_OFFSET = 1_000_000_000


class PromoteInput(StrictSerializer):
    start = serializers.IntegerField(
        min_value=0, max_value=MAX_OFFSET, help_text="Where the sentence starts in the article's `text`"
    )
    end = serializers.IntegerField(
        min_value=1, max_value=MAX_OFFSET, help_text="Where it ends (exclusive), as the article lists it"
    )
    revision = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The article revision the offsets were read from; a stale one gets 409. "
        "Left out: the current revision.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": ["A sentence ends after it starts."]})
        return attrs


PromotionResponse = inline_serializer(
    "Promotion",
    {
        "claim": ClaimSerializer(),
        "promoted": serializers.BooleanField(
            help_text="true: this request promoted the sentence; false: it was a claim already"
        ),
        "new_claim": serializers.BooleanField(
            help_text="true: the sentence became a claim of its own; false: it states a known claim"
        ),
        "appearance": inline_serializer(
            "PromotedAppearance",
            {
                "id": serializers.IntegerField(),
                "article_revision": serializers.IntegerField(),
                "start": serializers.IntegerField(),
                "end": serializers.IntegerField(),
                "promoted_by": serializers.CharField(allow_null=True),
                "kept_out": serializers.CharField(
                    help_text='Why extraction had kept it out ("" if it had not)'
                ),
            },
        ),
    },
)


SentencesResponse = inline_serializer(
    "ArticleSentences",
    {
        "article": serializers.IntegerField(),
        "revision": serializers.IntegerField(help_text="The revision the offsets index into"),
        "extraction_status": serializers.CharField(),
        "results": inline_serializer(
            "ScoredSentence",
            {
                "start": serializers.IntegerField(),
                "end": serializers.IntegerField(),
                "text": serializers.CharField(help_text="`text[start:end]` of the article"),
                "score": serializers.FloatField(help_text="Check-worthiness, 0-1"),
                "kind": serializers.CharField(),
                "claim": serializers.IntegerField(
                    allow_null=True, help_text="The claim the sentence states, or null when it is in no claim"
                ),
                "kept_out": serializers.CharField(
                    help_text='Why the extractor kept it out whatever its score ("opinion", "question", '
                    '"procedural", "prediction without a measurable figure"...), or ""'
                ),
                "why": serializers.CharField(
                    help_text="Why it is not a claim: kept_out, else its score under the queue threshold "
                    'or its length; "" for a claim'
                ),
            },
            many=True,
        ),
    },
)


class ArticleSentencesView(APIView):
    """Every sentence of the article's extracted text with its offsets and score, the claim it is
    (or null) and why it is not one: what `POST /api/v1/articles/{id}/promote/` takes."""

    @extend_schema(responses=SentencesResponse)
    def get(self, request: Request, pk: int) -> Response:
        article = promotion.access_article(article_id=pk)
        return Response(
            {
                "article": article.pk,
                "revision": article.extracted_revision,
                "extraction_status": article.extraction_status,
                "results": promotion.article_sentences(article),
            }
        )


class PromoteView(APIView):
    """Reviewers and editors: put a sentence the extractor kept out of the queue into the queue.

    The sentence is named by its offsets in the article's cleaned `text`, as
    `GET /api/v1/articles/{id}/sentences/` lists them. It is filed as
    extraction files a claim: a sentence that states a known claim becomes an
    appearance of that claim. Idempotent: the same sentence again answers 200
    with the same claim. Re-extracting the article keeps the promoted claim
    while the article still has the sentence.
    """

    required_scopes = scopes.CLAIMS_REVIEW

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method == "POST":
            promotion.check_promoter(actor=actor_of(request))
            promotion.access_article(article_id=int(kwargs["pk"]))

    @extend_schema(
        request=PromoteInput,
        responses={
            201: PromotionResponse,
            200: OpenApiResponse(PromotionResponse, description="The sentence was a claim already"),
        },
        examples=[
            OpenApiExample(
                "A sentence kept out as opinion",
                request_only=True,
                value={"start": 112, "end": 196, "revision": 1},
            )
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        if not isinstance(request.data, dict):
            raise InvalidInput("Expected a JSON object with the sentence's start and end.")
        serializer = PromoteInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = promotion.do_promote_sentence(
            article_id=pk,
            start=data["start"],
            end=data["end"],
            revision=data.get("revision"),
            actor=actor_of(request),
        )
        appearance = result.appearance
        body = {
            "claim": ClaimSerializer(selectors.claim_detail(claim_id=result.claim.pk)).data,
            "promoted": result.promoted,
            "new_claim": result.new_claim,
            "appearance": {
                "id": appearance.pk,
                "article_revision": appearance.article_revision,
                "start": appearance.start,
                "end": appearance.end,
                "promoted_by": appearance.promoted_by.get_username() if appearance.promoted_by else None,
                "kept_out": appearance.kept_out,
            },
        }
        return Response(body, status=status.HTTP_201_CREATED if result.promoted else status.HTTP_200_OK)
