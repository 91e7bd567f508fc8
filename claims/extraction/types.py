"""Data types returned by the extraction pipeline.

Plain dataclasses so the pipeline stays free of Django; the service layer maps
them onto models. Offsets are Python string indices (code points) into
``ExtractionResult.text``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ClaimKind = Literal["statistic", "quote", "event", "comparison", "prediction", "other"]
Status = Literal["done", "failed"]


@dataclass(frozen=True, slots=True)
class Figure:
    """A number normalised for matching and display.

    kind: money | percent | count | year | range | number | date ("May 9": value 9) | ordinal ("11th")
    value: the normalised magnitude ($245 billion -> 245e9, "two dozen" -> 24); for a range, the low end
    high: the high end of a range, else None
    unit: currency code (USD, EUR...), "%" or a counted noun ("soldiers"), may be ""
    qualifier: approximation such as "more than", "about", "up to", else ""
    text: the figure exactly as written in the sentence
    """

    kind: str
    value: float
    text: str
    unit: str = ""
    high: float | None = None
    qualifier: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str
    score: float
    check_worthy: bool
    kind: ClaimKind = "other"
    speaker: str = ""
    reasons: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()


@dataclass(frozen=True)
class RemovedBlock:
    """A piece of the input dropped as boilerplate, with the reason it was dropped."""

    text: str
    reason: str


@dataclass
class ExtractionResult:
    text: str
    version: str
    status: Status = "done"
    reason: str = ""
    language: str = "en"
    sentences: list[Sentence] = field(default_factory=list)
    removed: list[RemovedBlock] = field(default_factory=list)

    @property
    def claims(self) -> list[Sentence]:
        return [s for s in self.sentences if s.check_worthy]
