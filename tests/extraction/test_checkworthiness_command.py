"""`manage.py checkworthiness`: one score<TAB>label line per input line, no database needed."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest

django = pytest.importorskip("django")

from django.core.management import CommandError, call_command  # noqa: E402

from claims.extraction import THRESHOLD, score_sentences  # noqa: E402

LINES = [
    "Unemployment fell to 4.5 percent in 2023, the lowest rate in 50 years.",
    "Thank you very much.",
    "",
    "We spent $3 billion on the program last year.",
]


def _parse(out: str) -> list[tuple[float, int]]:
    rows = []
    for line in out.splitlines():
        score, label = line.split("\t")
        rows.append((float(score), int(label)))
    return rows


def test_a_file_gives_one_result_line_per_input_line(tmp_path: Path) -> None:
    f = tmp_path / "sentences.txt"
    f.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("checkworthiness", str(f), stdout=out, stderr=err)
    rows = _parse(out.getvalue())
    assert len(rows) == len(LINES)
    expected = score_sentences(LINES)
    for (score, label), exp, line in zip(rows, expected, LINES, strict=True):
        if line:
            assert score == pytest.approx(exp, abs=1e-4)
        assert label == (1 if score >= THRESHOLD else 0)
    assert rows[0][1] == 1 and rows[1][1] == 0 and rows[2] == (0.0, 0)
    assert "empty" in err.getvalue()


def test_standard_input_is_read_when_no_file_is_given() -> None:
    out = StringIO()
    call_command("checkworthiness", stdin=StringIO("\n".join(LINES)), stdout=out, stderr=StringIO())
    assert len(_parse(out.getvalue())) == len(LINES)


def test_a_missing_file_is_a_clear_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("checkworthiness", str(tmp_path / "nope.txt"), stdout=StringIO(), stderr=StringIO())
