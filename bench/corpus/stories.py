"""What happens to the articles and claims of one chunk of the corpus, as table rows.

A chunk is ``CHUNK_ARTICLES`` consecutive articles of the timeline (a day or
two of a national desk's intake at full size) with five claims per article.
Everything in a chunk comes from ``random.Random(f"{seed}:{chunk}")``, so a
resumed load writes exactly what an uninterrupted one would have.

Proportions, per claim (a desk reviews a small share of what it collects):

* 1 % imported fact-checks (verified or disputed, with a publisher's URL);
* of the claims found in articles: 73 % appear once, the rest two to eight
  times (about 1.45 appearances each), repeats worded as paraphrases in
  articles of other outlets; 3 % state the figure of an earlier claim
  differently (a figure-conflict link);
* 4.5 % dismissed, 1.8 % verified, 2.8 % disputed (with a rating of the
  desk's scale, evidence, half through a second editor's approval, 40 %
  published), 0.3 % in review, 0.1 % awaiting approval, the rest new;
* the event log has what the product writes: article received and
  extracted, claim created, taken, evidence added, verdict proposed /
  published / approved, dismissed, published, repeated after a verdict.
"""

from __future__ import annotations

import bisect
import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from . import text as T

CHUNK_ARTICLES = 1000
CLAIMS_PER_ARTICLE = 5
EXTRACTOR_VERSION = "1.8.0"


