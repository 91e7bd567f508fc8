"""Small input and output serializers; the logic lives in services and selectors."""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims import selectors
from claims.models import (
    Appearance,
    Article,
    ArticleRevision,
    Claim,
    ClaimEvent,
    ClaimLink,
    Evidence,
    ReextractionJob,
    Verdict,
)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo never silently drops data, and values of the
    wrong JSON type: ``"body": 0`` is an error, not the text "0", as the schema says."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
            wrong = {
                name: [message]
                for name, value in data.items()
                if (message := json_type_error(self.fields[name], value)) is not None
            }
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)


def json_type_error(field: serializers.Field, value: Any) -> str | None:
    """Why ``value`` is not of the JSON type the schema gives ``field``; None when it is."""
    if value is None:
        return None  # null is the field's own decision (allow_null)
    expected: tuple[type, ...]
    if isinstance(field, serializers.BooleanField):
        expected, name = (bool,), "true or false"
    elif isinstance(field, serializers.IntegerField):
        expected, name = (int,), "a whole number"
    elif isinstance(field, serializers.FloatField | serializers.DecimalField):
        expected, name = (int, float), "a number"
    elif isinstance(field, serializers.ListField | serializers.MultipleChoiceField):
        expected, name = (list,), "a list"
    elif isinstance(field, serializers.DictField):
        expected, name = (dict,), "an object"
    elif isinstance(field, serializers.CharField | serializers.ChoiceField | serializers.DateTimeField):
        expected, name = (str,), "a string"
    else:
        return None
    if isinstance(value, bool) and bool not in expected:
        return f"Expected {name}, got true or false."
    if not isinstance(value, expected):
        return f"Expected {name}."
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        for item in value:
            if item is not None and (problem := json_type_error(field.child, item)) is not None:
                return f"Each item: {problem}"
    return None


@extend_schema_field(
    {
        "type": "string",
        "anyOf": [{"format": "uri"}, {"maxLength": 0}],
        "description": "A URL, or empty when none",
    }
)
class UrlOrEmptyField(serializers.URLField):
    """A URL that may be empty (an article without an address, a claim not yet fact-checked elsewhere)."""


