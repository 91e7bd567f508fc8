"""Newsroom-like text for the synthetic corpus: claim sentences, their paraphrases and variants, articles.

Plain Python with a seeded ``random.Random`` passed in, so the same seed gives
the same corpus. The vocabulary mixes a few dozen topics a national desk
checks every day (so a full-text query such as "inflation" matches a few per
cent of the claims, as on a real desk) with a Zipf-distributed tail of rarer
words, names and figures (so the matcher's postings stay selective).
"""

from __future__ import annotations

import bisect
import random
import re
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TOPICS = [
    "unemployment",
    "inflation",
    "the trade deficit",
    "hospital waiting lists",
    "violent crime",
    "house prices",
    "the national debt",
    "carbon emissions",
    "child poverty",
    "energy bills",
    "migration",
    "teacher pay",
    "defence spending",
    "rail fares",
    "wind power",
    "the minimum wage",
    "rent arrears",
    "knife crime",
    "GP appointments",
    "student loans",
    "fuel duty",
    "broadband coverage",
    "food bank use",
    "the budget deficit",
    "foreign aid",
    "pension payments",
    "police numbers",
    "road deaths",
    "vaccination rates",
    "small business lending",
]
PLACES = [
    "the country",
    "London",
    "Scotland",
    "Wales",
    "the north-east",
    "the Midlands",
    "Yorkshire",
    "the south-west",
    "Northern Ireland",
    "the capital",
    "rural areas",
    "coastal towns",
]
ROLES = [
    "Finance Minister",
    "Health Secretary",
    "Opposition leader",
    "Mayor",
    "Senator",
    "Chief Executive",
    "Economist",
    "Home Secretary",
    "Councillor",
    "Union leader",
    "Professor",
    "Campaigner",
]
FIRST = [
    "Jane",
    "John",
    "Amara",
    "Wei",
    "Carlos",
    "Fatima",
    "Olivia",
    "Liam",
    "Noah",
    "Ava",
    "Sofia",
    "Mateo",
    "Priya",
    "Ahmed",
    "Elena",
    "Tomasz",
    "Ingrid",
    "Kwame",
    "Yuki",
    "Hannah",
    "David",
    "Grace",
    "Omar",
    "Lucia",
    "Pedro",
    "Chloe",
    "Samuel",
    "Aisha",
    "Hugo",
    "Nadia",
    "Felix",
    "Rosa",
    "Ivan",
    "Leila",
]
LAST = [
    "Smith",
    "Jones",
    "Patel",
    "Chen",
    "Garcia",
    "Okafor",
    "Novak",
    "Brown",
    "Kowalski",
    "Murphy",
    "Rossi",
    "Haddad",
    "Larsen",
    "Tanaka",
    "Silva",
    "Mensah",
    "Dubois",
    "Fischer",
    "Ivanova",
    "Khan",
    "Walsh",
    "Evans",
    "Moreau",
    "Costa",
    "Nakamura",
    "Byrne",
    "Hughes",
    "Ali",
    "Santos",
    "Berg",
]
UP = ["rose", "climbed", "increased", "jumped", "grew"]
DOWN = ["fell", "dropped", "declined", "slid", "shrank"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

BOILERPLATE_TOP = [
    "Advertisement",
    "Sign up for our morning briefing",
    "Listen to this article",
    "Share this article on social media",
    "Skip to main content",
]
BOILERPLATE_BOTTOM = [
    "Subscribe to our newsletter for the day's top stories.",
    "Read more: our coverage of the election campaign.",
    "Copyright 2026. All rights reserved.",
    "Follow us on social media for updates.",
    "This article was amended to correct a date.",
    "Comments are closed for this story.",
]


class Vocabulary:
    """Words of the seed articles (common) followed by made-up rarer words, Zipf-weighted."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(f"vocabulary:{seed}")
        words: list[str] = []
        for path in sorted((ROOT / "seeds").glob("*.txt")):
            words += re.findall(r"[A-Za-z][a-z]{2,}", path.read_text(encoding="utf-8"))
        common = list(dict.fromkeys(w.lower() for w in words))
        syllables = [
            "ka",
            "lo",
            "mi",
            "ra",
            "ten",
            "vo",
            "sel",
            "dri",
            "ano",
            "bel",
            "cor",
            "ux",
            "pha",
            "gre",
            "tam",
            "quo",
        ]
        tail = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(60_000)}
        self.words = common + sorted(tail - set(common))
        self.cumulative = list(accumulate(1.0 / rank**1.05 for rank in range(1, len(self.words) + 1)))
        self.total = self.cumulative[-1]

    def word(self, rng: random.Random) -> str:
        return self.words[bisect.bisect(self.cumulative, rng.random() * self.total)]

    def words_(self, rng: random.Random, n: int) -> str:
        return " ".join(self.word(rng) for _ in range(n))


@dataclass(frozen=True)
class Speaker:
    name: str
    title: str


def speakers(seed: int, count: int = 3000) -> list[Speaker]:
    """A fixed cast of named people; claims quote the first ones far more often (Zipf)."""
    rng = random.Random(f"speakers:{seed}")
    seen: set[str] = set()
    cast: list[Speaker] = []
    while len(cast) < count:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if len(seen) > len(FIRST) * len(LAST) // 2:
            name = f"{name}-{rng.choice(LAST)}"
        if name in seen:
            continue
        seen.add(name)
        cast.append(Speaker(name=name, title=rng.choice(ROLES)))
    return cast


def outlet_names(count: int = 300) -> list[tuple[str, str]]:
    """(name, domain) of the outlets the desk reads: nationals, regionals and wires."""
    kinds = ["Daily", "Evening", "Weekly", "Morning", "Sunday", "Gazette", "Herald", "Chronicle"]
    places = [
        "Northfield",
        "Ashby",
        "Kingsport",
        "Riverton",
        "Eastholm",
        "Westbury",
        "Millbrook",
        "Harbourside",
        "Oakridge",
        "Stonebridge",
        "Fairhaven",
        "Lakeside",
        "Brightwater",
        "Redcliffe",
        "Greenvale",
        "Highmoor",
        "Elmstead",
        "Claymore",
        "Silverton",
        "Ravenscar",
    ]
    out: list[tuple[str, str]] = []
    for i in range(count):
        place = places[i % len(places)]
        kind = kinds[(i // len(places)) % len(kinds)]
        suffix = "" if i < len(places) * len(kinds) else f" {i // (len(places) * len(kinds)) + 1}"
        name = f"The {place} {kind}{suffix}"
        out.append((name, re.sub(r"[^a-z0-9]+", "", name.lower()) + ".example"))
    return out


@dataclass(frozen=True)
class ClaimText:
    text: str
    kind: str
    speaker: str  # a name, or "" when the sentence names nobody
    topic: str


def _figure(rng: random.Random) -> tuple[str, str]:
    """A figure as written in news, and its unit class (pct, money, count)."""
    roll = rng.random()
    if roll < 0.45:
        return f"{rng.randint(1, 60)}.{rng.randint(0, 9)}%", "pct"
    if roll < 0.8:
        return f"£{rng.randint(2, 950)} {rng.choice(['million', 'billion'])}", "money"
    return f"{rng.randint(2, 900) * 100:,}", "count"


def claim_text(
    rng: random.Random, vocab: Vocabulary, cast: list[Speaker], cast_cum: list[float]
) -> ClaimText:
    """One check-worthy sentence: a topic, a figure, a period, often a speaker, and some rarer words."""
    topic = rng.choice(TOPICS)
    place = rng.choice(PLACES)
    year = rng.randint(2015, 2026)
    figure, _ = _figure(rng)
    figure2, _ = _figure(rng)
    speaker = cast[bisect.bisect(cast_cum, rng.random() * cast_cum[-1])] if rng.random() < 0.6 else None
    who = f"{speaker.title} {speaker.name}" if speaker else ""
    extra = vocab.words_(rng, rng.randint(2, 6))
    month = rng.choice(MONTHS)
    roll = rng.random()
    if roll < 0.45:
        kind = "statistic"
        verb = rng.choice(UP + DOWN)
        body = f"{topic.capitalize()} in {place} {verb} to {figure} in {month} {year}, amid {extra}"
    elif roll < 0.65:
        kind = "quote"
        body = f'"We have cut {topic} by {figure} since {year}, and {extra} will follow"'
    elif roll < 0.77:
        kind = "event"
        since = year - rng.randint(5, 40)
        body = f"{place.capitalize()} recorded {figure} in {topic} during {year}"
        body += f", the first time since {since} ({extra})"
    elif roll < 0.87:
        kind = "comparison"
        other = rng.choice(PLACES)
        body = f"{topic.capitalize()} in {place} is {figure} higher than in {other}"
        body += f", where {extra} reached {figure2}"
    elif roll < 0.95:
        kind = "prediction"
        body = (
            f"{topic.capitalize()} will reach {figure} by {year + rng.randint(1, 10)} unless {extra} changes"
        )
    else:
        kind = "other"
        body = f"The {extra} plan for {topic} in {place} costs {figure} a year"
    if speaker:
        text = f"{body}, {who} said." if rng.random() < 0.7 else f"{who} said {body[0].lower()}{body[1:]}."
    else:
        text = f"{body}, according to official figures." if rng.random() < 0.5 else f"{body}."
    text = text[0].upper() + text[1:]
    return ClaimText(text=text, kind=kind, speaker=speaker.name if speaker else "", topic=topic)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def paraphrase(rng: random.Random, vocab: Vocabulary, text: str) -> str:
    """The same claim as another outlet words it: attribution moved, a few words swapped, figures kept."""
    words = text.rstrip(".").split()
    for _ in range(max(1, len(words) // 8)):
        i = rng.randrange(len(words))
        if not any(ch.isdigit() for ch in words[i]) and words[i][:1].islower() and len(words[i]) > 3:
            words[i] = vocab.word(rng)
    out = " ".join(words)
    if out.endswith(" said") and rng.random() < 0.5:
        out = out[: -len(" said")] + " told reporters"
    return out[0].upper() + out[1:] + "."


def vary_figure(rng: random.Random, text: str) -> str:
    """The same sentence with its first figure changed: a claim about the same quantity that differs."""
    match = _NUMBER.search(text)
    if match is None:
        return text
    digits = match.group().replace(",", "")
    value = float(digits) if "." in digits else int(digits)
    changed = value * rng.choice([0.8, 0.9, 1.1, 1.25, 1.5])
    new = f"{changed:.1f}" if isinstance(value, float) else f"{round(changed):,}"
    return text[: match.start()] + new + text[match.end() :]


def filler_pool(seed: int, vocab: Vocabulary, size: int = 6000) -> list[str]:
    """Sentences that carry no claim: the prose between the claims of an article."""
    rng = random.Random(f"filler:{seed}")
    openers = ["The", "But", "Residents", "Officials", "Critics", "Some", "Many", "Others", "Local", "Its"]
    pool = []
    for _ in range(size):
        n = rng.randint(9, 24)
        body = " ".join(
            vocab.word(rng) if rng.random() < 0.55 else rng.choice(vocab.words[:400]) for _ in range(n)
        )
        pool.append(f"{rng.choice(openers)} {body}.")
    return pool


@dataclass
class BuiltArticle:
    body: str  # as received: boilerplate lines around the text
    text: str  # cleaned: what appearance offsets index into
    removed: list[dict[str, str]]
    spans: list[tuple[int, int]]  # (start, end) of each claim sentence in ``text``, in the order given
    sentences: list[dict[str, object]]


def build_article(
    rng: random.Random, claims: list[tuple[str, float, str]], filler: list[str]
) -> BuiltArticle:
    """An article of 400 to 900 words around its claim sentences ((text, score, kind) each).

    Paragraphs of two to four sentences; boilerplate lines above and below the
    text, which cleaning removed (kept in ``removed`` as the product keeps them).
    """
    target = rng.randint(2600, 5600)  # characters of cleaned text
    slots: list[tuple[str, float, str, int]] = [(t, s, k, i) for i, (t, s, k) in enumerate(claims)]
    order: list[tuple[str, float, str, int]] = []
    filler_chars = max(0, target - sum(len(t) + 1 for t, _, _, _ in slots))
    n_filler = max(len(slots) + 1, filler_chars // 110)
    fill = [(rng.choice(filler), 0.05 + rng.random() * 0.25, "other", -1) for _ in range(n_filler)]
    # Claims spread through the article, the lead sentence often one of them.
    positions = sorted(rng.sample(range(len(fill) + len(slots)), len(slots)))
    it_claims, it_fill = iter(slots), iter(fill)
    for i in range(len(fill) + len(slots)):
        order.append(next(it_claims) if positions and i == positions[0] else next(it_fill))
        if positions and i == positions[0]:
            positions.pop(0)
    parts: list[str] = []
    spans: list[tuple[int, int]] = [(0, 0)] * len(slots)
    sentences: list[dict[str, object]] = []
    pos = 0
    in_paragraph = 0
    for text, score, kind, index in order:
        if parts:
            sep = "\n\n" if in_paragraph >= rng.randint(2, 4) else " "
            in_paragraph = 0 if sep == "\n\n" else in_paragraph
            parts.append(sep)
            pos += len(sep)
        start = pos
        parts.append(text)
        pos += len(text)
        in_paragraph += 1
        if index >= 0:
            spans[index] = (start, pos)
        sentences.append(
            {"start": start, "end": pos, "score": round(score, 4), "check_worthy": index >= 0, "kind": kind}
        )
    text = "".join(parts)
    top = rng.sample(BOILERPLATE_TOP, rng.randint(1, 2))
    bottom = rng.sample(BOILERPLATE_BOTTOM, rng.randint(1, 3))
    body = "\n\n".join([*top, text, *bottom])
    removed = [{"text": line, "reason": "boilerplate"} for line in (*top, *bottom)]
    return BuiltArticle(body=body, text=text, removed=removed, spans=spans, sentences=sentences)
