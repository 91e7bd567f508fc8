"""Query parameters are read by serializers: what the schema says is what a view accepts.

A control character in any parameter, known to the view or not, is a 400 that
names the parameter; integers are ASCII digits; an empty value is the same as
a missing one.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

ENDPOINTS = {
    "/api/v1/events/": {"after": "0", "type": "taken", "limit": "5"},
    "/api/v1/claims/similar/": {"text": "Unemployment fell to 3.5% in March.", "limit": "3"},
    "/api/v1/claimreview/": {"since": "2026-01-31"},
    "/api/v1/articles/": {"external_id": "cms-1"},
}
CONTROL = ["\x00", "\x07", "\x1b", "\x7f"]


def _cases() -> list[tuple[str, str]]:
    return [(path, name) for path, params in ENDPOINTS.items() for name in (*params, "unknown")]


@pytest.mark.parametrize("char", CONTROL)
@pytest.mark.parametrize(("path", "name"), _cases())
def test_a_control_character_in_any_parameter_is_a_400_naming_it(
    path: str, name: str, char: str, editor: User, client_for: Any
) -> None:
    good = dict(ENDPOINTS[path])
    response = client_for(editor).get(path, {**good, name: f"{good.get(name, 'x')}{char}"})

    assert response.status_code == 400
    assert response.json()["fields"] == {name: [response.json()["fields"][name][0]]}
    assert "Control characters" in response.json()["detail"]


@pytest.mark.parametrize(("path", "params"), ENDPOINTS.items())
def test_the_same_parameters_without_the_control_character_are_answered(
    path: str, params: dict[str, str], editor: User, client_for: Any
) -> None:
    assert client_for(editor).get(path, params).status_code == 200


@pytest.mark.parametrize("value", ["²", "٣", "1.0", "-1", "0x10", "1e3", "9" * 40])
@pytest.mark.parametrize(
    ("path", "name"), [("/api/v1/events/", "after"), ("/api/v1/claims/similar/", "limit")]
)
def test_integers_are_ascii_digits_in_range(
    path: str, name: str, value: str, editor: User, client_for: Any
) -> None:
    response = client_for(editor).get(path, {**ENDPOINTS[path], name: value})

    assert response.status_code == 400
    assert name in response.json()["fields"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/events/", {"after": "", "limit": ""}),
        ("/api/v1/claimreview/", {"since": ""}),
        ("/api/v1/articles/", {"external_id": ""}),
        ("/api/v1/claims/similar/", {"text": "Inflation rose to 4%.", "limit": ""}),
    ],
)
def test_an_empty_value_is_the_same_as_a_missing_one(
    path: str, params: dict[str, str], editor: User, client_for: Any
) -> None:
    assert client_for(editor).get(path, params).status_code == 200


@pytest.mark.parametrize("value", ["", ",", "taken,", " "])
def test_an_empty_event_type_is_refused(value: str, editor: User, client_for: Any) -> None:
    response = client_for(editor).get("/api/v1/events/", {"type": value})

    assert response.status_code == 400
    assert "type" in response.json()["fields"]
