"""One claim across outlets: a sentence that carries a known claim's verbatim quotation is that claim.

Two outlets quoting the same words of the same speaker report one claim,
however the sentence around the quotation reads ('Putin said: "..."' and
'"...," the Russian president told reporters on Tuesday.'). Filing asks this
module first: when a new sentence has a quotation of 8 or more words
(``claims.extraction.quotations``) that a known claim carries, and the
speakers agree (the same person or body, or one of them unknown), the
sentence is filed as an appearance of that claim, with the reason on the
appearance for the reviewer. Otherwise the matcher decides, and a merge it
proposes needs speakers that agree too (``speakers_agree``).

Every filed sentence's quotations are kept in ``ClaimQuotation`` (hash ->
claim), so the lookup is one indexed query per article, whatever the number
of claims.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from . import extraction, matching
from .extraction.quotations import Quotation, quotations_of, same_speaker, sentence_quotations
from .models import Article, Claim, ClaimQuotation

# Advisory lock namespace of quotations (the two-key form: apart from filing's sentence locks).
_LOCK_NAMESPACE = 0x5107E
REASON_MAX = 500
QUOTE_MARKS = '"“”„«»‹›‘’'


@dataclass
class _Carrier:
    """A known claim that carries a quotation, and who said it there."""

    claim: Claim
    speaker: str
    where: str  # the outlet it was first quoted in, for the reason


@dataclass
class ArticleQuotations:
    """The quotations of one article's new sentences, and the known claims that carry them."""

    article: Article | None = None
    text: str = ""
    of_sentence: dict[int, list[Quotation]] = field(default_factory=dict)
    known: dict[int, list[_Carrier]] = field(default_factory=lambda: defaultdict(list))
    reasons: dict[int, str] = field(default_factory=dict)
    pending: dict[tuple[int, int], ClaimQuotation] = field(default_factory=dict)

    @classmethod
    def read(
        cls, *, article: Article, text: str, sentences: Sequence[extraction.Sentence]
    ) -> ArticleQuotations:
        """Find the sentences' quotations and the claims that carry them (one query), holding their locks.

        On PostgreSQL a transaction-level advisory lock per quotation makes a
        second article with the same quotation, filed at the same moment,
        wait for this one and then find its claim instead of making another.
        """
        found = sentence_quotations(text, [(s.start, s.end) for s in sentences])
        quotations = cls(article=article, text=text)
        quotations.of_sentence = {s.start: q for s, q in zip(sentences, found, strict=True) if q}
        keys = sorted({q.key for qs in found for q in qs})
        if not keys:
            return quotations
        _lock(keys)
        rows = (
            ClaimQuotation.objects.filter(key__in=keys, claim__merged_into__isnull=True)
            .select_related("claim", "article__outlet")
            .order_by("claim_id")
        )
        for row in rows:
            where = row.article.outlet.name if row.article and row.article.outlet else ""
            quotations.known[row.key].append(
                _Carrier(claim=row.claim, speaker=row.speaker or row.claim.speaker, where=where)
            )
        return quotations

    def decision(self, sentence: extraction.Sentence) -> matching.MatchDecision | None:
        """The known claim whose quotation this sentence carries, when the speakers agree; None otherwise."""
        for quotation in self.of_sentence.get(sentence.start, []):
            carriers = [
                c for c in self.known.get(quotation.key, []) if same_speaker(c.speaker, sentence.speaker)
            ]
            if not carriers:
                continue
            own = matching.fingerprint(sentence.text)
            # The claim with these very words first, then one with a verdict (shown at once), then the oldest.
            # (a claim this article creates has no id yet: it comes after the known ones)
            best = min(
                carriers,
                key=lambda c: (
                    c.claim.fingerprint != own,
                    not c.claim.verdict,
                    c.claim.pk is None,
                    c.claim.pk or 0,
                ),
            )
            if best.claim.fingerprint != own:  # the very same sentence (wire copy) needs no reason
                words = self.text[quotation.start : quotation.end].strip()
                where = f" ({best.where})" if best.where else ""
                which = f"claim {best.claim.pk}" if best.claim.pk else "an earlier sentence of this article"
                reason = f"Same quotation as {which}{where}: “{words}”"
                self.reasons[sentence.start] = _shorten(reason, REASON_MAX)
            return matching.MatchDecision(claim=best.claim, score=1.0)
        return None

    def reason(self, sentence: extraction.Sentence) -> str:
        """Why the sentence was filed under its claim, when a quotation decided it."""
        return self.reasons.get(sentence.start, "")

    def remember(self, claim: Claim, sentence: extraction.Sentence) -> None:
        """Keep the sentence's quotations as the claim's: later sentences, here or elsewhere, find it.

        ``claim`` may be one this filing creates and has not saved yet; :meth:`save`
        runs after it is saved, when the rows can point at it.
        """
        for quotation in self.of_sentence.get(sentence.start, []):
            carriers = self.known[quotation.key]
            if not any(_same_claim(c.claim, claim) for c in carriers):
                where = self.article.outlet.name if self.article and self.article.outlet else ""
                carriers.append(_Carrier(claim=claim, speaker=sentence.speaker or claim.speaker, where=where))
            self.pending.setdefault(
                (quotation.key, claim.pk if claim.pk is not None else -id(claim)),
                ClaimQuotation(
                    key=quotation.key,
                    claim=claim,
                    text=quotation.text,
                    speaker=sentence.speaker[:200],
                    article=self.article,
                ),
            )

    def save(self) -> None:
        """Write what ``remember`` kept, in one statement; a quotation a claim has already stays as it was."""
        if self.pending:
            ClaimQuotation.objects.bulk_create(list(self.pending.values()), ignore_conflicts=True)
            self.pending.clear()


def speakers_agree(decision: matching.MatchDecision, sentence: extraction.Sentence) -> matching.MatchDecision:
    """A merge needs speakers that agree: the same words from two people are two claims, suggested as one.

    A claim with a verdict is the exception: whoever repeats a checked claim
    repeats it, and the desk hears of it at once.
    """
    claim = decision.claim
    if claim is None or claim.verdict or same_speaker(claim.speaker, sentence.speaker):
        return decision
    return dataclasses.replace(
        decision,
        claim=None,
        score=0.0,
        suggestions=[(claim, decision.score), *decision.suggestions][: matching.MAX_SUGGESTIONS],
    )


def index_claim(claim: Claim) -> int:
    """Keep the quotations of a claim's own text (an imported fact-check, an older claim): how many."""
    found = quotations_of(claim.text)
    ClaimQuotation.objects.bulk_create(
        [ClaimQuotation(key=q.key, claim=claim, text=q.text, speaker=claim.speaker[:200]) for q in found],
        ignore_conflicts=True,
    )
    return len(found)


def index_missing(*, batch: int = 500) -> int:
    """Keep the quotations of every live claim with a quotation mark (idempotent); returns how many claims."""
    marked = Q()
    for mark in QUOTE_MARKS:
        marked |= Q(text__contains=mark)
    claims = Claim.objects.filter(marked, merged_into__isnull=True).order_by("pk")
    done = 0
    last = 0
    while True:
        chunk = list(claims.filter(pk__gt=last)[:batch])
        if not chunk:
            return done
        done += sum(1 for claim in chunk if index_claim(claim))
        last = chunk[-1].pk


def _same_claim(a: Claim, b: Claim) -> bool:
    return a is b or (a.pk is not None and a.pk == b.pk)


def _lock(keys: list[int]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite serialises writers anyway
    with connection.cursor() as cursor:
        for low in sorted({key & 0x7FFFFFFF for key in keys}):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, low])


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 2].rstrip() + "…”"