class BlankUrlsModelSerializer(serializers.ModelSerializer):
    """Model URL fields that may be blank are documented as a URL or an empty string."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.URLField: UrlOrEmptyField,
    }


class ArticleInputSerializer(StrictSerializer):
    external_id = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True, default="")
    title = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", trim_whitespace=True
    )
    outlet = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    published_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    body = serializers.CharField(allow_blank=False, trim_whitespace=False)
    format = serializers.ChoiceField(choices=["text", "html"], required=False, default="text")


class ArticleSerializer(BlankUrlsModelSerializer):
    outlet = serializers.CharField(source="outlet.name", default="", read_only=True)
    claim_count = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "external_id",
            "url",
            "title",
            "outlet",
            "published_at",
            "format",
            "revision",
            "content_hash",
            "language",
            "extraction_status",
            "extraction_error",
            "extraction_note",
            "extraction_attempts",
            "extractor_version",
            "extracted_at",
            "claim_count",
            "text",
            "removed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_claim_count(self, article: Article) -> int:
        return selectors.article_claim_count(article=article)


class ArticleSummarySerializer(BlankUrlsModelSerializer):
    outlet = serializers.CharField(source="outlet.name", default="", read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "external_id",
            "url",
            "title",
            "outlet",
            "published_at",
            "revision",
            "extraction_status",
        ]
        read_only_fields = fields


class AppearanceSerializer(serializers.ModelSerializer):
    outlet = serializers.SerializerMethodField()

    class Meta:
        model = Appearance
        fields = [
            "id",
            "article",
            "text",
            "start",
            "end",
            "outlet",
            "article_revision",
            "score",
            "speaker",
            "match_score",
            "match_reason",
        ]
        read_only_fields = fields

    def get_outlet(self, appearance: Appearance) -> str:
        outlet = appearance.article.outlet
        return outlet.name if outlet else ""


class PreviouslyCheckedSerializer(serializers.Serializer):
    verdict = serializers.CharField()
    date = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField()
    publisher = serializers.CharField()


_DATETIME = serializers.DateTimeField()  # DRF's own rendering of a date-time (ISO 8601, "Z" for UTC)


def _datetime(value: Any) -> str | None:
    return _DATETIME.to_representation(value) if value is not None else None


def appearance_representation(row: dict[str, Any]) -> dict[str, Any]:
    """An appearance row of ``selectors.appearance_rows`` as ``AppearanceSerializer`` renders it."""
    return {
        "id": row["id"],
        "article": row["article_id"],
        "text": row["text"],
        "start": row["start"],
        "end": row["end"],
        "outlet": row["article__outlet__name"] or "",
        "article_revision": row["article_revision"],
        "score": float(row["score"]),
        "speaker": row["speaker"],
        "match_score": None if row["match_score"] is None else float(row["match_score"]),
        "match_reason": row["match_reason"],
    }


# The declared fields document the shape (the schema is built from them; a docstring would become
# its description); to_representation renders it directly, DRF's generic rendering of a page cost
# more than its queries. tests/test_claim_representation.py holds the two to the same output.
class ClaimSerializer(BlankUrlsModelSerializer):
    appearances = serializers.SerializerMethodField()
    outlets = serializers.SerializerMethodField()
    assignee = serializers.CharField(
        source="assignee.username", default=None, read_only=True, allow_null=True
    )
    previously_checked = serializers.SerializerMethodField(
        help_text="The verdict this claim already has (ours or an imported fact-check), or null"
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "status",
            "score",
            "kind",
            "speaker",
            "reasons",
            "figures",
            "origin",
            "priority",
            "priority_parts",
            "appearance_count",
            "outlet_count",
            "outlets",
            "verdict",
            "rating",
            "verdict_at",
            "review_url",
            "review_publisher",
            "published_url",
            "assignee",
            "version",
            "first_seen",
            "last_seen",
            "previously_checked",
            "merged_into",
            "appearances",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Claim) -> dict[str, Any]:
        claim = instance
        rows = appearance_rows_of(claim)
        return {
            "id": claim.pk,
            "text": claim.text,
            "status": claim.status,
            "score": float(claim.score),
            "kind": claim.kind,
            "speaker": claim.speaker,
            "reasons": claim.reasons,
            "figures": claim.figures,
            "origin": claim.origin,
            "priority": float(claim.priority),
            "priority_parts": claim.priority_parts,
            "appearance_count": claim.appearance_count,
            "outlet_count": claim.outlet_count,
            "outlets": outlet_names(rows),
            "verdict": claim.verdict,
            "rating": claim.rating,
            "verdict_at": _datetime(claim.verdict_at),
            "review_url": claim.review_url,
            "review_publisher": claim.review_publisher,
            "published_url": claim.published_url,
            "assignee": claim.assignee.username if claim.assignee is not None else None,
            "version": claim.version,
            "first_seen": _datetime(claim.first_seen),
            "last_seen": _datetime(claim.last_seen),
            "previously_checked": self.get_previously_checked(claim),
            "merged_into": claim.merged_into_id,
            "appearances": [appearance_representation(row) for row in rows],
        }

    @extend_schema_field(PreviouslyCheckedSerializer(allow_null=True))
    def get_previously_checked(self, claim: Claim) -> dict[str, Any] | None:
        if not claim.verdict:
            return None
        return {
            "verdict": claim.verdict,
            "date": claim.verdict_at.isoformat() if claim.verdict_at else None,
            "url": claim.review_url,
            "publisher": claim.review_publisher,
        }

    def get_appearances(self, claim: Claim) -> list[dict[str, Any]]:
        return [appearance_representation(row) for row in appearance_rows_of(claim)]

    def get_outlets(self, claim: Claim) -> list[str]:
        return outlet_names(appearance_rows_of(claim))


def appearance_rows_of(claim: Claim) -> list[dict[str, Any]]:
    """The claim's current appearances as rows of ``selectors.appearance_rows``: the rows read for
    a list's page, else the prefetched appearances (``claim_list``), else a query."""
    rows = getattr(claim, "appearance_rows", None)
    if rows is not None:
        return list(rows)
    appearances = getattr(claim, "current_appearances", None)
    if appearances is None:
        appearances = claim.appearances.filter(current=True).select_related("article__outlet")
    return [
        {
            "id": a.pk,
            "claim_id": a.claim_id,
            "article_id": a.article_id,
            "text": a.text,
            "start": a.start,
            "end": a.end,
            "article_revision": a.article_revision,
            "score": a.score,
            "speaker": a.speaker,
            "match_score": a.match_score,
            "match_reason": a.match_reason,
            "article__outlet_id": a.article.outlet_id,
            "article__outlet__name": a.article.outlet.name if a.article.outlet else None,
        }
        for a in appearances
    ]


