"""Every error of every endpoint has one body, and the schema says so for every operation."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from django.contrib.auth.models import User
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from claims.api import schema_errors
from claims.models import Claim

BODY = schema_errors.ERROR_SCHEMA


def assert_error_body(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    jsonschema.validate(body, BODY)
    assert isinstance(body["fields"], dict)
    assert body["detail"]
    return body


@pytest.fixture(autouse=True)
def _own_cache(settings: Any) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(uuid.uuid4())}
    }


def test_a_bad_field_is_400_naming_the_field(cms_client: APIClient) -> None:
    body = assert_error_body(cms_client.post("/api/v1/articles/", {"bdy": "x"}, format="json"), 400)
    assert "bdy" in body["fields"]


def test_a_bad_query_parameter_is_400_naming_the_parameter(cms_client: APIClient) -> None:
    body = assert_error_body(cms_client.get("/api/v1/events/?limit=²"), 400)
    assert "limit" in body["fields"] or "limit" in body["detail"]


def test_no_key_is_401(db: None) -> None:
    assert_error_body(APIClient().get("/api/v1/claims/"), 401)


def test_a_missing_scope_is_403_naming_it(cms_client: APIClient) -> None:
    body = assert_error_body(cms_client.post("/api/v1/claims/next/"), 403)
    assert "claims:review" in body["detail"]


def test_an_unknown_claim_is_404_and_an_unknown_api_path_too(cms_client: APIClient) -> None:
    assert_error_body(cms_client.get("/api/v1/claims/999999/"), 404)
    assert_error_body(cms_client.get("/api/v1/no-such-thing/"), 404)


def test_a_method_the_path_does_not_offer_is_405(cms_client: APIClient) -> None:
    assert_error_body(cms_client.put("/api/v1/claims/", {}, format="json"), 405)


def test_a_stale_version_is_409(
    client_for: Callable[[User], APIClient], editor: User, make_claim: Callable[..., Claim]
) -> None:
    claim = make_claim()
    stale = {"version": claim.version + 5, "reason": "not a claim"}
    response = client_for(editor).post(f"/api/v1/claims/{claim.pk}/dismiss/", stale, format="json")
    assert_error_body(response, 409)


def test_a_body_over_the_limit_is_413(cms_client: APIClient, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = cms_client.post("/api/v1/articles/", {"body": "x" * 5000}, format="json")
    assert_error_body(response, 413)


def test_a_body_that_is_not_json_is_415(cms_client: APIClient) -> None:
    response = cms_client.post("/api/v1/articles/", "body=x", content_type="text/plain")
    assert_error_body(response, 415)


def test_too_many_requests_is_429_with_retry_after(cms_client: APIClient, settings: Any) -> None:
    settings.API_THROTTLE_RATE = "1/min"
    cms_client.get("/api/v1/claims/")
    response = cms_client.get("/api/v1/claims/")
    assert_error_body(response, 429)
    assert int(response["Retry-After"]) > 0


def test_a_failure_on_the_server_is_500_in_the_same_body(
    api_key: str, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from claims.api import views

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(views.ClaimListView, "get_queryset", broken)
    settings.DEBUG = False
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {api_key}")
    body = assert_error_body(client.get("/api/v1/claims/"), 500)
    assert "database" not in body["detail"]


def test_a_reviewer_approving_with_no_body_is_refused_by_role_before_the_body_is_read(
    client_for: Callable[[User], APIClient], reviewer: User, make_claim: Callable[..., Claim]
) -> None:
    claim = make_claim()
    body = assert_error_body(client_for(reviewer).post(f"/api/v1/claims/{claim.pk}/approve/"), 403)
    assert "version" not in body["fields"]


def test_approving_an_unknown_claim_with_no_body_is_404_not_400(
    client_for: Callable[[User], APIClient], editor: User
) -> None:
    assert_error_body(client_for(editor).post("/api/v1/claims/999999/approve/"), 404)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_every_operation_documents_its_errors_with_the_one_body(schema: dict[str, Any]) -> None:
    found = operations(schema)
    assert len(found) > 30
    for path, method, operation in found:
        responses = operation["responses"]
        expected = {"401", "403", "429", "500", "503"}
        if "{" in path:
            expected |= {"400", "404"}
        if "requestBody" in operation:
            expected |= {"400", "409", "413", "415"}
        missing = expected - set(responses)
        assert not missing, f"{method.upper()} {path} does not document {sorted(missing)}"
    assert schema["components"]["schemas"]["Error"]["required"] == ["error", "detail", "fields"]
    for code in ("429", "503"):
        assert "Retry-After" in schema["components"]["responses"][f"Error{code}"]["headers"]
