"""Score sentences for check-worthiness: ``python manage.py checkworthiness [FILE]``.

Reads one sentence per line from FILE (standard input when no FILE is given)
and writes one ``score<TAB>label`` line per input line, in order: the score in
[0, 1] and label 1 when the shipped threshold says check-worthy, else 0. Only
result lines go to standard output; warnings go to standard error. Needs no
database.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.extraction import THRESHOLD, score_sentences

BATCH = 2000


class Command(BaseCommand):
    help = "Score one sentence per line (FILE or standard input): prints score<TAB>label per line."
    requires_system_checks: list[str] = []
    stealth_options = ("stdin",)
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="text file with one sentence per line (default: stdin)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options.get("file")
        if path:
            p = Path(path)
            if not p.is_file():
                raise CommandError(f"no such file: {path}")
            try:
                lines = p.read_text(encoding="utf-8").splitlines()
            except UnicodeDecodeError as exc:
                raise CommandError(f"{path} is not UTF-8 text: {exc}") from exc
        else:
            stdin = options.get("stdin") or sys.stdin
            lines = stdin.read().splitlines()
        empty = 0
        for start in range(0, len(lines), BATCH):
            chunk = lines[start : start + BATCH]
            scores = score_sentences([ln.strip() for ln in chunk])
            for ln, score in zip(chunk, scores, strict=True):
                if not ln.strip():
                    empty += 1
                    score = 0.0
                self.stdout.write(f"{score:.4f}\t{1 if score >= THRESHOLD else 0}")
        if empty:
            self.stderr.write(f"warning: {empty} empty line(s) scored 0")
