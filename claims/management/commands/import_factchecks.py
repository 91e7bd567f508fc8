"""manage.py import_factchecks FILE: load past fact-checks (schema.org ClaimReview) as reviewed claims.

FILE holds one ClaimReview JSON-LD object, a list of them (or an ``@graph``), or
JSON lines. Each valid item becomes a claim keeping ``claimReviewed`` verbatim,
with its rating as the verdict; importing the same review URL again updates it
instead of adding a duplicate. Invalid items are reported one by one and make
the command exit non-zero, after the valid ones are imported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims import claimreview
from claims.errors import DomainError


class Command(BaseCommand):
    help = "Import past fact-checks (schema.org ClaimReview JSON-LD, a list of them, or JSON lines)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A .json or .jsonl file, or - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        text = self._read(options["file"])
        created = updated = 0
        failures: list[str] = []
        for where, item in self._items(text, failures):
            try:
                result = claimreview.do_import_claim_review(item=item)
            except DomainError as exc:
                failures.append(f"{where}: {exc.message}")
                self.stderr.write(f"{where}: skipped: {exc.message}")
                continue
            if result.created:
                created += 1
            else:
                updated += 1
            claim = result.claim
            verb = "imported" if result.created else "already known"
            self.stdout.write(f"{where}: {verb} as claim {claim.pk} ({claim.verdict or 'no rating'})")
        self.stdout.write(
            f"{created} fact-check(s) imported, {updated} already known, {len(failures)} invalid."
        )
        if failures:
            raise CommandError(f"{len(failures)} item(s) could not be imported:\n  " + "\n  ".join(failures))

    def _read(self, name: str) -> str:
        if name == "-":
            import sys

            return sys.stdin.read()
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"{name}: no such file.")
        try:
            return path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CommandError(f"{name}: not valid UTF-8 (byte {exc.start}).") from exc

    def _items(self, text: str, failures: list[str]) -> Iterator[tuple[str, Any]]:
        """(where, item) pairs: a whole JSON document first, else one JSON value per line."""
        if not text.strip():
            failures.append("the file is empty")
            return
        try:
            document = json.loads(text)
        except json.JSONDecodeError as whole_error:
            lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
            if len(lines) == 1:
                failures.append(f"invalid JSON: {whole_error}")
                self.stderr.write(f"invalid JSON: {whole_error}")
                return
            for number, line in lines:
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    failures.append(f"line {number}: invalid JSON: {exc.msg} (column {exc.colno})")
                    self.stderr.write(f"line {number}: skipped: invalid JSON: {exc.msg} (column {exc.colno})")
                    continue
                for i, item in enumerate(_flatten(value)):
                    yield (f"line {number}" if i == 0 else f"line {number} item {i + 1}"), item
            return
        for index, item in enumerate(_flatten(document), 1):
            yield f"item {index}", item


def _flatten(value: Any) -> list[Any]:
    """A list of items from a JSON value: a list, an ``@graph`` document, or one item."""
    if isinstance(value, list):
        return [item for element in value for item in _flatten(element)]
    if isinstance(value, dict) and isinstance(value.get("@graph"), list) and "@type" not in value:
        return list(value["@graph"])
    return [value]
