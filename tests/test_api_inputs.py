"""Hostile request shapes get a clear 4xx: JSON nested without end, an Authorization header of blanks."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from claims.api.parsers import MAX_DEPTH, nesting_depth


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_json_nested_deeper_than_any_request_needs_is_400_before_it_is_parsed(
    cms_client: APIClient, depth: int
) -> None:
    body = "[" * depth + "]" * depth

    response = cms_client.post("/api/v1/articles/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"
    assert f"deeper than {MAX_DEPTH}" in response.json()["detail"]


def test_json_within_the_limit_is_read_as_usual(cms_client: APIClient) -> None:
    response = cms_client.post("/api/v1/articles/", {"body": "Prices rose 3% in May."}, format="json")

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b'{"a": [1, {"b": 2}]}', 3),
        (b'{"body": "[[[[ {{{{ not structure"}', 1),
        (b'{"body": "a \\" quote then [[["}', 1),
        (b"[]", 1),
        (b'"just a string"', 0),
    ],
)
def test_nesting_depth_counts_structure_and_skips_strings(text: bytes, depth: int) -> None:
    assert nesting_depth(text) == depth


@pytest.mark.parametrize("header", ["\xa0", " ", "\t", "Bearer", "Bearer a b"])
def test_an_authorization_header_without_a_key_is_401_with_the_error_body(db: None, header: str) -> None:
    response = Client().get("/api/v1/claims/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert "Bearer <key>" in response.json()["detail"]
    assert response.json()["fields"] == {}
