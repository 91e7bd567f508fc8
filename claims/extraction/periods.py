"""The period a sentence's figures are about: the years and months it names.

"$245 billion in 2024" is about 2024; "last year, trade reached $240 billion"
is about the year before the article was written. Two figures for the same
quantity contradict each other only when they are about the same period; for
different periods they are a series ("$240 billion in 2023, $245 billion in
2024"), both of which can be right.

A period is ``(year, month)``, month 0 for a whole year. Explicit years come
from the one figure parser (``figures.find_figures``: what it reads as a
year); relative expressions ("last year", "this year", "in December", "last
month", "a year earlier") are resolved against a reference date, the
article's publication date (else when it was received). Without a reference
a relative expression names no period: an unknown period is never taken for
a known one.
"""

from __future__ import annotations

import re
from datetime import date

from . import figures

Period = tuple[int, int]

_MONTH_NUMBERS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH_ALT = "|".join(sorted((m.capitalize() for m in _MONTH_NUMBERS), key=len, reverse=True))
# A capitalised month name, optionally with a day, optionally with a year: "in December",
# "December 2024", "May 9, 2024". "May" and "March" are also words ("prices may rise", "the march
# on Rome"): capitalised and after a preposition, or followed by a day or a year, they are months.
_MONTH_RE = re.compile(
    rf"(?P<prep>\b(?i:in|of|since|by|until|from|last|this|early|late|mid|during|before|after)[\s-]+)?"
    rf"\b(?P<month>{_MONTH_ALT})\b\.?(?:\s+(?P<day>\d{{1,2}})(?!\d))?(?:,?\s+(?P<year>1[5-9]\d\d|20\d\d|2100)\b)?"
)
_AMBIGUOUS_MONTHS = frozenset({"May", "March", "Mar"})
_RELATIVE_RE = re.compile(
    r"\b(?P<phrase>last year|this year|next year|previous year|a year (?:earlier|ago|before)"
    r"|the year (?:before|prior)|last month|this month|previous month|a month (?:earlier|ago))\b",
    re.IGNORECASE,
)


def sentence_periods(text: str, *, reference: date | None = None) -> frozenset[Period]:
    """Every period ``text`` names, explicit or resolved against ``reference``; empty when unknown."""
    periods: set[Period] = set()
    month_years: set[int] = set()
    for m in _MONTH_RE.finditer(text):
        month_name = m.group("month")
        if month_name in _AMBIGUOUS_MONTHS and not (m.group("prep") or m.group("day") or m.group("year")):
            continue
        month = _MONTH_NUMBERS[month_name.lower()]
        if m.group("year"):
            year = int(m.group("year"))
            month_years.add(year)
        elif reference is not None:
            # The latest such month up to the reference: "in December" written in March is last December.
            # "last December" written in December is the one a year before.
            latest = month < reference.month or (month == reference.month and not _is_last(m))
            year = reference.year if latest else reference.year - 1
        else:
            continue
        periods.add((year, month))
    years = {
        int(f.value)
        for f in figures.find_figures(text)
        if f.kind == "year" and float(f.value).is_integer() and int(f.value) not in month_years
    }
    periods.update((year, 0) for year in years)
    for m in _RELATIVE_RE.finditer(text):
        period = _relative(m.group("phrase").lower(), years=years, reference=reference)
        if period is not None:
            periods.add(period)
    return frozenset(periods)


def _is_last(m: re.Match[str]) -> bool:
    return (m.group("prep") or "").strip(" -").lower() == "last"


def _relative(phrase: str, *, years: set[int], reference: date | None) -> Period | None:
    # "up from $240 billion a year earlier": earlier than the one year the sentence names, if it
    # names one; otherwise earlier than the reference.
    if phrase in ("a year earlier", "a year before", "the year before", "the year prior", "previous year"):
        if len(years) == 1:
            return (next(iter(years)) - 1, 0)
        return (reference.year - 1, 0) if reference is not None else None
    if reference is None:
        return None
    if phrase in ("last year", "a year ago"):
        return (reference.year - 1, 0)
    if phrase == "this year":
        return (reference.year, 0)
    if phrase == "next year":
        return (reference.year + 1, 0)
    month = reference.month - (0 if phrase == "this month" else 1)
    return (reference.year, month) if month else (reference.year - 1, 12)
