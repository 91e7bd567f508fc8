"""schema.org ClaimReview both ways: past fact-checks imported as claims, our verdicts exported.

The rating map lives here: which textual ratings say plainly that a claim
holds or not (import), and the label each of our verdicts is published with
(export).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction

from . import matching, quotes, workflow
from .actors import Actor
from .dates import parse_iso_datetime
from .errors import InvalidInput
from .events import EventType, record_event
from .extraction.figures import parse_figures
from .links import do_link_claims
from .models import Appearance, Claim, ClaimLink, Verdict
from .stats import do_refresh_claim_stats

# Ratings that say plainly whether a claim holds. Any other rating is kept as
# given and the claim waits for a reviewer, who decides against sources.
TRUE_RATINGS = frozenset({"true", "correct", "accurate", "verified"})
FALSE_RATINGS = frozenset(
    {"false", "pants on fire", "pants on fire!", "fake", "incorrect", "fabricated", "wrong", "inaccurate"}
)


# The numeric scale of the ratings we export (schema.org Rating): 1 (false) to 5 (true).
# A verdict rated on the desk's scale (claims.ratings) takes its rating's value; a
# verdict without a rating sits at an end (verified 5, disputed 1); an imported
# rating is placed only when it says plainly true or false, and otherwise goes out
# as its text alone.
WORST_RATING = 1
BEST_RATING = 5
RATING_VALUES: dict[str, int] = {Claim.Status.VERIFIED: BEST_RATING, Claim.Status.DISPUTED: WORST_RATING}


@dataclass(frozen=True)
class ImportResult:
    claim: Claim
    created: bool


def rating_status(rating: str) -> str:
    key = " ".join(rating.casefold().replace("-", " ").split()).strip(".!")
    if key in TRUE_RATINGS:
        return Claim.Status.VERIFIED
    if key in FALSE_RATINGS or key.rstrip("!") in FALSE_RATINGS:
        return Claim.Status.DISPUTED
    return Claim.Status.NEW


def do_import_claim_review(*, item: Any, actor: Actor | None = None) -> ImportResult:
    """Store one schema.org ClaimReview as a claim with its verdict; idempotent on the review URL.

    Raises InvalidInput with a message a person can act on when the item is not a usable ClaimReview.
    """
    review = check_claim_review(item)
    with transaction.atomic():
        existing = None
        if review["review_url"]:
            existing = (
                Claim.objects.select_for_update()
                .filter(origin=Claim.Origin.IMPORTED, review_url=review["review_url"])
                .order_by("pk")
                .first()
            )
        else:
            existing = (
                Claim.objects.select_for_update()
                .filter(
                    origin=Claim.Origin.IMPORTED,
                    fingerprint=matching.fingerprint(review["text"]),
                    review_publisher=review["review_publisher"],
                )
                .order_by("pk")
                .first()
            )
        if existing is not None:
            review["review_headline"] = matching.review_headline(item)
            updates = {
                k: review[k]
                for k in ("verdict", "verdict_at", "review_publisher", "review_headline")
                if review[k] != getattr(existing, k)
            }
            if updates:
                workflow.do_restate_import(
                    claim=existing,
                    status=rating_status(review["verdict"]),
                    updates=updates,
                    actor=actor,
                    data={"changed": sorted(updates)},
                )
            existing.refresh_from_db()
            if "review_headline" in updates:
                matching.index_claim(existing, headline=existing.review_headline)
            return ImportResult(claim=existing, created=False)
        # A fact-check's "last year" is the year before it was published.
        decision = matching.match_sentence(review["text"], reference=review["verdict_at"])
        claim = workflow.create_imported_claim(
            status=rating_status(review["verdict"]),
            text=review["text"],
            normalized_text=matching.normalize(review["text"]),
            fingerprint=matching.fingerprint(review["text"]),
            speaker=review["speaker"],
            verdict=review["verdict"],
            verdict_at=review["verdict_at"],
            review_url=review["review_url"],
            review_publisher=review["review_publisher"],
            review_headline=matching.review_headline(item),
            figures=[f.as_dict() for f in parse_figures(review["text"])],
        )
        matching.index_claim(claim, headline=claim.review_headline, reference=review["verdict_at"])
        quotes.index_claim(claim)  # an article quoting the checked words is a repeat of this claim
        # Claims already in the queue that may say the same thing get a pointer to this verdict.
        similar = [*([(decision.claim, decision.score)] if decision.claim else []), *decision.suggestions]
        for other, score in similar:
            if other.pk != claim.pk:
                do_link_claims(
                    from_claim=other, to_claim=claim, kind=ClaimLink.Kind.SUGGESTED_MATCH, score=score
                )
        for other, score in decision.conflicts:
            do_link_claims(from_claim=claim, to_claim=other, kind=ClaimLink.Kind.FIGURE_CONFLICT, score=score)
        for other, score in decision.series:
            do_link_claims(from_claim=claim, to_claim=other, kind=ClaimLink.Kind.SERIES, score=score)
        do_refresh_claim_stats(claim_ids=[claim.pk])
        record_event(
            EventType.IMPORTED,
            claim=claim,
            actor=actor,
            to_status=claim.status,
            reason=f"Fact-checked by {review['review_publisher'] or 'an unnamed publisher'}: {claim.verdict}",
            data={"review_url": claim.review_url, "verdict": claim.verdict},
        )
    return ImportResult(claim=claim, created=True)


def check_claim_review(item: Any) -> dict[str, Any]:
    """The fields of a ClaimReview the tracker keeps, checked. Raises InvalidInput."""
    if not isinstance(item, dict):
        raise InvalidInput(f"expected a JSON object, got {type(item).__name__}")
    types = item.get("@type")
    type_names = types if isinstance(types, list) else [types]
    if "ClaimReview" not in type_names:
        raise InvalidInput(f"@type must be 'ClaimReview', got {types!r}")
    text = item.get("claimReviewed")
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("'claimReviewed' is missing or empty")
    url = item.get("url") or ""
    if not isinstance(url, str) or (url and urlsplit(url).scheme not in ("http", "https")):
        raise InvalidInput(f"'url' must be an http(s) URL, got {url!r}")
    if len(url) > 2000:
        raise InvalidInput("'url' is longer than 2000 characters")
    return {
        "text": text.strip(),
        "review_url": url,
        "verdict": _rating_text(item.get("reviewRating")),
        "verdict_at": _review_date(item.get("datePublished")),
        "review_publisher": _name_of(item.get("author"))[:200],
        "speaker": _name_of(
            (item.get("itemReviewed") or {}).get("author")
            if isinstance(item.get("itemReviewed"), dict)
            else None
        )[:200],
    }


def _rating_text(rating: Any) -> str:
    if rating is None:
        return ""
    if isinstance(rating, str):
        return rating.strip()[:200]
    if not isinstance(rating, dict):
        raise InvalidInput("'reviewRating' must be an object (schema.org Rating)")
    for key in ("alternateName", "name", "ratingExplanation"):
        value = rating.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    value, best = rating.get("ratingValue"), rating.get("bestRating")
    if value is not None and value != "":
        return f"{value}/{best}" if best not in (None, "") else str(value)
    return ""


def _review_date(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"'datePublished' must be an ISO 8601 date, got {value!r}")
    parsed = parse_iso_datetime(value)
    if parsed is None:
        raise InvalidInput(f"'datePublished' is not an ISO 8601 date: {value!r}")
    return parsed


def _name_of(who: Any) -> str:
    if isinstance(who, list):
        return ", ".join(filter(None, (_name_of(w) for w in who)))
    if isinstance(who, dict):
        name = who.get("name")
        return name.strip() if isinstance(name, str) else ""
    return who.strip() if isinstance(who, str) else ""


# --- Export


def claim_review_jsonld(
    *, claim: Claim, verdict: Verdict | None, site_url: str, publisher: str
) -> dict[str, Any]:
    """schema.org ClaimReview for a claim with a verdict and a url (see ``export_url``).

    Our own verdicts point to where the fact-check is published and explain the
    rating with the approved rationale; an imported fact-check keeps its review
    URL, publisher and rating as given.
    """
    appearances = [a for a in getattr(claim, "current_appearances", []) if a.article.url]
    item: dict[str, Any] = {"@type": "Claim"}
    if claim.speaker:
        item["author"] = {"@type": "Person", "name": claim.speaker}
    if claim.first_seen:
        item["datePublished"] = claim.first_seen.date().isoformat()
    if appearances:
        item["appearance"] = [_creative_work(a) for a in appearances]
        item["firstAppearance"] = _creative_work(
            min(appearances, key=lambda a: (a.article.published_at or a.article.created_at, a.pk))
        )
    scale = verdict.rating if verdict is not None else None
    rating: dict[str, Any] = {
        "@type": "Rating",
        "alternateName": scale.label if scale is not None else _rating_name(claim.verdict),
    }
    if scale is not None:
        value = scale.value  # the desk's scale; None for a rating off it (Unproven)
    else:
        value = RATING_VALUES.get(
            claim.verdict if claim.verdict in Verdict.Value.values else rating_status(claim.verdict)
        )
    if value is not None:
        rating.update(ratingValue=value, bestRating=BEST_RATING, worstRating=WORST_RATING)
    if verdict is not None:
        rating["ratingExplanation"] = verdict.rationale
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": export_url(claim),
        "claimReviewed": claim.text,
        "itemReviewed": item,
        "author": {"@type": "Organization", "name": claim.review_publisher or publisher, "url": site_url},
        "reviewRating": rating,
    }
    if claim.verdict_at:
        review["datePublished"] = claim.verdict_at.date().isoformat()
    return review


def export_url(claim: Claim) -> str:
    """Where the fact-check is published: an import's own review URL, or the url our desk published it at.

    Empty while our fact-check is not published: a ClaimReview needs that page.
    """
    if claim.origin == Claim.Origin.IMPORTED:
        return claim.review_url
    return claim.published_url


def _rating_name(value: str) -> str:
    """Our two verdicts by their labels; an imported rating exactly as it was given."""
    return str(Verdict.Value(value).label) if value in Verdict.Value.values else value


def _creative_work(appearance: Appearance) -> dict[str, Any]:
    article = appearance.article
    work: dict[str, Any] = {"@type": "CreativeWork", "url": article.url}
    if article.title:
        work["headline"] = article.title
    if article.published_at:
        work["datePublished"] = article.published_at.date().isoformat()
    if article.outlet:
        work["publisher"] = {"@type": "Organization", "name": article.outlet.name}
    return work
