"""Data model of the claim tracker (see DESIGN.md, "Data model").

Status fields are written only by ``claims.workflow`` (claims) and
``claims.filing`` / ``claims.ingest`` (article extraction); everything else reads them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from .event_types import EventType
from .index_models import ClaimIndex, ClaimTerm, TermStat
from .quotation_models import ClaimQuotation
from .status_guard import ClaimQuerySet

# kept in their own modules; every model is imported from here
__all__ = ["ClaimIndex", "ClaimQuotation", "ClaimTerm", "TermStat"]


class Outlet(models.Model):
    name = models.CharField(max_length=200, unique=True)
    domain = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    class Format(models.TextChoices):
        TEXT = "text", "Plain text"
        HTML = "html", "HTML"

    class Extraction(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    integration = models.ForeignKey(
        "integrations.Integration", null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    external_id = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    outlet = models.ForeignKey(
        Outlet, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    body = models.TextField(help_text="The article as received")
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.TEXT)
    content_hash = models.CharField(max_length=64, db_index=True)
    revision = models.PositiveIntegerField(default=1, help_text="Bumped every time the body changes")
    text = models.TextField(blank=True, help_text="Cleaned text; appearance offsets index into it")
    language = models.CharField(max_length=16, blank=True)
    removed = models.JSONField(default=list, blank=True, help_text="Boilerplate dropped by cleaning")
    sentences = models.JSONField(
        default=list, blank=True, help_text="Every sentence with its score, so thresholds can be tuned"
    )
    extraction_status = models.CharField(
        max_length=10, choices=Extraction.choices, default=Extraction.PENDING, db_index=True
    )
    extraction_error = models.TextField(blank=True, help_text="Why extraction failed")
    extraction_note = models.TextField(
        blank=True, help_text="Why a successful extraction found no claims (e.g. an unsupported language)"
    )
    extraction_attempts = models.PositiveIntegerField(
        default=0, help_text="Deliveries of this revision's extraction; reset by a new revision or a retry"
    )
    extraction_since = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="When the article last became pending or running"
    )
    extractor_version = models.CharField(max_length=32, blank=True)
    extracted_revision = models.PositiveIntegerField(default=0)
    extracted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "external_id"],
                condition=Q(integration__isnull=False) & ~Q(external_id=""),
                name="article_external_id_unique_per_integration",
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=Q(integration__isnull=True) & ~Q(external_id=""),
                name="article_external_id_unique_without_integration",
            ),
            models.CheckConstraint(
                condition=Q(extraction_status__in=["pending", "running", "done", "failed"]),
                name="article_extraction_status_valid",
            ),
            models.CheckConstraint(condition=Q(format__in=["text", "html"]), name="article_format_valid"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="article_revision_positive"),
        ]

    def __str__(self) -> str:
        return self.title or f"Article {self.pk}"


class ArticleRevision(models.Model):
    """One body an article had: every update with a new body keeps the one before.

    ``changes`` says what the revision's extraction did to the article's claims:
    ``added`` (claim ids), ``changed`` ({from, to, before, after}: a sentence
    whose wording or figure changed) and ``removed`` (claim ids).
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    format = models.CharField(max_length=8, choices=Article.Format.choices, default=Article.Format.TEXT)
    content_hash = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)
    extracted_at = models.DateTimeField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["article_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_revision_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="article_revision_number_positive"),
        ]

    def __str__(self) -> str:
        return f"article {self.article_id} revision {self.number}"