def outlet_names(rows: list[dict[str, Any]]) -> list[str]:
    """The outlets of these appearance rows, each once, by name."""
    return sorted({row["article__outlet__name"] for row in rows if row["article__outlet_id"] is not None})


class RelatedClaimSerializer(serializers.Serializer):
    """A linked claim shown beside this one: a figure conflict, a series, a contradiction or a match."""

    link = serializers.IntegerField(
        help_text="The link's id: POST .../conflicts/{link}/dismiss/ dismisses a conflict"
    )
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    resolved = serializers.BooleanField()
    dismissal = serializers.CharField(
        help_text="Why a reviewer dismissed this figure conflict ("
        + ", ".join(ClaimLink.Dismissal.values)
        + "); empty while it stands"
    )
    note = serializers.CharField(help_text="The reviewer's words on the dismissal")
    claim = serializers.DictField()


def related_claims(claim: Claim) -> list[dict[str, Any]]:
    """Links in both directions, from the prefetched ``links_out``/``links_in`` of ``claim_detail``."""
    labels = dict(ClaimLink.Kind.choices)
    rows = [(link, link.to_claim) for link in claim.links_out.all()]
    rows += [(link, link.from_claim) for link in claim.links_in.all()]
    related: list[dict[str, Any]] = [
        {
            "link": link.pk,
            "kind": link.kind,
            "kind_label": labels.get(link.kind, link.kind),
            "score": link.score,
            "resolved": link.resolved,
            "dismissal": link.dismissal,
            "note": link.note,
            "claim": {
                "id": other.pk,
                "text": other.text,
                "status": other.status,
                "figures": other.figures,
                "verdict": other.verdict,
                "review_url": other.review_url,
                "origin": other.origin,
                "merged_into": other.merged_into_id,
            },
        }
        for link, other in rows
    ]
    # Standing conflicts first, then dismissed ones, then the rest.
    related.sort(
        key=lambda r: (
            r["kind"] != ClaimLink.Kind.FIGURE_CONFLICT,
            bool(r["dismissal"]),
            -(r["score"] or 0),
            r["claim"]["id"],
        )
    )
    return related


class ClaimDetailSerializer(ClaimSerializer):
    related = serializers.SerializerMethodField(
        help_text="Claims about the same quantity with a different figure for the same period (possible "
        "conflicts, first), the same quantity in another period (series), contradictions and possible matches"
    )

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "related"]
        read_only_fields = fields

    def to_representation(self, instance: Claim) -> dict[str, Any]:
        return {**super().to_representation(instance), "related": self.get_related(instance)}

    @extend_schema_field(RelatedClaimSerializer(many=True))
    def get_related(self, claim: Claim) -> list[dict[str, Any]]:
        return related_claims(claim)


# --- Review: evidence, verdicts, audit trail


class EvidenceSerializer(serializers.ModelSerializer):
    added_by = serializers.CharField(source="added_by.username", default=None, read_only=True)

    class Meta:
        model = Evidence
        fields = [
            "id",
            "url",
            "title",
            "publisher",
            "primary",
            "stance",
            "excerpt",
            "accessed_at",
            "added_by",
            "created_at",
        ]
        read_only_fields = fields


