"""The articles bench/ingest.py posts: deterministic variations of the seed stories.

Each article keeps its source's boilerplate lines; its story paragraphs are
shuffled, dropped or borrowed from another source, names, some words and the
figures changed, and one unique line added; 2-8 KB. One story paragraph in
five is kept word for word (wire copy), so some claims repeat known ones.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUTLETS = ["Capital Ledger", "Harbour Times", "Northern Courier", "Evening Wire", "Valley Gazette"]
SYLLABLES = ["ka", "lo", "mi", "ra", "ten", "vo", "sel", "dri", "an", "bel", "cor", "ux", "pha", "gre", "mon"]

# --- Articles -----------------------------------------------------------------------

_NUMBER_RE = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])\d+(?:\.\d+)?")
# A capitalised word (or two) after a lower-case word: a name inside a sentence.
_NAME_RE = re.compile(r"(?<=[a-z,] )[A-Z][a-z]{2,}(?: [A-Z][a-z]{2,})?")
_WORD_RE = re.compile(r"\b[a-z]{5,}\b")
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?”\"])\s+(?=[A-Z“\"])")


def is_story(line: str) -> bool:
    """A paragraph of the story (not a headline, caption, widget or call to action)."""
    return len(line.split()) >= 12 and line.rstrip()[-1:] in ".!?\"”’'"


def read_sources(corpus: Path | None) -> list[list[str]]:
    """Each source article as its lines; a long line without breaks is cut into paragraphs."""
    paths = sorted((ROOT / "seeds").glob("*.txt"))
    if corpus is not None:
        paths += sorted(corpus.rglob("*.txt"))
    sources: list[list[str]] = []
    for path in paths:
        lines: list[str] = []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if len(line) <= 900:
                lines.append(line)
                continue
            sentences = _SENTENCE_SPLIT_RE.split(line)
            lines += [" ".join(sentences[k : k + 3]) for k in range(0, len(sentences), 3)]
        if any(is_story(line) for line in lines):
            sources.append(lines)
    if not sources:
        raise SystemExit("no usable source articles (seeds/*.txt, --corpus)")
    return sources


class ArticleMaker:
    """Deterministic, distinct articles (payloads for POST /api/v1/articles/) from the sources."""

    def __init__(self, sources: list[list[str]], seed: int) -> None:
        self.sources = sources
        self.seed = seed
        self.stories = [[line for line in src if is_story(line)] for src in sources]
        words = {w for src in sources for line in src for w in _WORD_RE.findall(line)}
        self.words = sorted(words)

    def pseudo_name(self, r: random.Random) -> str:
        return "".join(r.choice(SYLLABLES) for _ in range(r.randint(2, 3))).capitalize()

    def vary(self, line: str, r: random.Random, names: dict[str, str]) -> str:
        """Other names, some other words and other figures: the same shape, a different claim."""

        def name(m: re.Match[str]) -> str:
            key = m.group(0)
            if key not in names:
                names[key] = " ".join(self.pseudo_name(r) for _ in key.split()) if r.random() < 0.7 else key
            return names[key]

        def word(m: re.Match[str]) -> str:
            return r.choice(self.words) if r.random() < 0.15 else m.group(0)

        return _NUMBER_RE.sub(
            lambda m: self.figure(m.group(0), r), _WORD_RE.sub(word, _NAME_RE.sub(name, line))
        )

    @staticmethod
    def figure(text: str, r: random.Random) -> str:
        value = float(text.replace(",", ""))
        if "." not in text and 1900 <= value <= 2100:
            return str(int(value) + r.randint(-3, 1))
        decimals = len(text.split(".")[1]) if "." in text else 0
        new = max(value * r.uniform(0.6, 1.6), 1.0 if value >= 1 else 0.1)
        out = f"{new:,.{decimals}f}" if "," in text else f"{new:.{decimals}f}"
        return out if decimals else out.split(".")[0]

    def article(self, i: int) -> dict[str, Any]:
        r = random.Random(f"{self.seed}:{i}")
        k = r.randrange(len(self.sources))
        lines, own = self.sources[k], self.stories[k]
        names: dict[str, str] = {}
        story = [line for line in own if r.random() > 0.15] or own[:1]
        rest = story[1:]
        r.shuffle(rest)
        story = story[:1] + rest if r.random() < 0.7 else rest + story[:1]
        target = int(r.triangular(2000, 8000, 4500))
        while sum(len(s) + 1 for s in story) < target * 0.8 and len(story) < 60:
            other = self.stories[r.randrange(len(self.stories))]
            story.insert(r.randint(1, len(story)), r.choice(other))
        story = [s if r.random() < 0.2 else self.vary(s, r, names) for s in story]
        ext = f"bench-{self.seed}-{i:06d}"
        reporter = f"{self.pseudo_name(r)} {self.pseudo_name(r)}"
        city = self.pseudo_name(r)
        story.insert(
            min(len(story), r.randint(1, 4)),
            f"{reporter} contributed reporting from {city}; this story is filed under {ext}-{secrets_of(r)}.",
        )
        first = next(n for n, line in enumerate(lines) if is_story(line))
        last = max(n for n, line in enumerate(lines) if is_story(line))
        middle: list[str] = []
        queue = iter(story)
        for line in lines[first : last + 1]:
            middle.append(next(queue, "") if is_story(line) else line)
        middle += list(queue)
        body = "\n".join([*lines[:first], *middle, *lines[last + 1 :]])
        while len(body.encode()) > 8500 and len(middle) > 4:
            middle.pop(-2)
            body = "\n".join([*lines[:first], *middle, *lines[last + 1 :]])
        outlet = OUTLETS[k % len(OUTLETS)]
        published = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=7 * i)
        return {
            "external_id": ext,
            "url": f"https://{outlet.lower().replace(' ', '-')}.example/news/{ext}",
            "title": " ".join(story[0].split()[:12]),
            "outlet": outlet,
            "published_at": published.isoformat(),
            "body": body,
            "format": "text",
        }


def secrets_of(r: random.Random) -> str:
    """Letters unique to the article (digits alone would not do: line keys drop them)."""
    return "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8))
