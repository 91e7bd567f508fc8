"""One chunk's rows into the product's tables by COPY, with the values the product derives.

Every column of a model is written: what a chunk's row leaves out gets the
field's default, as an ORM insert would. Derived values come from the
product's own code: the priority (``claims.priority``), figures and periods
(the extractor's parser), the matcher's tokens, normal form and fingerprint.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

import numpy as np

from .stories import Rows


@cache
def _columns(model: Any) -> tuple[list[str], dict[str, Any], set[str]]:
    """Column names, each one's default, and which hold JSON."""
    now = datetime.now(UTC)
    defaults: dict[str, Any] = {}
    json_columns: set[str] = set()
    for f in model._meta.concrete_fields:
        column = str(f.column)
        if f.get_internal_type() == "JSONField":
            json_columns.add(column)
        if f.has_default():
            value = f.get_default()
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        elif not f.null and f.empty_strings_allowed:
            value = ""
        else:
            value = None
        defaults[column] = value
    return list(defaults), defaults, json_columns


def copy_rows(cursor: Any, model: Any, rows: list[dict[str, Any]], *, with_id: bool = True) -> None:
    from psycopg.types.json import Jsonb

    if not rows:
        return
    columns, defaults, json_columns = _columns(model)
    if not with_id:
        columns = [c for c in columns if c != model._meta.pk.column]
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy:
        for row in rows:
            values = []
            for c in columns:
                value = row[c] if c in row else defaults[c]
                values.append(Jsonb(value) if c in json_columns and value is not None else value)
            copy.write_row(values)


def _figure_dict(figure: Any) -> dict[str, Any]:
    """``Figure.as_dict()`` without dataclasses.asdict's deep copy (a third of a chunk's time)."""
    return {
        "kind": figure.kind,
        "value": figure.value,
        "text": figure.text,
        "unit": figure.unit,
        "high": figure.high,
        "qualifier": figure.qualifier,
    }


def derive_claims(rows: Rows) -> list[dict[str, Any]]:
    """Figures, normal form, fingerprint and priority of each claim; returns the match-index rows."""
    from claims import embeddings, matching, priority, similarity
    from claims.extraction import figures as figure_parser

    unresolved: dict[int, int] = {}
    for link in rows.links:
        if not link["resolved"]:
            for key in ("from_claim_id", "to_claim_id"):
                unresolved[link[key]] = unresolved.get(link[key], 0) + 1
    index_rows: list[dict[str, Any]] = []
    rng = np.random.default_rng(rows.claims[0]["id"] if rows.claims else 0)
    vectors = rng.standard_normal((len(rows.claims), embeddings.DIMENSION)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for row, vector in zip(rows.claims, vectors, strict=True):
        text = row["text"]
        found = [_figure_dict(f) for f in figure_parser.parse_figures(text)]
        row.update(
            figures=found, normalized_text=matching.normalize(text), fingerprint=matching.fingerprint(text)
        )
        # The fields compute_priority reads; a model instance per row would double the time of a chunk.
        model = SimpleNamespace(
            score=row["score"],
            outlet_count=row.get("outlet_count", 0),
            appearance_count=row.get("appearance_count", 0),
            last_seen=row.get("last_seen"),
            verdict=row.get("verdict", ""),
            verdict_at=row.get("verdict_at"),
            repeated_at=row.get("repeated_at"),
            source_changed_at=None,
        )
        row["priority"], row["priority_parts"] = priority.compute_priority(
            model,  # type: ignore[arg-type]
            conflicts=unresolved.get(row["id"], 0),
        )
        headline = row.get("review_headline", "")
        terms = list(
            similarity.document_terms(text, headline) if headline else similarity.document_terms(text)
        )
        keys = sorted(similarity.figure_keys("", found))  # the figures just parsed, not parsed again
        periods = sorted(matching.sentence_periods(text, row.get("first_seen")))
        index_rows.append(
            {
                "claim_id": row["id"],
                "terms": terms,
                "figures": [list(k) for k in keys],
                "periods": [list(p) for p in periods],
                "vector": embeddings.to_bytes(vector),
                "model": embeddings.MODEL_NAME,
                "updated_at": row.get("created_at"),
            }
        )
    return index_rows


def write_chunk(rows: Rows, index_rows: list[dict[str, Any]], postings: list[tuple[int, int]]) -> None:
    """COPY one chunk into every table, parents first; call inside a transaction."""
    from django.db import connection

    from claims.models import (
        Appearance,
        Article,
        ArticleRevision,
        Claim,
        ClaimEvent,
        ClaimIndex,
        ClaimLink,
        ClaimTerm,
        Evidence,
        Verdict,
    )

    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        copy_rows(raw, Article, rows.articles)
        copy_rows(raw, ArticleRevision, rows.revisions)
        copy_rows(raw, Claim, rows.claims)
        copy_rows(raw, Appearance, rows.appearances)
        copy_rows(raw, Verdict, rows.verdicts)
        copy_rows(raw, Evidence, rows.evidence)
        copy_rows(raw, ClaimLink, rows.links)
        copy_rows(raw, ClaimEvent, rows.events)
        copy_rows(raw, ClaimIndex, index_rows)
        with raw.copy(f"COPY {ClaimTerm._meta.db_table} (term, claim_id) FROM STDIN") as copy:
            for posting in postings:
                copy.write_row(posting)
