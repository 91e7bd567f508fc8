"""Figures are normalised so they can be compared and matched."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from claims import similarity
from claims.extraction import Figure, extract, figures
from claims.extraction.figures import find_figures, parse_figures


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


# --- The vocabulary the matcher's parser used to have on its own


def test_wire_abbreviations_and_hyphenated_scales_are_money() -> None:
    f = _one("Rosneft raised 5 bln rubles.", "money")
    assert (f.value, f.unit, f.text) == (5e9, "RUB", "5 bln rubles")
    assert _one("Japan set aside 3 trn yen.", "money").value == 3e12
    f = _one("It signed a $5-billion deal.", "money")
    assert (f.value, f.text) == (5e9, "$5-billion")


def test_percentage_points_have_one_unit_however_written() -> None:
    glued = _one("Support fell 2pp in a month.")
    spelled = _one("Support fell 2 percentage points in a month.")
    assert (glued.kind, glued.value, glued.unit) == ("percent", 2, "percentage points")
    assert (spelled.kind, spelled.value, spelled.unit) == ("percent", 2, "percentage points")


def test_a_multiple_glued_to_its_x_reads_as_the_number() -> None:
    assert _one("Vapes hold 10x more toxins.").value == _one("Vapes hold ten times more toxins.").value == 10


def test_written_numbers_with_a_percent_or_a_currency() -> None:
    f = _one("Support fell five percent among older voters.")
    assert (f.kind, f.value, f.unit, f.text) == ("percent", 5, "%", "five percent")
    f = _one("He owes more than two million dollars.")
    assert (f.kind, f.value, f.unit, f.qualifier) == ("money", 2e6, "USD", "more than")
    assert _one("They pledged two trillion dollars.").value == 2e12


def test_written_scales_chain() -> None:
    assert _one("one hundred million people").value == 1e8
    assert _one("a hundred million people").value == 1e8
    assert _one("two hundred thousand workers").value == 2e5


def test_numbers_that_are_part_of_a_name_are_not_figures() -> None:
    for sentence in ("COVID-19 cases rose.", "An F-35 crashed.", "He owns an AR-15.", "I-40 was closed."):
        assert find_figures(sentence) == [], sentence
    assert _one("Prices fell in mid-2020.").kind == "year"
    assert _one("The Dow lost minus-1,300 points.").value == 1300


def test_numbers_joined_by_slashes_are_not_figures() -> None:
    for sentence in ("the 9/11 attacks", "24/7 news", "on 3/15/2020 at noon", "(1/2) — a thread"):
        assert find_figures(sentence) == [], sentence


def test_won_is_a_currency_only_after_a_large_sum() -> None:
    assert _one("Trump in 2016 won the vote.").kind == "year"
    assert _one("Seoul pledged 5 trillion won.").unit == "KRW"
    assert _one("A ticket costs 1,000 won.").unit == "KRW"


def test_years_run_from_1500_to_2100() -> None:
    assert _one("Emissions must reach zero by 2100.").kind == "year"
    assert _one("The colony was founded in 1620.").kind == "year"
    assert _one("They sent 2000 soldiers.").kind == "count"
    assert _one("They sent more than 2000.").kind == "number"


def test_parse_figures_gives_the_dict_claims_store() -> None:
    [f] = parse_figures("Trade hit $245 billion.")
    assert f.as_dict() == {
        "kind": "money",
        "value": 245e9,
        "text": "$245 billion",
        "unit": "USD",
        "high": None,
        "qualifier": "",
    }


# --- One figure parser: the matcher reads a sentence's figures as the extractor does

SAME_FIGURES = [
    ("Bilateral trade reached $240 billion last year, officials said.", {("money:USD", 240e9)}),
    ("Bilateral trade reached 240bn dollars last year, officials said.", {("money:USD", 240e9)}),
    ("Two million people fled the fighting, the agency said.", {("number", 2e6)}),
    ("Unemployment rose to 3.5% in March, the statistics office said.", {("percent", 3.5)}),
    ("The city paid €5 mn for the new bridge, the mayor said.", {("money:EUR", 5e6)}),
    ("Support for the party fell five percent among older voters.", {("percent", 5.0)}),
    ("Rosneft raised 5 bln rubles in a bond sale on Monday.", {("money:RUB", 5e9)}),
    ("The jobless rate rose 2pp to 6.5% over the year.", {("percent:pp", 2.0), ("percent", 6.5)}),
    ("Prices rose 10-15% this year, the survey found.", {("percent", 10.0), ("percent", 15.0)}),
]


@pytest.mark.parametrize(("sentence", "keys"), SAME_FIGURES)
def test_the_matcher_reads_the_figures_the_extractor_stores(sentence: str, keys: set[Any]) -> None:
    [extracted] = [s for s in extract(sentence + "\n").sentences if s.text == sentence]
    stored = [f.as_dict() for f in extracted.figures]

    assert stored == [f.as_dict() for f in parse_figures(sentence)]
    assert similarity.figure_keys(sentence) == similarity.figure_keys("", stored) == keys
    assert similarity.figure_keys(sentence, stored) == keys


def test_the_same_sum_written_two_ways_is_the_same_figure() -> None:
    symbol = similarity.figure_keys("Trade reached $240 billion.")
    words = similarity.figure_keys("Trade reached 240bn dollars.")

    assert similarity.compare_figures(symbol, words) == "same"
    assert (
        similarity.compare_figures(symbol, similarity.figure_keys("Trade reached $245 billion."))
        == "conflict"
    )


def test_percentage_points_stored_under_the_old_spelling_still_match() -> None:
    old = {"kind": "percent", "value": 2.0, "unit": "pp", "text": "2pp", "high": None, "qualifier": ""}

    assert similarity.figure_key(old) == ("percent:pp", 2.0)
    assert similarity.figure_keys("", [old]) == similarity.figure_keys("It rose 2 percentage points.")


def test_similarity_reads_figures_only_through_the_extractors_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    seven = Figure(kind="money", value=7.0, text="seven", unit="USD")
    monkeypatch.setattr(figures, "parse_figures", lambda text: [seven])

    assert similarity.figure_keys("No numbers here.") == {("money:USD", 7.0)}
    assert not hasattr(similarity, "parse_figures")
    assert not hasattr(similarity, "ParsedFigure")


def test_similarity_has_no_figure_vocabulary_of_its_own() -> None:
    tree = ast.parse(Path(similarity.__file__).read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    strings = [
        node.value.lower()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]
    words = {w for w in figures._SCALES if len(w) > 1} | set(figures._CURRENCY_WORDS) | set(figures._UNITS)
    words |= {"percent", "dozen"} | {q for q in figures._QUALIFIERS if " " in q}
    vocabulary = re.compile(
        r"\b(?:" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\b"
    )
    symbols = set(figures._CURRENCY_SYMBOLS) - {"$", "us$"}  # "$" also ends regular expressions

    assert [s for s in strings if vocabulary.search(s) or any(c in s for c in symbols)] == []


@pytest.mark.parametrize(
    ("sentence", "kind", "value", "unit"),
    [
        ("Temperatures hit 48.8C in Seville on Monday.", "number", 48.8, ""),
        ("Exports rose to 2.3t last year.", "number", 2.3, ""),
        ("The club paid 2.5m euros for the striker.", "money", 2_500_000, "EUR"),
        ("Revenue was 3.2bn dollars.", "money", 3_200_000_000, "USD"),
    ],
)
def test_a_decimal_glued_to_its_unit_keeps_its_decimals(
    sentence: str, kind: str, value: float, unit: str
) -> None:
    (figure,) = find_figures(sentence)
    assert (figure.kind, figure.value, figure.unit) == (kind, value, unit)


def test_a_lone_m_is_a_million_only_with_money() -> None:
    assert [(f.kind, f.value) for f in find_figures("He ran 5 m in a straight line.")] == [("number", 5.0)]
    race = "Her victory in the 100m won her a place in the final."
    assert [(f.kind, f.value) for f in find_figures(race)] == [("number", 100.0)]
    assert [(f.kind, f.value, f.unit) for f in find_figures("Prices rose 2.5pc in May.")] == [
        ("percent", 2.5, "%")
    ]
