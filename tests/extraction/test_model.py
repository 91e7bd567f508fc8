"""The shipped check-worthiness model: light to load, deterministic, consistent with training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from claims.extraction import THRESHOLD, score_sentences
from claims.extraction import features as F
from claims.extraction.evaluate import evaluate
from claims.extraction.model import META_PATH, WEIGHTS_PATH


def test_weights_ship_small_inside_the_package() -> None:
    assert WEIGHTS_PATH.is_file() and WEIGHTS_PATH.stat().st_size < 5_000_000
    meta = json.loads(META_PATH.read_text(encoding="utf-8"))
    assert meta["threshold"] == THRESHOLD
    assert 0.05 <= THRESHOLD <= 0.95
    assert "dev_f1" in meta


def test_scores_are_probabilities_and_rank_facts_above_chatter() -> None:
    scores = score_sentences(
        [
            "Unemployment fell to 4.5 percent in 2023, the lowest rate in 50 years.",
            "The bill cut taxes for 90 percent of working families.",
            "Thank you very much, it is great to be here tonight.",
            "I think we need to move forward together.",
            "",
        ]
    )
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores[0] >= THRESHOLD and scores[1] >= THRESHOLD
    assert scores[2] < THRESHOLD and scores[3] < THRESHOLD
    assert score_sentences([]) == []


def test_scoring_is_deterministic_and_independent_of_batching() -> None:
    texts = ["Exports rose 12% in 2024.", "What a night!", "The senator voted against the bill twice."]
    together = score_sentences(texts)
    alone = [score_sentences([t])[0] for t in texts]
    assert together == pytest.approx(alone, abs=1e-12)
    assert score_sentences(texts) == together


def test_batched_features_match_the_per_sentence_definition() -> None:
    texts = ["Trade hit $245 billion in 2024, up 68% from 2021.", "", "Yes. Yes? No!", "Ünïcödé “quotes”"]
    toks = [F.tokenize(t) for t in texts]
    w_rows, w_cols, c_rows, c_cols = F._occurrences(toks)
    for k, tk in enumerate(toks):
        words, chars = F.hashed_ids(tk)
        assert sorted(w_cols[w_rows == k].tolist()) == sorted(words)
        flat = np.concatenate(chars).tolist() if chars else []
        assert sorted(c_cols[c_rows == k].tolist()) == sorted(flat)


def test_evaluation_reports_precision_recall_and_f1(tmp_path: Path) -> None:
    csv_path = tmp_path / "tiny.csv"
    csv_path.write_text(
        "Sentence_id,Text,Verdict\n"
        '1,"Unemployment fell to 4.5 percent in 2023, the lowest rate in 50 years.",1\n'
        '2,"Thank you very much, it is great to be here tonight.",-1\n'
        '3,"We spent $3 billion on the program last year.",1\n'
        '4,"I think we need to move forward together.",0\n',
        encoding="utf-8",
    )
    m = evaluate(csv_path)
    assert m["sentences"] == 4 and m["positives"] == 2
    assert m["precision"] == 1.0 and m["recall"] == 1.0 and m["f1"] == 1.0
