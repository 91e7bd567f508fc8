"""Figures are normalised so they can be compared and matched."""

from __future__ import annotations

from claims.extraction import Figure
from claims.extraction.figures import find_figures


def _one(sentence: str, kind: str | None = None) -> Figure:
    figs = [f for f in find_figures(sentence) if kind is None or f.kind == kind]
    assert figs, f"no {kind or 'figure'} in {sentence!r}"
    return figs[0]


def test_money_with_currency_and_scale() -> None:
    f = _one("Trade hit $245 billion last year.", "money")
    assert (f.value, f.unit, f.text) == (245e9, "USD", "$245 billion")
    assert _one("It cost €3.2bn.", "money").value == 3.2e9
    f = _one("They paid 500 million yuan.", "money")
    assert (f.value, f.unit) == (500e6, "CNY")


def test_percentages_in_words_and_symbols_are_equal() -> None:
    assert _one("Growth was 4.5 percent.").value == _one("Growth was 4.5%.").value == 4.5
    assert _one("Growth was 4.5 per cent.").unit == "%"


def test_ranges() -> None:
    f = _one("Prices rose 10-15% this year.")
    assert (f.kind, f.value, f.high, f.unit) == ("range", 10, 15, "%")
    f = _one("Between 3 and 5 million people fled.")
    assert (f.kind, f.value, f.high) == ("range", 3e6, 5e6)


def test_years_dates_and_ordinals() -> None:
    assert _one("It happened in 2024.").kind == "year"
    assert _one("the May 9 military parade").kind == "date"
    assert _one("Xi’s 11th visit to Russia").kind == "ordinal"


def test_approximate_counts_keep_their_qualifier() -> None:
    f = _one("leaders from more than 20 countries")
    assert (f.qualifier, f.value, f.unit) == ("more than", 20, "countries")
    f = _one("some 2,000 North Korean soldiers were killed")
    assert (f.qualifier, f.value, f.unit) == ("about", 2000, "soldiers")


def test_written_numbers() -> None:
    f = _one("more than two dozen heads of state")
    assert (f.value, f.qualifier) == (24, "more than")
    assert _one("a four-day trip").value == 4
    f = _one("home to tens of thousands of ethnic Russians")
    assert f.value == 10_000 and f.qualifier


def test_compound_counts() -> None:
    f = _one("a 7,000-word joint statement")
    assert (f.value, f.unit) == (7000, "word")


def test_numbers_glued_to_letters_are_not_figures() -> None:
    assert [f.text for f in find_figures("The G20 met.")] == []


def test_long_digit_runs_take_linear_time() -> None:
    import time

    s = "1" * 200_000 + " and " + "2," * 50_000
    t0 = time.perf_counter()
    find_figures(s)
    assert time.perf_counter() - t0 < 2.0