@dataclass
class World:
    """What every chunk shares: the cast, the outlets, the people, the timeline."""

    seed: int
    articles: int  # in the whole corpus
    anchor: datetime  # the newest article's time
    span: timedelta
    outlets: list[int]  # ids
    reviewers: list[int]
    editors: list[int]
    integration: int
    ratings: dict[str, tuple[int, str, str]]  # name -> (id, leads_to, label)
    vocab: T.Vocabulary = field(init=False)
    cast: list[T.Speaker] = field(init=False)
    cast_cum: list[float] = field(init=False)
    outlet_cum: list[float] = field(init=False)
    filler: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.vocab = T.Vocabulary(self.seed)
        self.cast = T.speakers(self.seed)
        self.cast_cum = _zipf_cumulative(len(self.cast), 1.0)
        # A few national outlets publish most of what the desk reads.
        self.outlet_cum = _zipf_cumulative(len(self.outlets), 0.9)
        self.filler = T.filler_pool(self.seed, self.vocab)

    @property
    def chunks(self) -> int:
        return -(-self.articles // CHUNK_ARTICLES)

    def time_of(self, article_index: int, rng: random.Random) -> datetime:
        step = self.span / self.articles
        return self.anchor - self.span + step * article_index + step * rng.random()


def _zipf_cumulative(n: int, exponent: float) -> list[float]:
    total, out = 0.0, []
    for rank in range(1, n + 1):
        total += 1.0 / rank**exponent
        out.append(total)
    return out


@dataclass
class Counters:
    """Next ids of the tables whose row counts vary by chunk (kept in the progress record)."""

    appearance: int = 1
    event: int = 1
    verdict: int = 1
    evidence: int = 1
    link: int = 1

    def take(self, name: str) -> int:
        value: int = getattr(self, name)
        setattr(self, name, value + 1)
        return value


@dataclass
class Rows:
    articles: list[dict[str, Any]] = field(default_factory=list)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    appearances: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Claim:
    id: int
    text: str
    kind: str
    speaker: str
    score: float
    origin: str = "extracted"
    sightings: list[tuple[int, str, float | None]] = field(default_factory=list)  # (article idx, text, match)
    variant_of: int | None = None


def _appearance_count(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.73:
        return 1
    if roll < 0.88:
        return 2
    if roll < 0.95:
        return 3
    return rng.randint(4, 8)


def chunk_rows(world: World, chunk: int, counters: Counters) -> Rows:
    """Every row of one chunk; claim ids and article ids follow from the chunk number."""
    rng = random.Random(f"{world.seed}:{chunk}")
    first_article = chunk * CHUNK_ARTICLES
    n_articles = min(CHUNK_ARTICLES, world.articles - first_article)
    first_claim = first_article * CLAIMS_PER_ARTICLE
    n_claims = n_articles * CLAIMS_PER_ARTICLE
    window_end = world.anchor - world.span + world.span / world.articles * (first_article + n_articles)

    times = [world.time_of(first_article + i, rng) for i in range(n_articles)]
    outlets = [
        world.outlets[bisect.bisect(world.outlet_cum, rng.random() * world.outlet_cum[-1])]
        for _ in range(n_articles)
    ]
    extracted_at = [t + timedelta(minutes=rng.randint(2, 30)) for t in times]

    claims: list[_Claim] = []
    per_article: list[list[tuple[int, str, float]]] = [[] for _ in range(n_articles)]
    for j in range(n_claims):
        claim_id = first_claim + j + 1
        if rng.random() < 0.01:
            made = T.claim_text(rng, world.vocab, world.cast, world.cast_cum)
            claims.append(_Claim(claim_id, made.text, made.kind, made.speaker, 0.0, origin="imported"))
            continue
        if claims and rng.random() < 0.03:
            earlier = rng.choice(claims)
            made_text, kind, speaker = T.vary_figure(rng, earlier.text), earlier.kind, earlier.speaker
            variant_of: int | None = earlier.id if made_text != earlier.text else None
        else:
            made = T.claim_text(rng, world.vocab, world.cast, world.cast_cum)
            made_text, kind, speaker, variant_of = made.text, made.kind, made.speaker, None
        claim = _Claim(claim_id, made_text, kind, speaker, round(0.33 + rng.random() * 0.66, 4))
        claim.variant_of = variant_of
        home = rng.randrange(n_articles)
        later = range(home + 1, n_articles)
        repeats = rng.sample(later, min(len(later), _appearance_count(rng) - 1))
        claim.sightings.append((home, made_text, None))
        for a in sorted(repeats):
            claim.sightings.append(
                (a, T.paraphrase(rng, world.vocab, made_text), round(0.8 + rng.random() * 0.19, 4))
            )
        for a, sentence, _ in claim.sightings:
            per_article[a].append((claim_id, sentence, claim.score))
        claims.append(claim)

    rows = Rows()
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for i in range(n_articles):
        article_id = first_article + i + 1
        sentences = per_article[i]
        built = T.build_article(rng, [(s, score, "statistic") for _, s, score in sentences], world.filler)
        for (claim_id, _, _), span in zip(sentences, built.spans, strict=True):
            spans[(i, claim_id)] = span
        digest = hashlib.sha256(built.body.encode()).hexdigest()
        from_cms = rng.random() < 0.7
        title = " ".join(built.text.split()[:12]).rstrip(",.")
        rows.articles.append(
            {
                "id": article_id,
                "integration_id": world.integration if from_cms else None,
                "external_id": f"cms-{article_id}" if from_cms else "",
                "url": f"https://news{outlets[i]}.example/{times[i]:%Y/%m/%d}/story-{article_id}",
                "title": title[:500],
                "outlet_id": outlets[i],
                "published_at": times[i],
                "body": built.body,
                "format": "text",
                "content_hash": digest,
                "revision": 1,
                "text": built.text,
                "language": "en",
                "removed": built.removed,
                "sentences": built.sentences,
                "extraction_status": "done",
                "extractor_version": EXTRACTOR_VERSION,
                "extracted_revision": 1,
                "extracted_at": extracted_at[i],
                "extraction_attempts": 1,
                "created_at": times[i],
                "updated_at": extracted_at[i],
            }
        )
        rows.revisions.append(
            {
                "id": article_id,
                "article_id": article_id,
                "number": 1,
                "body": built.body,
                "format": "text",
                "content_hash": digest,
                "received_at": times[i],
                "extracted_at": extracted_at[i],
                "changes": {
                    "added": [c for c, _, _ in sentences if _first_home(claims, c, first_claim) == i]
                },
            }
        )
        events_for_article(rows, world, rng, article_id, from_cms, times[i], extracted_at[i], sentences)

    for claim in claims:
        claim_rows(rows, world, rng, claim, times, extracted_at, first_article, spans, outlets, window_end)
    _number_events(rows, counters)
    for row in rows.appearances:
        row["id"] = counters.take("appearance")
    for row in rows.verdicts:
        row["id"] = counters.take("verdict")
    for row in rows.evidence:
        row["id"] = counters.take("evidence")
    for row in rows.links:
        row["id"] = counters.take("link")
    return rows


def _first_home(claims: list[_Claim], claim_id: int, first_claim: int) -> int:
    claim = claims[claim_id - first_claim - 1]
    return claim.sightings[0][0] if claim.sightings else -1


def events_for_article(
    rows: Rows,
    world: World,
    rng: random.Random,
    article_id: int,
    from_cms: bool,
    received: datetime,
    extracted: datetime,
    sentences: list[tuple[int, str, float]],
) -> None:
    rows.events.append(
        _event(
            received,
            article_id=article_id,
            action="article_received",
            to_status="pending",
            integration_id=world.integration if from_cms else None,
            data={"revision": 1, "external_id": f"cms-{article_id}" if from_cms else ""},
        )
    )
    rows.events.append(
        _event(
            extracted,
            article_id=article_id,
            action="article_extracted",
            from_status="pending",
            to_status="done",
            data={"revision": 1, "extractor_version": EXTRACTOR_VERSION, "claims": len(sentences)},
        )
    )


def _event(when: datetime, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "claim_id": None,
        "article_id": None,
        "from_status": "",
        "to_status": "",
        "actor_id": None,
        "integration_id": None,
        "reason": "",
        "data": {},
        "created_at": when,
    }
    row.update(fields)
    return row


def _number_events(rows: Rows, counters: Counters) -> None:
    """Event ids in time order, as the product hands them out in commit order."""
    rows.events.sort(key=lambda e: e["created_at"])
    for row in rows.events:
        row["id"] = counters.take("event")


def _review(rng: random.Random) -> str:
    roll = rng.random()
    for status, upto in (
        ("dismissed", 0.045),
        ("verified", 0.063),
        ("disputed", 0.091),
        ("in_review", 0.094),
        ("awaiting_approval", 0.095),
    ):
        if roll < upto:
            return status
    return "new"


VERIFIED_RATINGS = ["true", "mostly-true"]
DISPUTED_RATINGS = ["half-true", "misleading", "false", "false", "unproven"]


def claim_rows(
    rows: Rows,
    world: World,
    rng: random.Random,
    claim: _Claim,
    times: list[datetime],
    extracted_at: list[datetime],
    first_article: int,
    spans: dict[tuple[int, int], tuple[int, int]],
    outlets: list[int],
    window_end: datetime,
) -> None:
    """The claim's row, its appearances, its review (verdict, evidence, links) and its events."""
    row: dict[str, Any] = {
        "id": claim.id,
        "text": claim.text,
        "kind": claim.kind,
        "speaker": claim.speaker,
        "score": claim.score,
        "origin": claim.origin,
        "status": "new",
        "version": 1,
        "assignee_id": None,
        "reasons": ["states a figure", "names a source"] if claim.speaker else ["states a figure"],
    }
    rows.claims.append(row)

    def clamp(t: datetime) -> datetime:
        return min(t, window_end)

    if claim.origin == "imported":
        _imported(rows, world, rng, claim, row, times[0] + (times[-1] - times[0]) * rng.random())
        return
    seen = []
    for a, sentence, match in claim.sightings:
        start, end = spans[(a, claim.id)]
        rows.appearances.append(
            {
                "claim_id": claim.id,
                "article_id": first_article + a + 1,
                "article_revision": 1,
                "text": sentence,
                "start": start,
                "end": end,
                "score": claim.score,
                "speaker": claim.speaker,
                "current": True,
                "match_score": match,
                "created_at": extracted_at[a],
            }
        )
        seen.append(extracted_at[a])
    home = claim.sightings[0][0]
    row.update(
        first_seen=times[home],
        last_seen=times[claim.sightings[-1][0]],
        appearance_count=len(claim.sightings),
        outlet_count=len({outlets[a] for a, _, _ in claim.sightings}),
        created_at=extracted_at[home],
        updated_at=extracted_at[claim.sightings[-1][0]],
    )
    rows.events.append(
        _event(
            extracted_at[home],
            claim_id=claim.id,
            action="created",
            to_status="new",
            data={"article": first_article + home + 1},
        )
    )
    if claim.variant_of is not None:
        rows.links.append(
            {
                "from_claim_id": claim.id,
                "to_claim_id": claim.variant_of,
                "kind": "figure_conflict",
                "score": round(0.8 + rng.random() * 0.15, 4),
                "note": "",
                "data": {},
                "resolved": rng.random() < 0.3,
                "created_at": extracted_at[home],
            }
        )
    outcome = _review(rng)
    if outcome == "new":
        return
    t = clamp(extracted_at[home] + timedelta(minutes=rng.expovariate(1 / 240)))
    reviewer, editor = rng.choice(world.reviewers), rng.choice(world.editors)
    version = 1

    def transition(action: str, before: str, after: str, actor: int, when: datetime, **data: Any) -> None:
        nonlocal version
        version += 1
        rows.events.append(
            _event(
                when,
                claim_id=claim.id,
                action=action,
                from_status=before,
                to_status=after,
                actor_id=actor,
                data={"action": action, **data},
            )
        )
        row.update(status=after, version=version, updated_at=max(row["updated_at"], when))
        if after == "in_review":  # as workflow.apply_transition keeps it
            row["in_review_since"] = when
        elif after != "awaiting_approval":
            row["in_review_since"] = None

    if outcome == "dismissed":
        transition("dismissed", "new", "dismissed", editor, t)
        return
    transition("taken", "new", "in_review", reviewer, t)
    row["assignee_id"] = reviewer
    if outcome == "in_review":
        return
    t = clamp(t + timedelta(minutes=rng.randint(10, 300)))
    url = f"https://data.gov.example/{claim.id}"
    rows.evidence.append(
        {
            "claim_id": claim.id,
            "url": url,
            "title": "Official statistics release",
            "publisher": "Statistics Office",
            "primary": True,
            "stance": "supports" if outcome == "verified" else "refutes",
            "excerpt": "",
            "accessed_at": t,
            "added_by_id": reviewer,
            "created_at": t,
        }
    )
    version += 1
    rows.events.append(
        _event(
            t,
            claim_id=claim.id,
            action="evidence_added",
            actor_id=reviewer,
            data={"url": url, "primary": True, "stance": rows.evidence[-1]["stance"]},
        )
    )
    value = "verified" if outcome == "verified" else "disputed"
    rating = rng.choice(VERIFIED_RATINGS if value == "verified" else DISPUTED_RATINGS)
    if outcome == "awaiting_approval":
        value = rng.choice(["verified", "disputed"])
        rating = rng.choice(VERIFIED_RATINGS if value == "verified" else DISPUTED_RATINGS)
    rating_id = world.ratings[rating][0]
    t = clamp(t + timedelta(minutes=rng.randint(5, 120)))
    verdict = {
        "claim_id": claim.id,
        "value": value,
        "rating_id": rating_id,
        "rationale": "The official release gives a different figure for the same period.",
        "author_id": reviewer,
        "state": "proposed",
        "decided_by_id": None,
        "decided_at": None,
        "comment": "",
        "created_at": t,
    }
    rows.verdicts.append(verdict)
    if outcome == "awaiting_approval" or rng.random() < 0.5:
        transition(
            "verdict_proposed", "in_review", "awaiting_approval", reviewer, t, value=value, rating=rating
        )
        if outcome == "awaiting_approval":
            return
        t = clamp(t + timedelta(minutes=rng.randint(5, 240)))
        transition("verdict_approved", "awaiting_approval", value, editor, t, value=value, rating=rating)
        verdict.update(state="approved", decided_by_id=editor, decided_at=t)
    else:
        transition("verdict_published", "in_review", value, reviewer, t, value=value, rating=rating)
        verdict.update(state="approved", decided_by_id=reviewer, decided_at=t)
    row.update(verdict=value, rating=rating, verdict_at=t)
    if rng.random() < 0.4:
        t = clamp(t + timedelta(minutes=rng.randint(30, 600)))
        row["published_url"] = f"https://factcheck.example/checks/{claim.id}"
        version += 1
        row.update(version=version, updated_at=max(row["updated_at"], t))
        rows.events.append(
            _event(
                t, claim_id=claim.id, action="published", actor_id=editor, data={"url": row["published_url"]}
            )
        )
    for when in seen[1:]:
        if when > row["verdict_at"]:
            row["repeated_at"] = when
            rows.events.append(
                _event(when, claim_id=claim.id, action="repeated", data={"verdict": value, "review_url": ""})
            )


def _imported(
    rows: Rows, world: World, rng: random.Random, claim: _Claim, row: dict[str, Any], when: datetime
) -> None:
    rating = rng.choice(VERIFIED_RATINGS + DISPUTED_RATINGS * 2)
    _, leads_to, label = world.ratings[rating]
    publisher = rng.choice(["FactCheck Weekly", "Truth Desk", "Verify Network", "Claim Watch"])
    row.update(
        status=leads_to,
        verdict=label,
        rating=rating,
        verdict_at=when,
        review_url=f"https://{publisher.lower().replace(' ', '')}.example/{claim.id}",
        review_publisher=publisher,
        review_headline=f"Fact check: {claim.text[:80]}",
        first_seen=when,
        last_seen=when,
        created_at=when,
        updated_at=when,
        score=0.9,
    )
    rows.events.append(
        _event(
            when,
            claim_id=claim.id,
            action="imported",
            to_status=leads_to,
            data={"url": row["review_url"], "rating": label},
        )
    )
