"""Server-drawn SVG charts for the dashboard: geometry here, markup in templates/claims/_*chart.html.

Every chart is plain data (rows or columns with pixel coordinates, colours and
tooltips), so the pages need no JavaScript and nothing fetched from elsewhere,
and the numbers stay readable as text for screen readers and tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from math import ceil

from .models import Article, Claim

# Horizontal bar charts: a label column, then the bar, then the value.
WIDTH = 360
LABEL_WIDTH = 130
BAR_WIDTH = 190
ROW_HEIGHT = 24
BAR_HEIGHT = 15

# Column charts of daily or weekly series, across a whole row of the page.
WIDE = 720
COLUMN_CHART_HEIGHT = 150
COLUMN_AREA_TOP = 16
COLUMN_AREA_BOTTOM = 124

STATUS_COLORS = {
    Claim.Status.NEW: "#2f5bea",
    Claim.Status.IN_REVIEW: "#7a5af8",
    Claim.Status.AWAITING_APPROVAL: "#f79009",
    Claim.Status.VERIFIED: "#12805c",
    Claim.Status.DISPUTED: "#c0362c",
    Claim.Status.DISMISSED: "#98a2b3",
}
EXTRACTION_COLORS = {
    Article.Extraction.PENDING: "#98a2b3",
    Article.Extraction.RUNNING: "#0ba5ec",
    Article.Extraction.DONE: "#12805c",
    Article.Extraction.FAILED: "#c0362c",
}
# The parts of a claim's priority (claims.priority), in the order they are stacked.
PRIORITY_PARTS: dict[str, tuple[str, str]] = {
    "factchecked_repeat": ("fact-checked before", "#f79009"),
    "source_changed": ("article changed", "#dc6803"),
    "figure_conflict": ("figure conflict", "#d92d20"),
    "checkworthiness": ("check-worthiness", "#2f5bea"),
    "outlets": ("outlets", "#7a5af8"),
    "appearances": ("appearances", "#0ba5ec"),
    "recency": ("recency", "#12b76a"),
}
OTHER_PART_COLOR = "#98a2b3"
DESK_COLOR = "#2f5bea"
# Imported fact-checks are drawn in a light tint of the verdict's colour.
IMPORTED_COLORS = {Claim.Status.VERIFIED: "#a6f4c5", Claim.Status.DISPUTED: "#fda29b"}
LEGEND_DESK = "linear-gradient(90deg, #12805c 50%, #c0362c 50%)"
LEGEND_IMPORTED = "linear-gradient(90deg, #a6f4c5 50%, #fda29b 50%)"


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    color: str
    title: str


@dataclass(frozen=True)
class Row:
    label: str
    value: float
    y: float
    segments: list[Segment]
    href: str = ""


@dataclass(frozen=True)
class BarChart:
    title: str
    rows: list[Row]
    height: float
    legend: list[tuple[str, str]] = field(default_factory=list)
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_width: int = BAR_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def total(self) -> float:
        return sum(row.value for row in self.rows)


@dataclass(frozen=True)
class Block:
    """One series' part of a column: drawn from ``y`` down ``height`` pixels."""

    series: str
    value: float
    y: float
    height: float
    color: str
    title: str


@dataclass(frozen=True)
class Stack:
    """One day's (or week's) column: its blocks stacked bottom up."""

    label: str
    key: str
    total: float
    x: float
    width: float
    center: float
    top: float
    tick: bool
    blocks: list[Block]


@dataclass(frozen=True)
class StackedChart:
    """Columns over time, each a stack of series (one series: a plain column chart)."""

    title: str
    summary: str
    stacks: list[Stack]
    legend: list[tuple[str, str]]
    peak: float
    show_values: bool
    width: int = WIDE
    height: int = COLUMN_CHART_HEIGHT
    top: int = COLUMN_AREA_TOP
    baseline: int = COLUMN_AREA_BOTTOM


Series = tuple[str, str, Sequence[float | None]]  # (name, colour, one value per column)


