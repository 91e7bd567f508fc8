"""manage.py ingest PATH...: load .txt, .html and .json articles from files or folders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from claims import extraction, ingest
from claims.errors import DomainError
from claims.models import Article

SUFFIXES = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".json": "json"}
API_FIELDS = {"external_id", "url", "title", "outlet", "published_at", "body", "format"}


class Command(BaseCommand):
    help = "Ingest articles from .txt, .html or .json files (or folders of them) and extract their claims."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="Files or folders")
        parser.add_argument("--outlet", default="", help="Outlet name for .txt/.html files")

    def handle(self, *args: Any, **options: Any) -> None:
        files = list(self._collect(options["paths"]))
        if not files:
            raise CommandError("No .txt, .html or .json files found in the given paths.")
        failures: list[str] = []
        for index, path in enumerate(files, 1):
            prefix = f"[{index}/{len(files)}] {path}"
            try:
                for data in self._read(path, outlet=options["outlet"]):
                    result = ingest.do_ingest_article(data=data)
                    self.stdout.write(f"{prefix}: {self._describe(result)}")
            except (DomainError, ValueError) as exc:
                message = exc.message if isinstance(exc, DomainError) else str(exc)
                failures.append(f"{path}: {message}")
                self.stderr.write(f"{prefix}: skipped: {message}")
        ok = len(files) - len(failures)
        self.stdout.write(f"Ingested {ok} of {len(files)} files.")
        if failures:
            raise CommandError(f"{len(failures)} file(s) could not be ingested:\n  " + "\n  ".join(failures))

    def _collect(self, raw_paths: list[str]) -> Any:
        for raw in raw_paths:
            path = Path(raw)
            if not path.exists():
                raise CommandError(f"{raw}: no such file or folder.")
            if path.is_dir():
                yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            elif path.suffix.lower() in SUFFIXES:
                yield path
            else:
                raise CommandError(f"{raw}: unsupported file type; use .txt, .html or .json.")

    def _read(self, path: Path, *, outlet: str) -> list[ingest.ArticleInput]:
        data = path.read_bytes()
        if extraction.looks_binary(data):
            raise ValueError("looks like a binary file, not an article")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not valid UTF-8 (byte {exc.start}); convert it to UTF-8 first") from exc
        kind = SUFFIXES[path.suffix.lower()]
        if kind != "json":
            return [
                ingest.ArticleInput(body=text, format=kind, external_id=f"file:{path.name}", outlet=outlet)
            ]
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid JSON: {exc}") from exc
        items = payload if isinstance(payload, list) else [payload]
        return [self._from_json(item, path=path, position=i) for i, item in enumerate(items)]

    def _from_json(self, item: Any, *, path: Path, position: int) -> ingest.ArticleInput:
        if not isinstance(item, dict):
            raise ValueError(f"item {position}: expected an object with the API's article fields")
        unknown = sorted(set(item) - API_FIELDS)
        if unknown:
            raise ValueError(f"item {position}: unknown field(s): {', '.join(unknown)}")
        if not isinstance(item.get("body"), str):
            raise ValueError(f"item {position}: 'body' is required and must be a string")
        published = None
        if item.get("published_at"):
            published = parse_datetime(str(item["published_at"]))
            if published is None:
                raise ValueError(f"item {position}: published_at is not an ISO 8601 date-time")
        return ingest.ArticleInput(
            body=item["body"],
            format=str(item.get("format") or "text"),
            external_id=str(item.get("external_id") or f"file:{path.name}#{position}"),
            url=str(item.get("url") or ""),
            title=str(item.get("title") or ""),
            outlet=str(item.get("outlet") or ""),
            published_at=published,
        )

    def _describe(self, result: ingest.IngestResult) -> str:
        article = Article.objects.get(pk=result.article.pk)
        verb = "created" if result.created else ("updated" if result.changed else "unchanged")
        claims = sum(1 for s in article.sentences if s.get("check_worthy"))
        if article.extraction_status == Article.Extraction.DONE:
            state = f"extracted {claims} claims from {len(article.sentences)} sentences"
            if article.extraction_note:
                state += f" ({article.extraction_note})"
        elif article.extraction_status == Article.Extraction.FAILED:
            state = f"extraction failed: {article.extraction_error}"
        else:
            state = f"extraction {article.extraction_status} (queued for the worker)"
        return f"article {article.pk} {verb}; {state}"
