"""The measurement the thresholds rest on: debates held out by year, the labelled news set."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from claims.extraction import newsdev, splits

CATEGORIES = {"fact", "opinion", "prediction", "procedural", "question", "trivial"}


def _crowdsourced(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["Sentence_id,Text,File_id,Verdict"]
    lines += [f'{k},"{text}",{file_id},{verdict}' for k, (text, file_id, verdict) in enumerate(rows)]
    (tmp_path / "crowdsourced.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_whole_debates_go_to_train_dev_or_test_by_their_year(tmp_path: Path) -> None:
    data = _crowdsourced(
        tmp_path,
        [
            ("Taxes rose 10 percent.", "1988-09-25.txt", "1"),
            ("Thank you.", "1988-09-25.txt", "-1"),
            ("We cut the deficit in half.", "2012-10-03.txt", "1"),
            ("I met him once.", "2012-10-03.txt", "0"),
            ("Crime fell by 20 percent.", "2016-09-26.txt", "1"),
        ],
    )
    parts = splits.by_year(data)
    assert parts["train"].texts == ["Taxes rose 10 percent.", "Thank you."]
    assert parts["train"].labels == [1, 0]
    assert set(parts["dev"].debates) == {"2012-10-03.txt"} and parts["dev"].labels == [1, 0]
    assert parts["test"].texts == ["Crime fell by 20 percent."] and parts["test"].positives == 1


def test_a_debate_later_than_the_test_year_is_refused(tmp_path: Path) -> None:
    data = _crowdsourced(tmp_path, [("Jobs grew.", "2020-09-29.txt", "1")])
    with pytest.raises(ValueError, match="later than the test year"):
        splits.by_year(data)


def test_f1_and_the_best_threshold_of_the_check_worthy_class() -> None:
    labels, scores = [1, 1, 0, 0], [0.9, 0.4, 0.35, 0.1]
    assert splits.f1_at(labels, scores, 0.5) == pytest.approx((1.0, 0.5, 2 / 3))
    threshold, f1 = splits.best_threshold(labels, scores)
    assert f1 == 1.0 and 0.35 < threshold <= 0.4


def test_the_news_labels_follow_the_guidelines_categories() -> None:
    labels = newsdev.read_labels()
    assert len(labels) >= 300
    pages = newsdev.pages_in(labels)
    assert len(pages) >= 30
    assert all(0 < sum(1 for p, _ in labels if p == page) <= newsdev.PER_PAGE for page in pages)
    categories = Counter(category for _, category in labels.values())
    assert set(categories) <= CATEGORIES
    assert all((label == 1) == (category == "fact") for label, category in labels.values())
    assert 0.2 < categories["fact"] / len(labels) < 0.6


def test_a_sentence_key_ignores_spacing_only() -> None:
    key = newsdev.sentence_key
    assert key("Exports rose  12% in 2024.") == key("Exports rose 12% in 2024.")
    assert key("Exports rose 12% in 2024.") != key("Exports rose 13% in 2024.")
