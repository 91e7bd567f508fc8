"""Sentence embeddings are run in batches, and a text's vector never depends on its batch."""

from __future__ import annotations

import numpy as np

from claims import embeddings

# Lengths from a few word pieces to past the model's 128-token cut, so batches need padding.
TEXTS = [
    "Unemployment fell.",
    "Unemployment fell to 3.5% in March, the lowest rate since 1969, the Labor Department said.",
    "The cat sat on the mat.",
    "Bilateral trade hit a record $245 billion in 2024, up 68% from 2021, according to customs data.",
    "Prices rose.",
    " ".join(["The ministry said exports of wheat, maize and soybeans grew by 12% last year."] * 12),
    "The city built 1,200 affordable homes in 2023, twice as many as in 2022.",
    "Crime is down.",
    "Turnout was 61% in the first round and 58% in the second, the electoral commission said.",
    "The new bridge cost €1.2 billion, a third more than budgeted.",
]


def _alone(text: str) -> np.ndarray:
    return embeddings.embed([text])[0]


def test_a_text_embedded_with_others_gets_the_vector_it_gets_alone() -> None:
    assert embeddings.available(), embeddings.load_error()
    together = embeddings.embed(TEXTS)
    for text, vector in zip(TEXTS, together, strict=True):
        assert np.abs(vector - _alone(text)).max() < 1e-6, text
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-6)


def test_the_order_of_the_texts_does_not_change_their_vectors() -> None:
    forward = embeddings.embed(TEXTS)
    backward = embeddings.embed(TEXTS[::-1])[::-1]
    assert np.abs(forward - backward).max() < 1e-6


def test_texts_of_similar_length_share_a_model_run_within_its_bounds() -> None:
    lengths = [3, 40, 5, 41, 4, 128, 39, 6, 3, 42, 120, 7]
    batches = embeddings.length_batches(lengths)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    assert len(batches) < len(lengths)
    for batch in batches:
        assert len(batch) <= embeddings.BATCH_TEXTS
        assert len(batch) == 1 or max(lengths[i] for i in batch) * len(batch) <= embeddings.BATCH_TOKENS
    # The short texts run together, never padded to the length of the long ones.
    assert [lengths[i] for i in batches[0]] == [3, 3, 4, 5, 6]
    assert [lengths[i] for i in batches[1]] == [7]
    assert [lengths[i] for i in batches[2]] == [39, 40, 41, 42]


def test_no_texts_give_no_vectors() -> None:
    assert embeddings.embed([]).shape == (0, embeddings.DIMENSION)
