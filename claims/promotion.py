"""Promoting a sentence to the review queue: a reviewer overrules the extractor.

The extractor keeps some sentences out of the queue whatever their score
(opinions, questions, procedural lines, predictions without a measurable
figure) and files none scored under the queue threshold; the article page
shows them with their score and why. A reviewer or an editor may promote one:
it is filed exactly as an extraction files a claim sentence (fingerprint,
index terms, matching against known claims, so a sentence that states a known
claim becomes an appearance of that claim), and the appearance records who
promoted it and why the extractor had kept it out.

A sentence is named by its article, the article's revision and its offsets
in the cleaned text (``Article.sentences``, as the article page and the API
know them). Promoting is idempotent: a sentence that is a claim already
(a second click) answers with its claim. A revision that is no longer the
article's, or an article whose extraction is not done, is a conflict.

One event, in the same transaction: ``created`` when the sentence became a
new claim (webhooks send it as ``claim.created``, digests count it as a new
claim), ``repeated`` when it repeats a claim with a verdict for the first time
in this article (as filing announces it), ``promoted`` otherwise (a new
appearance of a known claim; no webhook type, as filing sends none for one).
Re-extraction keeps a promoted appearance while the article still has the
sentence (``claims.revisions``): it is a reviewer's decision, like a verdict.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import article_matching, extraction, filing, matching, roles, selectors, workflow
from .actors import Actor
from .boilerplate import outlet_boilerplate_lines
from .errors import Conflict, InvalidInput, NotFound
from .events import EventType, record_event
from .models import Appearance, Article, Claim

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Promotion:
    """What promoting a sentence did."""

    claim: Claim
    appearance: Appearance
    promoted: bool  # False: the sentence was a claim already (a second click, or the extractor's own)
    new_claim: bool  # True: the sentence is a claim of its own; False: it states a known claim


def check_promoter(*, actor: Actor) -> None:
    workflow.check_role(actor=actor, role=roles.REVIEWER, doing="promote sentences to the queue")


def access_article(*, article_id: int) -> Article:
    article = Article.objects.select_related("outlet").filter(pk=article_id).first()
    if article is None:
        raise NotFound(f"Article {article_id} does not exist.")
    return article


def why_not_queued(*, kept_out: str, score: float) -> str:
    """Why a scored sentence is not a claim: what the extractor said, else its score or its length."""
    if kept_out:
        return kept_out
    if score < extraction.QUEUE_THRESHOLD:
        return f"scored {score:.2f}, under the queue threshold {extraction.QUEUE_THRESHOLD:.2f}"
    return "too short for a claim, or a headline"


def kept_out_phrase(*, kept_out: str, score: float) -> str:
    """The same as the claim page says it after a promotion: "was kept out as opinion"."""
    why = why_not_queued(kept_out=kept_out, score=score)
    return (
        f"was kept out as {why}" if kept_out and not kept_out.startswith("over ") else f"was kept out: {why}"
    )


def article_sentences(article: Article) -> list[dict[str, Any]]:
    """Every scored sentence of the article's extracted text, in order, as the page and the API list them.

    Each has its offsets, text, score and kind, ``claim`` (the id of the claim
    it is a current appearance of, or None), ``kept_out`` (what the extractor
    said when it kept the sentence out whatever its score, or "") and ``why``
    (why it is not a claim: that, else its score or its length; "" for a claim).
    """
    claims = selectors.article_claims_by_start(article=article)
    rows = []
    for scored in article.sentences or []:
        claim = claims.get(scored["start"])
        kept_out = scored.get("kept_out", "")
        rows.append(
            {
                "start": scored["start"],
                "end": scored["end"],
                "text": article.text[scored["start"] : scored["end"]],
                "score": scored["score"],
                "kind": scored.get("kind", "other"),
                "claim": claim,
                "kept_out": kept_out,
                "why": "" if claim else why_not_queued(kept_out=kept_out, score=scored["score"]),
            }
        )
    return rows


def do_promote_sentence(
    *, article_id: int, start: int, end: int, revision: int | None = None, actor: Actor
) -> Promotion:
    """File a sentence the extractor kept out of the queue as a claim; idempotent.

    ``revision`` is the article revision the offsets were read from; left out,
    the current one. The extractor runs again on the article first (outside
    the transaction, as filing does) for what it found in the sentence: kind,
    speaker, figures and reasons.
    """
    check_promoter(actor=actor)
    article = access_article(article_id=article_id)
    _check_extracted(article, revision)
    scored = _scored_sentence(article, start, end)
    existing = _current_appearance(article, start)
    if existing is not None:
        return Promotion(claim=existing.claim, appearance=existing, promoted=False, new_claim=False)
    sentence, why = _as_extracted(article, scored)
    kept_out = kept_out_phrase(kept_out=scored.get("kept_out") or why, score=sentence.score)
    query = article_matching.prepare(
        article=article, sentences=[sentence], reference=filing.reference_date(article)
    )[article_matching.sentence_key(sentence)]
    with transaction.atomic(), matching.batched_term_counts():
        locked = Article.objects.select_for_update(of=("self",)).select_related("outlet").get(pk=article.pk)
        _check_extracted(locked, article.revision)
        _scored_sentence(locked, start, end)  # still a sentence, if the article was extracted again meanwhile
        existing = _current_appearance(locked, start)
        if existing is not None:  # a second click that waited for the first one's lock
            return Promotion(claim=existing.claim, appearance=existing, promoted=False, new_claim=False)
        filed = filing.file_one_sentence(
            article=locked,
            sentence=sentence,
            query=query,
            appearance={"promoted_by": actor.user, "promoted_at": timezone.now(), "kept_out": kept_out[:200]},
        )
        _record(article=locked, filed=filed, actor=actor, kept_out=kept_out)
    return Promotion(claim=filed.claim, appearance=filed.appearance, promoted=True, new_claim=filed.new_claim)


def _article_state(article: Article) -> dict[str, Any]:
    return {
        "article": {
            "id": article.pk,
            "revision": article.revision,
            "extracted_revision": article.extracted_revision,
            "extraction_status": article.extraction_status,
        }
    }


def _check_extracted(article: Article, revision: int | None) -> None:
    """A sentence is promoted from the revision the page showed, once its extraction is done."""
    if revision is not None and revision != article.revision:
        raise Conflict(
            f"Article {article.pk} is at revision {article.revision}, not {revision}: "
            "its text has changed. Reload it and promote from the new text.",
            data=_article_state(article),
        )
    if article.extraction_status != Article.Extraction.DONE or article.extracted_revision != article.revision:
        status = article.get_extraction_status_display().lower()
        raise Conflict(
            f"Article {article.pk} is {status}: sentences can be promoted once its extraction is done.",
            data=_article_state(article),
        )


def _scored_sentence(article: Article, start: int, end: int) -> dict[str, Any]:
    for scored in article.sentences or []:
        if scored.get("start") == start and scored.get("end") == end:
            return dict(scored)
    raise InvalidInput(
        f"Article {article.pk} (revision {article.revision}) has no sentence at {start}-{end}: "
        "give the start and end of a sentence as the article lists them.",
        data={"fields": {"start": ["No sentence starts and ends at these offsets."]}},
    )


def _current_appearance(article: Article, start: int) -> Appearance | None:
    return (
        Appearance.objects.filter(
            article=article, article_revision=article.revision, start=start, current=True
        )
        .select_related("claim", "promoted_by")
        .first()
    )


def _as_extracted(article: Article, scored: dict[str, Any]) -> tuple[extraction.Sentence, str]:
    """The sentence as the extractor reads it now, at the stored offsets and score, and why it kept it out.

    Extraction is deterministic for a body, an extractor version and the
    outlet's boilerplate lines; when one of them changed since the article was
    extracted, the sentence is found by its words (the nearest occurrence).
    """
    start, end = scored["start"], scored["end"]
    text = article.text[start:end]
    try:
        result = extraction.extract(
            article.body, article.format, outlet_lines=outlet_boilerplate_lines(article=article)
        )
    except Exception as exc:
        logger.exception("extraction of article %s crashed while promoting a sentence", article.pk)
        raise Conflict(
            f"The extractor failed on article {article.pk} ({type(exc).__name__}); extract it again first.",
            data=_article_state(article),
        ) from exc
    same = [s for s in result.sentences if s.text == text] if result.status == "done" else []
    if not same:
        raise Conflict(
            f"Article {article.pk} reads differently with the current extractor; "
            "extract it again, then promote from its new text.",
            data=_article_state(article),
        )
    found = min(same, key=lambda s: abs(s.start - start))
    why = filing.kept_out_of_queue(found)
    return dataclasses.replace(found, start=start, end=end, score=float(scored["score"])), why


def _record(*, article: Article, filed: filing.Filed, actor: Actor, kept_out: str) -> None:
    """The promotion's one event (see the module docstring for which)."""
    claim = filed.claim
    reason = f"Promoted to the queue by {actor.username}: {kept_out}"
    data = {
        "article": article.pk,
        "revision": article.revision,
        "start": filed.appearance.start,
        "end": filed.appearance.end,
        "appearance": filed.appearance.pk,
        "promoted": True,
        "kept_out": kept_out,
    }
    if filed.new_claim:
        record_event(
            EventType.CREATED, claim=claim, actor=actor, to_status=claim.status, reason=reason, data=data
        )
    elif filed.repeated:
        record_event(
            EventType.REPEATED,
            claim=claim,
            actor=actor,
            reason=f"Repeated in {article}; already {claim.verdict}. {reason}",
            data={**data, "verdict": claim.verdict, "review_url": claim.review_url},
        )
    else:
        record_event(EventType.PROMOTED, claim=claim, actor=actor, reason=reason, data=data)
