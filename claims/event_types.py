"""The kinds of event the log holds, each with the line it adds to a claim's or article's story.

Plain Python, so the data model can constrain the log to these values (a row
of any other type is refused by the database). ``claims.events`` writes and
reads the log.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """Every kind of event the log holds. The database refuses any other value."""

    # A claim's life outside the review workflow
    CREATED = "created"
    REPEATED = "repeated"
    IMPORTED = "imported"
    REIMPORTED = "reimported"
    EVIDENCE_ADDED = "evidence_added"
    SOURCE_CHANGED = "source_changed"
    PROMOTED = "promoted"
    # Review workflow transitions (claims.workflow.EVENTS)
    TAKEN = "taken"
    ASSIGNED = "assigned"
    RELEASED = "released"
    VERDICT_PROPOSED = "verdict_proposed"
    VERDICT_PUBLISHED = "verdict_published"
    VERDICT_APPROVED = "verdict_approved"
    VERDICT_REJECTED = "verdict_rejected"
    DISMISSED = "dismissed"
    REOPENED = "reopened"
    CLAIM_PUBLISHED = "published"
    # Editors' corrections of the matcher
    MERGED = "merged"
    MERGED_INTO = "merged_into"
    SPLIT = "split"
    UNMERGED = "unmerged"
    UNSPLIT = "unsplit"
    RESTORED = "restored"
    # Reviewers' corrections of the links between claims
    CONFLICT_DISMISSED = "conflict_dismissed"
    # Articles
    ARTICLE_RECEIVED = "article_received"
    ARTICLE_REVISED = "article_revised"
    ARTICLE_REQUEUED = "article_requeued"
    ARTICLE_EXTRACTED = "article_extracted"
    ARTICLE_FAILED = "article_failed"

    @classmethod
    def values(cls) -> list[str]:
        return [member.value for member in cls]


ARTICLE_EVENTS = frozenset(
    {
        EventType.ARTICLE_RECEIVED,
        EventType.ARTICLE_REVISED,
        EventType.ARTICLE_REQUEUED,
        EventType.ARTICLE_EXTRACTED,
        EventType.ARTICLE_FAILED,
    }
)

# What each event says in a claim's or an article's story, beside the type it tells.
# Placeholders are filled from the event's data (see ``describe_event``).
STORIES: dict[EventType, str] = {
    EventType.CREATED: "Found in an article",
    EventType.REPEATED: "Repeated in another article",
    EventType.IMPORTED: "Imported from a published fact-check",
    EventType.REIMPORTED: "Updated from the published fact-check",
    EventType.EVIDENCE_ADDED: "Added {evidence}",
    EventType.SOURCE_CHANGED: "Its article changed (revision {revision}): {change}",
    EventType.PROMOTED: "A sentence kept out of the queue was promoted as this claim",
    EventType.TAKEN: "Took it from the queue",
    EventType.ASSIGNED: "Assigned it to {assignee}",
    EventType.RELEASED: "Handed it back to the queue",
    EventType.VERDICT_PROPOSED: "Proposed the verdict “{value}”",
    EventType.VERDICT_PUBLISHED: "Published the verdict “{value}”",
    EventType.VERDICT_APPROVED: "Approved the verdict “{value}”",
    EventType.VERDICT_REJECTED: "Sent the verdict “{value}” back to review",
    EventType.DISMISSED: "Dismissed it",
    EventType.REOPENED: "Reopened it",
    EventType.CLAIM_PUBLISHED: "Published the fact-check at {url}",
    EventType.MERGED: "Merged claim {source} into this claim",
    EventType.MERGED_INTO: "Merged into claim {target}",
    EventType.SPLIT: "Split {count} appearance(s) off into claim {new_claim}",
    EventType.UNMERGED: "Undid the merge of claim {source}",
    EventType.UNSPLIT: "Folded claim {new_claim} back into this claim",
    EventType.RESTORED: "Restored: the merge it was part of was undone",
    EventType.CONFLICT_DISMISSED: "Dismissed the figure conflict with claim {other}: {dismissal_label}",
    EventType.ARTICLE_RECEIVED: "Received",
    EventType.ARTICLE_REVISED: "Received revision {revision}",
    EventType.ARTICLE_REQUEUED: "Queued for extraction again",
    EventType.ARTICLE_EXTRACTED: "Extracted: {claims} claim(s)",
    EventType.ARTICLE_FAILED: "Extraction failed: {error}",
}