class Claim(models.Model):
    class Kind(models.TextChoices):
        STATISTIC = "statistic", "Statistic"
        QUOTE = "quote", "Quote"
        EVENT = "event", "Event"
        COMPARISON = "comparison", "Comparison"
        PREDICTION = "prediction", "Prediction"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_REVIEW = "in_review", "In review"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        VERIFIED = "verified", "Verified"
        DISPUTED = "disputed", "Disputed"
        DISMISSED = "dismissed", "Dismissed"

    class Origin(models.TextChoices):
        EXTRACTED = "extracted", "Extracted from an article"
        IMPORTED = "imported", "Imported fact-check"
        MANUAL = "manual", "Entered by hand"

    text = models.TextField()
    normalized_text = models.TextField(blank=True, db_index=False, help_text="Lower-cased, for matching")
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    speaker = models.CharField(max_length=200, blank=True, db_index=True)
    score = models.FloatField(default=0.0, help_text="Check-worthiness in [0, 1]")
    reasons = models.JSONField(default=list, blank=True)
    figures = models.JSONField(default=list, blank=True)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.EXTRACTED)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    priority = models.FloatField(default=0.0, db_index=True)
    priority_parts = models.JSONField(default=dict, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_claims",
    )
    version = models.PositiveIntegerField(default=1, help_text="Optimistic lock; bumped on every change")
    appearance_count = models.PositiveIntegerField(default=0)
    outlet_count = models.PositiveIntegerField(default=0)
    # The verdict shown to the outside world: our latest approved verdict, or the
    # rating of an imported fact-check (stored as given).
    verdict = models.CharField(max_length=200, blank=True)
    # The rating (a name from the desk's scale) of that verdict; empty for a verdict given without one.
    rating = models.CharField(max_length=50, blank=True)
    verdict_at = models.DateTimeField(null=True, blank=True)
    review_url = models.URLField(max_length=2000, blank=True)
    review_publisher = models.CharField(max_length=200, blank=True)
    review_headline = models.TextField(
        blank=True, help_text="Headline of an imported fact-check; matched too"
    )
    published_url = models.URLField(
        max_length=2000,
        blank=True,
        help_text="Where our fact-check of the claim is published: the url of its ClaimReview",
    )
    repeated_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="When an article last repeated the claim after its verdict",
    )
    source_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="When an article revision changed or removed the sentence the claim was checked in",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_claims"
    )
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True, db_index=True)
    # Kept by workflow.apply_transition with the event that hands the claim over (migration 0019).
    in_review_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="While in someone's hands: when it went into review"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-priority", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="claim_score_in_unit_range"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["new", "in_review", "awaiting_approval", "verified", "disputed", "dismissed"]
                ),
                name="claim_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["statistic", "quote", "event", "comparison", "prediction", "other"]),
                name="claim_kind_valid",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="claim_version_positive"),
            models.CheckConstraint(condition=~Q(merged_into=F("id")), name="claim_not_merged_into_itself"),
        ]
        indexes = [
            models.Index(fields=["status", "-priority"], name="claim_queue_idx"),
            # The queue sorted by recency reads this index instead of sorting every open claim.
            models.Index(F("last_seen").desc(nulls_last=True), F("id").desc(), name="claim_recent_idx"),
            # The statistics page's most repeated claims.
            models.Index(
                fields=["-appearance_count", "-outlet_count", "-id"],
                condition=Q(merged_into__isnull=True),
                name="claim_repeated_idx",
            ),
            # The lists' default order (priority, then id), read from the top without a sort.
            models.Index(fields=["-priority", "-id"], name="claim_priority_order_idx"),
            # ?speaker= compares without case: UPPER(speaker) = UPPER(%s).
            models.Index(Upper("speaker"), name="claim_speaker_upper_idx"),
            # ?updated_since=: a CMS polling for what changed.
            models.Index(fields=["updated_at"], name="claim_updated_at_idx"),
            # ?q= on PostgreSQL: a generated tsvector column with a GIN index (migration 0015).
            # The queue sorted by age in review: longest in someone's hands first, then by priority.
            models.Index(
                F("in_review_since").asc(nulls_last=True),
                F("priority").desc(),
                F("id").desc(),
                name="claim_age_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class Appearance(models.Model):
    """One sentence of one article revision that states a claim."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="appearances")
    article_revision = models.PositiveIntegerField()
    text = models.TextField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    score = models.FloatField(default=0.0)
    speaker = models.CharField(max_length=200, blank=True)
    current = models.BooleanField(default=True, db_index=True)
    match_score = models.FloatField(null=True, blank=True, help_text="Similarity to the claim when matched")
    match_reason = models.CharField(max_length=500, blank=True, help_text="Why it was filed under this claim")
    # A sentence the extractor kept out of the queue that a reviewer promoted (claims.promotion):
    # re-extraction keeps it while the article still has the sentence, as it keeps any claim.
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    promoted_at = models.DateTimeField(null=True, blank=True)
    kept_out = models.CharField(
        max_length=200, blank=True, help_text="Why extraction kept the sentence out of the queue, if promoted"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article_id", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="appearance_end_after_start"),
            models.UniqueConstraint(
                fields=["article", "article_revision", "start"], name="appearance_unique_per_article_revision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} in {self.article_id}[{self.start}:{self.end}]"


class ClaimLink(models.Model):
    """A relation between two claims: a figure conflict, a series, a contradiction or a suggested match."""

    class Kind(models.TextChoices):
        FIGURE_CONFLICT = "figure_conflict", "Same quantity, different figure"
        SERIES = "series", "Same quantity, another period"
        CONTRADICTION = "contradiction", "Contradicts"
        SUGGESTED_MATCH = "suggested_match", "Possibly the same claim"

    class Dismissal(models.TextChoices):
        DIFFERENT_PERIODS = "different_periods", "Different periods"
        DIFFERENT_MEASURES = "different_measures", "Different measures"
        DIFFERENT_SUBJECTS = "different_subjects", "Different subjects"
        OTHER = "other", "Other"

    from_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="links_out")
    to_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    score = models.FloatField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="The reviewer's words on a dismissed conflict")
    data = models.JSONField(default=dict, blank=True)
    resolved = models.BooleanField(default=False)
    dismissal = models.CharField(max_length=20, choices=Dismissal.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_claim", "to_claim", "kind"], name="claimlink_unique"),
            models.CheckConstraint(condition=~Q(from_claim=F("to_claim")), name="claimlink_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.from_claim_id} {self.kind} {self.to_claim_id}"


class Evidence(models.Model):
    class Stance(models.TextChoices):
        SUPPORTS = "supports", "Supports"
        REFUTES = "refutes", "Refutes"
        CONTEXT = "context", "Context"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    primary = models.BooleanField(
        default=False, help_text="A primary source: the data, document or record itself"
    )
    stance = models.CharField(max_length=10, choices=Stance.choices, default=Stance.CONTEXT)
    excerpt = models.TextField(blank=True)
    accessed_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-primary", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stance__in=["supports", "refutes", "context"]), name="evidence_stance_valid"
            ),
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="evidence_url_is_http",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class Rating(models.Model):
    """One step of the desk's rating scale (admins edit it in the admin site).

    A verdict carries a rating ("Mostly true", "Misleading"...); the rating
    says which status the claim takes (verified or disputed) and its numeric
    schema.org ratingValue on a 1 (false) to 5 (true) scale; a rating outside
    that scale (Unproven) has none.
    """

    name = models.SlugField(max_length=50, unique=True, help_text="What the API sends: mostly-true")
    label = models.CharField(max_length=100, help_text="What people read: Mostly true")
    description = models.TextField(blank=True)
    leads_to = models.CharField(max_length=10, choices=[("verified", "Verified"), ("disputed", "Disputed")])
    value = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="ClaimReview ratingValue, 1 (false) to 5 (true); empty when off the scale",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on forms and in the API")
    active = models.BooleanField(default=True, help_text="Offered for new verdicts; old verdicts keep theirs")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(leads_to__in=["verified", "disputed"]), name="rating_leads_to_valid"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=1, value__lte=5), name="rating_value_on_scale"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Verdict(models.Model):
    """A proposed or decided verdict. Every revision is kept; the latest approved one is shown."""

    class Value(models.TextChoices):
        VERIFIED = "verified", "Verified"
        DISPUTED = "disputed", "Disputed"

    class State(models.TextChoices):
        PROPOSED = "proposed", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="verdicts")
    value = models.CharField(max_length=10, choices=Value.choices)
    rating = models.ForeignKey(
        Rating,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="From the desk's scale",
    )
    rationale = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__in=["verified", "disputed"]), name="verdict_value_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["proposed", "approved", "rejected"]), name="verdict_state_valid"
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="verdict_has_rationale"),
        ]

    def __str__(self) -> str:
        return f"{self.value} ({self.state})"


class ClaimEvent(models.Model):
    """The event log: one append-only row for every change of a claim or an article.

    Written in the same transaction as the change it records, so it is also the
    outbox: consumers (priority, webhooks, digests, the events feed) read it by
    cursor. ``action`` holds a member of ``claims.events.EventType``. On
    PostgreSQL ids are handed out in commit order (see ``claims.events``), so a
    cursor over ids never skips an event that commits late.
    """

    # The trail outlives nothing it speaks of: a claim, article, person or key with events
    # cannot be deleted (dismiss the claim, deactivate the person, revoke the key instead),
    # and on PostgreSQL a trigger refuses any UPDATE or DELETE of an event (migration 0012).
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(max_length=40, db_index=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    integration = models.ForeignKey(
        "integrations.Integration", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # When a claim last went into review: the queue's age of each claim in someone's hands.
            models.Index(
                fields=["claim", "-created_at"],
                condition=Q(to_status="in_review"),
                name="event_into_review_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(claim__isnull=False) | Q(article__isnull=False), name="event_has_subject"
            ),
            models.CheckConstraint(condition=Q(action__in=EventType.values()), name="event_type_known"),
        ]

    def __str__(self) -> str:
        subject = f"claim {self.claim_id}" if self.claim_id else f"article {self.article_id}"
        return f"{subject}: {self.action} {self.from_status}->{self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("ClaimEvent rows are append-only")
        super().save(*args, **kwargs)

    @property
    def actor_label(self) -> str:
        if self.integration_id:
            return f"integration:{self.integration_id}"
        if self.actor_id:
            return str(self.actor)
        return "system"


class EventCursor(models.Model):
    """How far one consumer of the event log has got: every event up to ``position`` is handled.

    The cursor moves in the same transaction as the consumer's own writes, so a
    consumer that dies mid-batch starts again where its last commit left it.
    """

    name = models.CharField(max_length=100, unique=True)
    position = models.BigIntegerField(default=0, help_text="Id of the last event handled")
    failures = models.PositiveIntegerField(default=0, help_text="Failed attempts at the next event")
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} at {self.position}"


class ReextractionJob(models.Model):
    """Re-extraction of many articles (after an extractor upgrade), run in chunks and resumable.

    ``position`` is the id of the last article handled: a job interrupted by a
    restart goes on from there, and articles are read a chunk at a time.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filter = models.JSONField(default=dict, blank=True, help_text="all, since (ISO date) or outlet")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    position = models.BigIntegerField(default=0, help_text="Id of the last article handled")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "running", "done", "failed"]),
                name="reextraction_job_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"re-extraction job {self.pk} ({self.state}, {self.done}/{self.total})"


# Django finds the statistics page's running counts through this module.
from . import tally_models  # noqa: E402, F401
