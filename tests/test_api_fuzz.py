"""Fuzzing the API from its own schema: no input gets a 5xx, and every answer is what the schema says.

Schemathesis reads /api/schema/ and, for every operation, sends requests built
from the schema (valid ones and deliberately broken ones) with a key that holds
every scope, then checks each answer: no server error, a documented status
code, a documented content type and headers, a body that matches the
documented schema, and a 4xx for every request the schema forbids. One check
is left out: that every request the schema allows is accepted. Some rules
cannot be written in OpenAPI (a dismissal needs a reason; a host name label
is at most 63 characters; a webhook URL must not resolve to a private
address), so a 400 for such a request is the right answer.

The number of examples per operation is bounded (FUZZ_EXAMPLES, 12 by
default) and the examples are derandomised, so a run is repeatable and takes
about a minute; set FUZZ_EXAMPLES higher for a deeper search.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import Group, User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from claims import roles
from integrations import scopes
from integrations.services import create_integration

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))


@pytest.fixture
def _keep_the_test_connection() -> Iterator[None]:
    """Requests go through the WSGI handler, which closes the database connection after each one;
    inside a test's transaction it must stay open (Django's own test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_key(
    db: None, _keep_the_test_connection: None, settings: Any, ingest: Any, seed_texts: dict[str, str]
) -> str:
    """A personal key of an admin holding every scope, and a few real articles and claims to find."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(uuid.uuid4())}
    }
    settings.API_THROTTLE_RATE = "100000/min"
    admin = User.objects.create_user("fuzzer", password="x", email="fuzzer@example.org")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    admin.groups.add(Group.objects.get_or_create(name=roles.ADMIN)[0])
    for name, text in list(seed_texts.items())[:2]:
        ingest(text, external_id=name, outlet="Fuzz Gazette", url=f"https://news.example.org/{name}")
    _, key = create_integration(name="fuzzer", username="fuzzer", scopes=scopes.SCOPES)
    return key


def load_schema() -> Any:
    """The schema /api/schema/ serves, bound to the application so requests go through WSGI."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from factcheck.wsgi import application

    document = json.loads(
        OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    )
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = application
    return loaded


schema = load_schema()


@pytest.mark.postgres
@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_input_breaks_the_api_or_its_schema(case: Any, fuzz_key: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzz_key}"}, excluded_checks=[positive_data_acceptance]
    )
