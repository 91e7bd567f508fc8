"""Archiving evidence: a pending snapshot when evidence is added, then one guarded fetch.

Evidence reaches this module through the event log (the ``snapshots``
consumer), not through a hook in the review service, so a crash between the
commit and the fetch loses nothing: the consumer's cursor moves in the same
transaction that writes the pending row, and the fetch is queued after that
commit. A fetch whose queueing was lost, or whose worker died, is queued again
by the sweep; every outcome, good or bad, ends on the row.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import timedelta

import trafilatura
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from claims import background
from claims.extraction import looks_binary
from claims.models import ClaimEvent, Evidence
from factcheck import outbound

from .models import EvidenceSnapshot

logger = logging.getLogger(__name__)

CONSUMER = "snapshots"
TAKE_SNAPSHOT = "snapshots.tasks.take_snapshot"
MAX_ATTEMPTS = 3
# Text bodies kept as they are (a CSV of the figures is itself the evidence).
TEXT_TYPES = frozenset({"application/json", "application/xml", "application/csv", "application/ld+json"})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MAX_TEXT_CHARS = 1_000_000

State = EvidenceSnapshot.State


def snapshot_new_evidence(events: Sequence[ClaimEvent]) -> None:
    """Event-log consumer: one pending snapshot per new evidence item, its fetch queued after the commit.

    Idempotent: the same event handled again finds its snapshot and queues nothing.
    """
    ids = {event.data.get("evidence") for event in events}
    existing = Evidence.objects.filter(pk__in=[i for i in ids if isinstance(i, int)]).values_list(
        "pk", flat=True
    )
    for evidence_id in sorted(existing):
        snapshot, created = EvidenceSnapshot.objects.get_or_create(evidence_id=evidence_id)
        if created:
            schedule(snapshot.pk)


def schedule(snapshot_id: int) -> None:
    # robust: a broker that is down must not undo the cursor's move; the sweep queues it later.
    transaction.on_commit(lambda: background.enqueue(TAKE_SNAPSHOT, snapshot_id), robust=True)


def do_take_snapshot(*, snapshot_id: int) -> EvidenceSnapshot | None:
    """Fetch a pending snapshot's link and record what came back; one no longer pending is left alone."""
    if not EvidenceSnapshot.objects.filter(pk=snapshot_id, state=State.PENDING).update(
        attempts=F("attempts") + 1, updated_at=timezone.now()
    ):
        return EvidenceSnapshot.objects.filter(pk=snapshot_id).first()
    snapshot = EvidenceSnapshot.objects.select_related("evidence").get(pk=snapshot_id)
    if snapshot.attempts > MAX_ATTEMPTS:
        _finish(
            snapshot, state=State.FAILED, error=f"gave up after {MAX_ATTEMPTS} attempts that never finished"
        )
    else:
        try:
            fetched = outbound.fetch(snapshot.evidence.url)
        except outbound.FetchError as exc:
            _finish(
                snapshot, state=State.FAILED, error=exc.reason, http_status=exc.http_status, final_url=exc.url
            )
        else:
            _finish(snapshot, state=State.DONE, **_archived(fetched))
    snapshot.refresh_from_db()
    return snapshot


def _archived(fetched: outbound.FetchResult) -> dict[str, object]:
    text, note = snapshot_text(fetched)
    if "\x00" in text:  # a text page with NUL bytes past the binary check's sample
        text, note = text.replace("\x00", ""), note or "NUL bytes removed from the text"
    return {
        "http_status": fetched.status,
        "final_url": fetched.final_url,
        "content_type": fetched.content_type.replace("\x00", "")[:200],
        "sha256": hashlib.sha256(fetched.content).hexdigest(),
        "size": len(fetched.content),
        "text": text[:MAX_TEXT_CHARS],
        "note": note,
    }


def snapshot_text(fetched: outbound.FetchResult) -> tuple[str, str]:
    """The readable text of what was fetched and, when there is none, why."""
    shown = fetched.content_type or "no content type"
    if not fetched.content:
        return "", "the source answered with an empty body"
    if looks_binary(fetched.content):
        return "", f"binary content ({shown}): its SHA-256 is kept, no text"
    kind = fetched.content_type
    if kind in HTML_TYPES or (not kind and fetched.content.lstrip()[:1] == b"<"):
        html = fetched.decoded_text() if fetched.charset else fetched.content
        # Evidence is often a table of figures: tables are kept; deduplicate off (see feeds.pages).
        text = trafilatura.extract(
            html,
            url=fetched.final_url,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
            output_format="txt",
        ) or trafilatura.html2txt(html)
        text = str(text or "").strip()
        return text, "" if text else "no readable text found on the page"
    if kind.startswith("text/") or kind in TEXT_TYPES or not kind:
        return fetched.decoded_text().strip(), ""
    return "", f"{shown} is not text: its SHA-256 is kept, no text"


def _finish(snapshot: EvidenceSnapshot, *, state: str, **fields: object) -> None:
    final_url = fields.get("final_url")
    if isinstance(final_url, str) and len(final_url) > 2000:
        fields["final_url"] = ""
    updated = EvidenceSnapshot.objects.filter(pk=snapshot.pk, state=State.PENDING).update(
        state=state, fetched_at=timezone.now(), updated_at=timezone.now(), **fields
    )
    if not updated:
        logger.info("snapshot %s was finished by another worker meanwhile", snapshot.pk)


def do_sweep_pending(*, older_than: timedelta | None = None, limit: int = 200) -> int:
    """Queue again the pending snapshots nobody finished (queueing lost, worker died); returns how many."""
    age = older_than if older_than is not None else timedelta(minutes=settings.SNAPSHOT_RETRY_MINUTES)
    stale = (
        EvidenceSnapshot.objects.filter(state=State.PENDING, updated_at__lt=timezone.now() - age)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(stale)
    for snapshot_id in ids:
        background.enqueue(TAKE_SNAPSHOT, snapshot_id)
    return len(ids)


def do_snapshot_missing(*, limit: int | None = None) -> list[int]:
    """Pending snapshots for evidence that has none (added before snapshots existed); their ids."""
    missing = Evidence.objects.filter(snapshot__isnull=True).order_by("id").values_list("pk", flat=True)
    created = []
    for evidence_id in list(missing[:limit] if limit else missing):
        snapshot, was_created = EvidenceSnapshot.objects.get_or_create(evidence_id=evidence_id)
        if was_created:
            created.append(snapshot.pk)
    return created


def do_reset_failed() -> list[int]:
    """Failed snapshots back to pending, to be taken again; their ids."""
    ids = list(EvidenceSnapshot.objects.filter(state=State.FAILED).values_list("pk", flat=True))
    EvidenceSnapshot.objects.filter(pk__in=ids).update(
        state=State.PENDING, attempts=0, error="", updated_at=timezone.now()
    )
    return ids
