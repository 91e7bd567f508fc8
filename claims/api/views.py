"""Thin API views: validate input, call one service or selector, render output."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import ingest, jobs, selectors
from claims.errors import InvalidInput, PayloadTooLarge
from claims.models import ArticleRevision, Claim
from integrations import scopes
from integrations.models import Integration

from .filters import ClaimFilterSet, StrictFilterBackend
from .pagination import LargeListPagination
from .params import SINCE_SCHEMA, StrictOrderingFilter
from .prechecks import actor_of
from .query import QueryParams
from .serializers import (
    ArticleInputSerializer,
    ArticleRevisionSerializer,
    ArticleSerializer,
    ArticleSummarySerializer,
    ClaimDetailSerializer,
    ClaimSerializer,
    ReextractionJobSerializer,
)


def _check_request_size(request: Request) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise PayloadTooLarge(f"Request body is larger than {settings.MAX_ARTICLE_BYTES} bytes.")


ARTICLE_EXAMPLE = OpenApiExample(
    "An article from the CMS",
    request_only=True,
    value={
        "external_id": "cms-2026-0412",
        "url": "https://daily.example.com/economy/jobs",
        "title": "Jobless rate at record low, minister says",
        "outlet": "Daily Example",
        "published_at": "2026-03-30T07:00:00Z",
        "body": "Unemployment fell to 3.5% in March, the lowest since 1974, "
        "Labour Minister Jane Smith said on Monday.",
        "format": "text",
    },
)


class ArticleListQuery(QueryParams):
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text="The CMS's id of the article; an API key finds only its own integration's",
    )


class ArticleListCreateView(generics.ListAPIView):
    """List articles, newest first, or submit one (idempotent on ``external_id``).

    ``external_id`` finds an article by the CMS's own id: an API key sees only its
    integration's articles (the id is unique per integration); people see all.
    """

    required_scopes = {"GET": scopes.CLAIMS_READ, "POST": scopes.ARTICLES_WRITE}

    serializer_class = ArticleSummarySerializer
    filter_backends = [StrictOrderingFilter]
    ordering_fields = ["created_at", "published_at", "id"]

    def get_queryset(self) -> Any:
        query = ArticleListQuery.read(self.request)
        auth = self.request.auth
        return selectors.article_list(
            external_id=query.get("external_id") or None,
            integration=auth if isinstance(auth, Integration) else None,
        )

    @extend_schema(parameters=[ArticleListQuery])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ArticleInputSerializer,
        responses={200: ArticleSerializer, 201: ArticleSerializer},
        examples=[ARTICLE_EXAMPLE],
    )
    def post(self, request: Request) -> Response:
        _check_request_size(request)
        if not isinstance(request.data, dict):
            raise InvalidInput("Expected a JSON object with at least a 'body' field.")
        serializer = ArticleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = ingest.do_ingest_article(
            data=ingest.ArticleInput(**serializer.validated_data), actor=actor_of(request)
        )
        article = selectors.article_detail(article_id=result.article.pk)
        return Response(
            ArticleSerializer(article).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


class ArticleDetailView(APIView):
    @extend_schema(responses=ArticleSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ArticleSerializer(selectors.article_detail(article_id=pk)).data)


class ArticleRevisionListView(generics.ListAPIView):
    """Every body the article had, newest first, with what each did to its claims."""

    serializer_class = ArticleRevisionSerializer
    queryset = ArticleRevision.objects.none()  # for the schema; the real one comes from the selector

    def get_queryset(self) -> Any:
        return selectors.article_revisions(article_id=self.kwargs["pk"])


class JobDetailView(APIView):
    """A re-extraction job's progress (see manage.py reextract)."""

    @extend_schema(responses=ReextractionJobSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReextractionJobSerializer(jobs.access_job(job_id=pk)).data)


class ArticleRetryView(APIView):
    """Editors and integrations: try a failed extraction again (409 unless it failed)."""

    required_scopes = scopes.ARTICLES_WRITE

    @extend_schema(request=None, responses=ArticleSerializer)
    def post(self, request: Request, pk: int) -> Response:
        ingest.do_retry_extraction(article_id=pk, actor=actor_of(request))
        return Response(ArticleSerializer(selectors.article_detail(article_id=pk)).data)


CLAIM_FILTERS = [
    OpenApiParameter(
        "article", OpenApiTypes.INT, description="Claims with a current appearance in this article"
    ),
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        enum=[*Claim.Status.values, "open"],
        description="A status, or 'open': new, in review, awaiting approval, or repeated after its verdict",
    ),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=[k.value for k in Claim.Kind]),
    OpenApiParameter("speaker", OpenApiTypes.STR, description="Speaker name, case-insensitive"),
    OpenApiParameter("outlet", OpenApiTypes.STR, description="Outlet name or id"),
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description='Full-text search in claim text and speaker (English stemming; "a phrase", '
        "-word and OR as in a web search engine)",
    ),
    OpenApiParameter(
        "updated_since",
        SINCE_SCHEMA,
        description="Claims changed at or after this ISO 8601 date or date-time (400 if unreadable)",
    ),
]


class ClaimListView(generics.ListAPIView):
    """Claims, highest priority first, each with its current appearances.

    ``count`` is exact up to 1,000 matching claims and an estimate above that;
    follow ``next`` to read every page.
    """

    serializer_class = ClaimSerializer
    pagination_class = LargeListPagination
    filter_backends = [StrictFilterBackend, StrictOrderingFilter]
    filterset_class = ClaimFilterSet
    ordering_fields = [
        "priority",
        "score",
        "last_seen",
        "first_seen",
        "id",
        "appearance_count",
        "outlet_count",
    ]
    ordering = ["-priority", "-id"]

    def get_queryset(self) -> Any:
        # Filtered by ClaimFilterSet, through the same selector; the page's appearances are read
        # after the page is cut, as plain rows.
        return selectors.claim_list(appearances=False)

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        return None if page is None else selectors.appearance_rows(page)

    @extend_schema(parameters=CLAIM_FILTERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ClaimDetailView(APIView):
    @extend_schema(responses=ClaimDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ClaimDetailSerializer(selectors.claim_detail(claim_id=pk)).data)
