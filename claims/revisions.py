"""Article revisions: what a new body did to the article's claims.

When an article is extracted again (a new body, or a new extractor), each
claim sentence of the new text is compared with the sentences the article
stated so far:

- the same sentence keeps its appearance (moved to the new offsets and
  revision): its claim, verdict and evidence are untouched; so does a
  sentence a reviewer promoted to the queue, even when the extractor keeps
  it out again;
- a changed or new sentence becomes a new appearance (of a known claim or a new one);
- a sentence that is gone leaves its appearance in place, no longer current.

A changed sentence is paired with the sentence it replaced when they share
most of their words (figures aside), so the revision reads as "X became Y".
When a claim that has a verdict loses its sentence in the article, the desk
hears of it: a ``source_changed`` event, the claim back in the open queue with
a priority part, and the old and new sentence side by side on its page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import extraction, similarity
from .models import Appearance

# Share of content words (figures aside) two sentences have in common to count as one changed sentence.
PAIRING_OVERLAP = 0.5
# Offsets are moved in two steps so that no two appearances of one revision ever share a start.
_PARKING = 1_000_000_000


@dataclass
class Reconciled:
    """Which earlier appearances the new text keeps, and which sentences are new."""

    kept: list[tuple[Appearance, extraction.Sentence]] = field(default_factory=list)
    fresh: list[extraction.Sentence] = field(default_factory=list)
    gone: list[Appearance] = field(default_factory=list)


def reconcile(
    *,
    current: Sequence[Appearance],
    sentences: Iterable[extraction.Sentence],
    others: Iterable[extraction.Sentence] = (),
) -> Reconciled:
    """Pair each new claim sentence with an earlier appearance of the very same sentence, in order.

    ``others`` are the sentences the extractor keeps out of the queue: one of
    them keeps an appearance a reviewer promoted (claims.promotion), as a
    claim sentence keeps its appearance; a reviewer's decision is not undone
    by extracting the article again.
    """
    by_text: dict[str, list[Appearance]] = defaultdict(list)
    for appearance in sorted(current, key=lambda a: (a.start, a.pk)):
        by_text[appearance.text].append(appearance)
    result = Reconciled()
    for sentence in sentences:
        earlier = by_text.get(sentence.text)
        if earlier:
            result.kept.append((earlier.pop(0), sentence))
        else:
            result.fresh.append(sentence)
    for sentence in others:
        earlier = by_text.get(sentence.text, [])
        promoted = next((a for a in earlier if a.promoted_at is not None), None)
        if promoted is not None:
            earlier.remove(promoted)
            result.kept.append((promoted, sentence))
    result.gone = sorted((a for rest in by_text.values() for a in rest), key=lambda a: (a.start, a.pk))
    return result


def move_kept(
    *, kept: Sequence[tuple[Appearance, extraction.Sentence]], revision: int, speaker_max: int
) -> None:
    """Move kept appearances to the new revision's offsets (two statements, whatever their number)."""
    if not kept:
        return
    appearances = [appearance for appearance, _ in kept]
    for appearance in appearances:
        appearance.start += _PARKING
        appearance.end += _PARKING
    Appearance.objects.bulk_update(appearances, ["start", "end"])
    for appearance, sentence in kept:
        appearance.article_revision = revision
        appearance.start, appearance.end = sentence.start, sentence.end
        appearance.score = sentence.score
        appearance.speaker = sentence.speaker[:speaker_max]
        appearance.current = True
    Appearance.objects.bulk_update(
        appearances, ["article_revision", "start", "end", "score", "speaker", "current"]
    )


def _overlap(a: str, b: str) -> float:
    left, right = set(similarity.content_words(a)), set(similarity.content_words(b))
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


@dataclass(frozen=True)
class Change:
    before: Appearance
    after: Appearance | None


def pair_changes(*, gone: Sequence[Appearance], added: Sequence[Appearance]) -> list[Change]:
    """Each gone appearance with the new one that replaced it (or None: the sentence was removed)."""
    free = list(added)
    changes = []
    for old in gone:
        best = max(free, key=lambda new: _overlap(old.text, new.text), default=None)
        if best is not None and _overlap(old.text, best.text) >= PAIRING_OVERLAP:
            free.remove(best)
            changes.append(Change(before=old, after=best))
        else:
            changes.append(Change(before=old, after=None))
    return changes


def summary(*, changes: Sequence[Change], added: Sequence[Appearance]) -> dict[str, Any]:
    """What the revision did to the article's claims, as ArticleRevision.changes stores it."""
    replacing = {change.after.pk for change in changes if change.after is not None}
    return {
        "added": sorted({a.claim_id for a in added if a.pk not in replacing}),
        "changed": [
            {
                "from": change.before.claim_id,
                "to": change.after.claim_id,
                "before": change.before.text,
                "after": change.after.text,
            }
            for change in changes
            if change.after is not None
        ],
        "removed": sorted({change.before.claim_id for change in changes if change.after is None}),
    }


def describe_change(change: Change) -> str:
    if change.after is None:
        return f"“{change.before.text}” was removed"
    return f"“{change.before.text}” became “{change.after.text}”"