class VerdictSerializer(serializers.ModelSerializer):
    verdict = serializers.CharField(source="value", read_only=True)
    rating = serializers.CharField(
        source="rating.name", default=None, read_only=True, allow_null=True, help_text="From the desk's scale"
    )
    author = serializers.CharField(source="author.username", default=None, read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", default=None, read_only=True)

    class Meta:
        model = Verdict
        fields = [
            "id",
            "verdict",
            "rating",
            "rationale",
            "state",
            "author",
            "decided_by",
            "decided_at",
            "comment",
            "created_at",
        ]
        read_only_fields = fields


class ClaimEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True, allow_null=True)
    integration = serializers.CharField(
        source="integration.name", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = ClaimEvent
        fields = [
            "id",
            "action",
            "from_status",
            "to_status",
            "actor",
            "integration",
            "reason",
            "data",
            "created_at",
        ]
        read_only_fields = fields


class EventActorSerializer(serializers.Serializer):
    user = serializers.CharField(allow_null=True, help_text="The person, or the integration's service user")
    integration = serializers.CharField(allow_null=True, help_text="The API key's integration, if any")


class EventSerializer(serializers.Serializer):
    """One event of the log as the events feed publishes it."""

    id = serializers.IntegerField(help_text="Position in the log; pass it as `after` to read on")
    type = serializers.CharField(source="action", help_text="A member of the event types (see README)")
    occurred_at = serializers.DateTimeField(source="created_at")
    actor = serializers.SerializerMethodField(help_text="Who did it; null for the system")
    claim = serializers.IntegerField(source="claim_id", allow_null=True)
    article = serializers.IntegerField(source="article_id", allow_null=True)
    data = serializers.SerializerMethodField()  # type: ignore[assignment]  # DRF pops declared fields

    @extend_schema_field(EventActorSerializer(allow_null=True))
    def get_actor(self, event: ClaimEvent) -> dict[str, Any] | None:
        if event.actor_id is None and event.integration_id is None:
            return None
        return {
            "user": event.actor.get_username() if event.actor else None,
            "integration": event.integration.name if event.integration else None,
        }

    @extend_schema_field(serializers.DictField())
    def get_data(self, event: ClaimEvent) -> dict[str, Any]:
        extra = {
            key: value
            for key, value in (
                ("from_status", event.from_status),
                ("to_status", event.to_status),
                ("reason", event.reason),
            )
            if value
        }
        return {**extra, **(event.data or {})}


class EventPageSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page, while the page came back full")
    cursor = serializers.IntegerField(help_text="The id to pass as `after` next time (the last one seen)")


class RevisionChangeSerializer(serializers.Serializer):
    from_claim = serializers.IntegerField(source="from", help_text="The claim the old sentence stated")
    to_claim = serializers.IntegerField(source="to", help_text="The claim the new sentence states")
    before = serializers.CharField()
    after = serializers.CharField()


class RevisionChangesSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.IntegerField(), help_text="Claims of new sentences")
    changed = RevisionChangeSerializer(many=True, help_text="Sentences whose wording or figure changed")
    removed = serializers.ListField(
        child=serializers.IntegerField(), help_text="Claims whose sentence is gone"
    )


class ArticleRevisionSerializer(serializers.ModelSerializer):
    revision = serializers.IntegerField(source="number")
    changes = serializers.SerializerMethodField(help_text="Empty until the revision is extracted")

    class Meta:
        model = ArticleRevision
        fields = ["revision", "content_hash", "format", "received_at", "extracted_at", "changes"]
        read_only_fields = fields

    @extend_schema_field(RevisionChangesSerializer())
    def get_changes(self, revision: ArticleRevision) -> dict[str, Any]:
        changes = revision.changes or {}
        return {
            "added": changes.get("added", []),
            "changed": [
                {"from_claim": c["from"], "to_claim": c["to"], "before": c["before"], "after": c["after"]}
                for c in changes.get("changed", [])
            ],
            "removed": changes.get("removed", []),
        }


class ReextractionJobSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None, read_only=True)
    progress = serializers.SerializerMethodField(help_text="Share of the articles handled, 0 to 1")

    class Meta:
        model = ReextractionJob
        fields = [
            "id",
            "state",
            "filter",
            "total",
            "done",
            "failed",
            "progress",
            "error",
            "created_by",
            "created_at",
            "updated_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_progress(self, job: ReextractionJob) -> float:
        if job.state == ReextractionJob.State.DONE:
            return 1.0
        return round(min(1.0, job.done / job.total), 4) if job.total else 0.0