def stacked_columns(
    title: str,
    labels: Sequence[tuple[str, str]],
    series: Sequence[Series],
    *,
    summary: str,
    unit: Callable[[float], str] = lambda value: f"{value:g}",
    width: int = WIDE,
) -> StackedChart:
    """Columns for ``labels`` ((tick label, key) per column, oldest first), each stacking ``series``.

    About seven columns get a tick label whatever their number; values are written
    above the columns only when there is room for them.
    """
    count = len(labels)
    totals = [sum(values[i] or 0 for _, _, values in series) for i in range(count)]
    peak = max(totals, default=0) or 1
    slot = width / max(count, 1)
    area = COLUMN_AREA_BOTTOM - COLUMN_AREA_TOP
    every = max(1, ceil(count / 7))
    stacks = []
    for i, (label, key) in enumerate(labels):
        y = float(COLUMN_AREA_BOTTOM)
        blocks = []
        for name, color, values in series:
            value = values[i] or 0
            height = round(area * value / peak, 1)
            y = round(y - height, 1)
            if value:
                blocks.append(
                    Block(
                        series=name,
                        value=value,
                        y=y,
                        height=height,
                        color=color,
                        title=f"{key}: {name} {unit(value)}",
                    )
                )
        stacks.append(
            Stack(
                label=label,
                key=key,
                total=totals[i],
                x=round(i * slot + slot * 0.15, 1),
                width=round(slot * 0.7, 1),
                center=round(i * slot + slot / 2, 1),
                top=y,
                tick=(count - 1 - i) % every == 0,
                blocks=blocks,
            )
        )
    return StackedChart(
        title=title,
        summary=summary,
        stacks=stacks,
        legend=[(name, color) for name, color, _ in series] if len(series) > 1 else [],
        peak=peak if any(totals) else 0,
        show_values=slot >= 22,
        width=width,
    )


Part = tuple[str, float, str]  # (name shown in the tooltip, value, colour)


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, Sequence[Part], str]],
    *,
    legend: Sequence[tuple[str, str]] = (),
) -> BarChart:
    """One row per (label, parts, link); parts are stacked left to right, scaled to the longest row."""
    peak = max((sum(value for _, value, _ in parts) for _, parts, _ in rows), default=0) or 1
    drawn = []
    for index, (label, parts, href) in enumerate(rows):
        segments = stack(parts, scale=BAR_WIDTH / peak, x=LABEL_WIDTH)
        value = sum(value for _, value, _ in parts)
        drawn.append(
            Row(label=label, value=round(value, 2), y=index * ROW_HEIGHT, segments=segments, href=href)
        )
    return BarChart(title=title, rows=drawn, height=max(len(rows), 1) * ROW_HEIGHT, legend=list(legend))


def stack(parts: Sequence[Part], *, scale: float, x: float = 0) -> list[Segment]:
    """Adjacent segments for the non-zero parts, ``scale`` pixels per unit, starting at ``x``."""
    segments = []
    for name, value, color in parts:
        if value <= 0:
            continue
        width = round(value * scale, 1)
        segments.append(Segment(x=round(x, 1), width=width, color=color, title=f"{name}: {value:g}"))
        x += width
    return segments


def priority_parts(parts: Mapping[str, float]) -> list[Part]:
    """A claim's priority parts in stacking order, named and coloured; unknown parts come last, in grey."""
    known = [(label, float(parts.get(key, 0)), color) for key, (label, color) in PRIORITY_PARTS.items()]
    extra = [
        (key.replace("_", " "), float(value), OTHER_PART_COLOR)
        for key, value in parts.items()
        if key not in PRIORITY_PARTS
    ]
    return [part for part in [*known, *extra] if part[1] > 0]


def priority_stack(parts: Mapping[str, float], *, peak: float, width: float = 120) -> list[Segment]:
    """The small stacked bar the queue shows for each claim; ``peak`` is the widest priority on the page."""
    return stack(priority_parts(parts), scale=width / (peak or 1))


def describe_priority(parts: Mapping[str, float]) -> str:
    """The parts in words, for the queue's tooltip and screen readers."""
    return ", ".join(f"{name} {value:g}" for name, value, _ in priority_parts(parts)) or "no parts"


def priority_chart(parts: Mapping[str, float]) -> BarChart:
    """The claim page's chart: one bar per priority part, largest first."""
    ranked = sorted(priority_parts(parts), key=lambda part: -part[1])
    return bar_chart("Priority parts", [(name, [(name, value, color)], "") for name, value, color in ranked])


def single(label: str, value: float, color: str, href: str = "") -> tuple[str, list[Part], str]:
    """A bar chart row of one part."""
    return (label, [(label, value, color)], href)
