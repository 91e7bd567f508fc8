"""The debate-year protocol every check-worthiness number is measured with ("held-out by year").

ClaimBuster's ``crowdsourced.csv`` names each sentence's debate in ``File_id``
(``1988-09-25.txt``). A random split of sentences puts lines of the same
debate, the same speakers and the same topics on both sides and reports a
number that fresh debates never reach, so whole debates are held out by year:

* **train**: debates before :data:`DEV_YEAR` (1960-2008);
* **dev**: the debates of :data:`DEV_YEAR` (2012): every choice (regularisation,
  thresholds, the cascade's band, training steps) is made on it;
* **test**: the debates of :data:`TEST_YEAR` (2016), read once to report, after
  all choices were made.

Label: Verdict 1 (check-worthy factual sentence) is positive; 0 and -1 are not.
Stdlib only, shared by the linear and the transformer training scripts.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

DEV_YEAR = "2012"
TEST_YEAR = "2016"
PROTOCOL = (
    f"held-out by year: train on debates before {DEV_YEAR}, choose on the {DEV_YEAR} debates, "
    f"report once on the {TEST_YEAR} debates"
)


@dataclass(frozen=True, slots=True)
class Split:
    texts: list[str]
    labels: list[int]
    debates: list[str]

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def positives(self) -> int:
        return sum(self.labels)


def _year(file_id: str) -> str:
    return file_id[:4]


def load_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def by_year(data: Path) -> dict[str, Split]:
    """``{"train", "dev", "test"}`` splits of ``data/crowdsourced.csv`` by debate year."""
    parts: dict[str, tuple[list[str], list[int], list[str]]] = {
        k: ([], [], []) for k in ("train", "dev", "test")
    }
    for row in load_rows(data / "crowdsourced.csv"):
        year = _year(row["File_id"])
        part = "test" if year == TEST_YEAR else "dev" if year == DEV_YEAR else "train"
        if year > TEST_YEAR:
            raise ValueError(f"debate {row['File_id']} is later than the test year {TEST_YEAR}")
        texts, labels, debates = parts[part]
        texts.append(row["Text"])
        labels.append(1 if row["Verdict"].strip() == "1" else 0)
        debates.append(row["File_id"])
    return {k: Split(*v) for k, v in parts.items()}


def f1_at(labels: list[int], scores: list[float], threshold: float) -> tuple[float, float, float]:
    """Precision, recall and F1 of the check-worthy class at ``threshold``."""
    tp = fp = fn = 0
    for y, s in zip(labels, scores, strict=True):
        p = s >= threshold
        tp += int(p and y == 1)
        fp += int(p and y == 0)
        fn += int(not p and y == 1)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def best_threshold(labels: list[int], scores: list[float]) -> tuple[float, float]:
    """Threshold in [0.05, 0.95] (steps of 0.01) with the best F1; ties go to the lower threshold."""
    best_t, best_f1 = 0.5, -1.0
    for k in range(5, 96):
        t = k / 100
        f1 = f1_at(labels, scores, t)[2]
        if f1 > best_f1 + 1e-12:
            best_t, best_f1 = t, f1
    return best_t, best_f1
