"""Where a claim was said: the paragraph around each appearance, grouped by outlet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..titles import shorten

# How much of a long paragraph is shown on either side of the sentence.
CONTEXT_CHARS = 600


@dataclass(frozen=True)
class Passage:
    """The paragraph around a sentence, split so the sentence itself can be highlighted."""

    before: str
    sentence: str
    after: str


@dataclass(frozen=True)
class Source:
    """One appearance of a claim: the article it is in and the passage around it."""

    article_id: int
    title: str
    url: str
    published_at: datetime | None
    passage: Passage
    # Why the sentence was filed under this claim, when a rule decided it ("Same quotation as ...").
    reason: str = ""
    # Who put it into the queue against the extractor, and why it had been kept out (claims.promotion).
    promoted: str = ""


@dataclass(frozen=True)
class OutletSources:
    outlet: str
    sources: list[Source]


def _cut_left(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    tail = text[-limit:]
    space = tail.find(" ")
    return "…" + (tail[space + 1 :] if 0 <= space < limit // 3 else tail)


def _cut_right(text: str, limit: int) -> str:
    return text if len(text) <= limit else shorten(text, limit)


def passage(text: str, start: int, end: int, *, limit: int = CONTEXT_CHARS) -> Passage:
    """The paragraph of ``text`` holding ``text[start:end]``, at most ``limit`` characters each side."""
    if not (0 <= start < end <= len(text)):
        return Passage(before="", sentence=text[start:end], after="")
    opening = text.rfind("\n", 0, start) + 1
    closing = text.find("\n", end)
    closing = len(text) if closing == -1 else closing
    return Passage(
        before=_cut_left(text[opening:start].lstrip(), limit),
        sentence=text[start:end],
        after=_cut_right(text[end:closing].rstrip(), limit),
    )


def promotion_note(appearance: Any, promoters: dict[int, str]) -> str:
    """What the claim page says of a promoted appearance ("promoted by rita: was kept out as opinion")."""
    if getattr(appearance, "promoted_at", None) is None:
        return ""
    who = promoters.get(appearance.promoted_by_id, "a former user")
    return f"promoted by {who}: {appearance.kept_out}" if appearance.kept_out else f"promoted by {who}"


def sources_by_outlet(appearances: list[Any], promoters: dict[int, str] | None = None) -> list[OutletSources]:
    """The claim's current appearances as one group per outlet, outlets by name, articles newest first.

    ``promoters`` names the people who promoted appearances (user id -> name)."""
    groups: dict[str, list[Source]] = {}
    for appearance in appearances:
        article = appearance.article
        name = article.outlet.name if article.outlet is not None else "Unknown outlet"
        groups.setdefault(name, []).append(
            Source(
                article_id=article.pk,
                title=article.title,
                url=article.url,
                published_at=article.published_at,
                passage=passage(article.text, appearance.start, appearance.end),
                reason=getattr(appearance, "match_reason", ""),
                promoted=promotion_note(appearance, promoters or {}),
            )
        )

    def newest_first(source: Source) -> tuple[bool, float]:
        when = source.published_at
        return (when is None, -when.timestamp() if when else 0.0)

    return [
        OutletSources(outlet=name, sources=sorted(groups[name], key=newest_first)) for name in sorted(groups)
    ]
