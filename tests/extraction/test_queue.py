"""The review queue narrows: what a desk would check stays, opinions and protocol lines wait on the page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from claims.extraction import QUEUE_THRESHOLD, ExtractionResult, cascade, extract, transformer
from claims.extraction.model import blended_logits

GOLD = json.loads((Path(__file__).with_name("seed_gold.json")).read_text(encoding="utf-8"))["claims"]


def test_the_claims_a_fact_checker_would_pick_reach_the_queue(
    seed_results: dict[str, ExtractionResult],
) -> None:
    # Target: every one of them. Reached: all but three, which score under the queue threshold
    # (MODEL.md): 001's "The two leaders announced a 'no limits' friendship shortly before the
    # invasion began", 002's "Gazprom CEO Alexei Miller did not travel with Putin's delegation
    # ..." and 004's schedule "Xi and Putin will also discuss ... including the proposed Power of
    # Siberia 2 natural gas pipeline".
    missed = []
    gold = 0
    for key, parts in GOLD.items():
        for part in parts:
            (sentence,) = [s for s in seed_results[key].sentences if part in s.text]
            gold += 1
            if not sentence.check_worthy:
                missed.append(sentence.text)
    assert gold == 35
    assert len(missed) <= 3, missed


def test_the_queue_holds_well_under_the_sentences_of_the_seeds(
    seed_results: dict[str, ExtractionResult],
) -> None:
    # Target: at most 60 %. Reached: 59 of 104 (56.7 %), against 95 of 104 before the cascade.
    sentences = sum(len(r.sentences) for r in seed_results.values())
    claims = sum(len(r.claims) for r in seed_results.values())
    assert sentences > 100
    assert claims <= 0.6 * sentences


def test_a_protocol_line_stays_on_the_page_with_its_score_but_out_of_the_queue(
    seed_results: dict[str, ExtractionResult],
) -> None:
    (line,) = [s for s in seed_results["000"].sentences if s.text.startswith("They include Brazilian")]
    assert not line.check_worthy
    assert 0.0 < line.score < 1.0
    assert "Lula" in line.text


@pytest.mark.parametrize(
    ("sentence", "why"),
    [
        ("Did the government really spend $3 billion on the bridge last year?", "question"),
        ("I think the minister has done a wonderful job for the people of Kentucky.", "opinion"),
        ("Analysts said the merger is likely to strengthen the company in the long run.", "prediction"),
        ("A ministry spokesperson declined to comment on the figures reported by Reuters.", "procedural"),
    ],
)
def test_questions_opinions_vague_forecasts_and_protocol_lines_are_kept_out_and_say_why(
    sentence: str, why: str
) -> None:
    body = f"Officials released the budget on Monday in the capital.\n{sentence}\n"
    result = extract(body, queue_threshold=0.0)
    (s,) = [x for x in result.sentences if x.text == sentence]
    assert not s.check_worthy
    assert any(r.startswith("kept out of the queue: " + why) for r in s.reasons)


def test_a_forecast_with_a_figure_and_a_reported_proposal_stay_checkable() -> None:
    body = (
        "The company is expected to cut 3,000 jobs by March, the union said.\n"
        "Putin suggested Slovakia should cut off energy supplies to Ukraine, the Kremlin said.\n"
    )
    result = extract(body, queue_threshold=0.0)
    assert [s.check_worthy for s in result.sentences] == [True, True]


@pytest.mark.parametrize(
    ("sentence", "procedural"),
    [
        ("Subscribers to the Times rose to 10 million in 2024, the highest ever.", False),
        ("Among them are three former ministers and a judge.", True),
        ("Among themes of the budget, health spending rose 12% in 2024.", False),
        ("Clicks on political ads fell 40% in the last week of the campaign.", False),
        ("Here is what the budget means for you.", True),
        ("Click on the map below to see where each of the 1,200 shootings happened in 2023.", True),
        ("Hereford council spent £4 million on the bypass in 2023.", False),
    ],
)
def test_a_protocol_opening_is_read_as_whole_words(sentence: str, procedural: bool) -> None:
    body = f"Officials released the budget on Monday in the capital.\n{sentence}\n"
    result = extract(body, queue_threshold=0.0)
    (s,) = [x for x in result.sentences if x.text == sentence]
    assert ("kept out of the queue: procedural" in s.reasons) == procedural


def test_the_shipped_transformer_is_small_and_its_threshold_was_chosen_on_the_dev_debates() -> None:
    assert transformer.MODEL_PATH.is_file()
    assert transformer.MODEL_PATH.stat().st_size < 26_000_000
    meta = transformer.load_meta()
    assert "2012" in meta["protocol"] and "2016" in meta["protocol"]
    assert 0.05 <= meta["threshold"] <= 0.95
    assert cascade.PLAN is not None and 0.0 <= cascade.PLAN.low < cascade.PLAN.high <= 1.0
    assert transformer.scorer() is not None, transformer.load_error()


def test_the_transformer_ranks_a_statistic_above_small_talk() -> None:
    model = transformer.scorer()
    assert model is not None
    z = model.logits(["Unemployment fell to 3.5% in March, the lowest rate in 50 years.", "Thank you all."])
    assert z[0] > z[1]


def test_a_sentence_scores_the_same_alone_and_inside_an_article() -> None:
    texts = [
        "Bilateral trade hit a new record of $245 billion in 2024.",
        "They met in Moscow.",
        "China has provided an economic and diplomatic lifeline for Moscow.",
    ]
    together = cascade.score_sentences(texts)
    alone = [cascade.score_sentences([t])[0] for t in texts]
    assert together == pytest.approx(alone, abs=1e-9)


def test_without_the_transformer_the_linear_model_decides_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["China has provided an economic and diplomatic lifeline for Moscow.", "Thank you, Senator."]
    linear = blended_logits(texts)
    fast, scored = cascade.logits(texts, second_stage=False)
    assert np.array_equal(fast, linear) and not scored.any()

    monkeypatch.setattr(transformer, "MODEL_PATH", Path("/nonexistent/checkworthy_minilm.onnx"))
    monkeypatch.setattr(transformer, "_scorer", None)
    monkeypatch.setattr(transformer, "_load_error", None)
    assert transformer.scorer() is None and transformer.load_error()
    z, scored = cascade.logits(texts)
    assert np.array_equal(z, linear) and not scored.any()
    assert "linear model alone" in cascade.describe()
    result = extract("Bilateral trade hit a new record of $245 billion in 2024, customs data showed.\n")
    assert result.status == "done" and result.claims


def test_the_queue_threshold_is_a_probability() -> None:
    assert 0.05 <= QUEUE_THRESHOLD <= 0.95
