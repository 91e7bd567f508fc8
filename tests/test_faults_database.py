"""PostgreSQL going away under the running product: gunicorn answers 503 with Retry-After and the
error body while it is gone and succeeds again once it is back; a persistent connection the server
dropped is replaced before it fails a request; a real worker that met the outage extracts its
article after it. The product reaches the database through a proxy that the test stops and starts
(tests/fault_services.py), so the shared server is never restarted; the test itself connects directly."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from claims import ingest
from claims.models import Article
from factcheck.celery import app
from integrations.services import create_integration

from .fault_services import Gunicorn, TcpProxy, start_celery
from .test_worker_faults import ARTICLE, status_of, stop, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

UNAVAILABLE = {
    "error": "unavailable",
    "detail": "The service is briefly unavailable (database or cache); try again shortly.",
    "fields": {},
}


def direct() -> dict[str, str]:
    db = connection.settings_dict
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": str(db["PORT"] or 5432),
        "user": db["USER"] or "postgres",
    }


@pytest.fixture
def database() -> Iterator[TcpProxy]:
    proxy = TcpProxy(int(direct()["port"])).start()
    yield proxy
    proxy.close()


@pytest.fixture
def product_env(database: TcpProxy) -> dict[str, str]:
    """The environment of the product's processes: the test database, reached through the proxy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    url = f"postgres://{direct()['user']}@127.0.0.1:{database.port}/{connection.settings_dict['NAME']}"
    env.update(
        DATABASE_URL=url, REDIS_URL=settings.REDIS_URL, DJANGO_SETTINGS_MODULE="factcheck.test_settings"
    )
    return env


@pytest.fixture
def web(product_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Gunicorn]]:
    started: list[Gunicorn] = []

    def start(**env: str) -> Gunicorn:
        started.append(Gunicorn({**product_env, **env}, tmp_path))
        return started[-1]

    yield start
    for server in started:
        server.stop()
    app.control.purge()  # the extraction tasks gunicorn queued for a worker that is not there


@pytest.fixture
def key() -> str:
    return create_integration(name="cms-db-faults")[1]


@pytest.fixture
def session_cookie(editor: User) -> dict[str, str]:
    client = Client()
    client.force_login(editor)
    return {"sessionid": client.cookies["sessionid"].value}


def post_article(server: Gunicorn, key: str, external_id: str) -> httpx.Response:
    return httpx.post(
        server.url("/api/v1/articles/"),
        json={"external_id": external_id, "body": ARTICLE},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text[:500]
    assert int(response.headers["Retry-After"]) > 0


def test_while_the_database_is_gone_the_api_and_the_dashboard_answer_503_then_work_again(
    web: Callable[..., Gunicorn], database: TcpProxy, key: str, session_cookie: dict[str, str]
) -> None:
    server = web()
    claims = httpx.Client(base_url=server.url(""), headers={"Authorization": f"Bearer {key}"}, timeout=30)
    desk = httpx.Client(base_url=server.url(""), cookies=session_cookie, timeout=30)
    assert post_article(server, key, "before").status_code == 201
    assert desk.get("/").status_code == 200

    database.stop()
    posted = post_article(server, key, "during")
    assert_unavailable(posted)
    assert posted.json() == UNAVAILABLE
    listed = claims.get("/api/v1/claims/")
    assert_unavailable(listed)
    assert listed.json() == UNAVAILABLE
    page = desk.get("/")  # the session's user is loaded in a middleware, before any view runs
    assert_unavailable(page)
    assert "Back in a moment" in page.text
    health = claims.get("/healthz")
    assert health.status_code == 503 and health.json()["database"].startswith("error")

    database.start()
    assert post_article(server, key, "during").status_code == 201  # the client's retry
    assert claims.get("/api/v1/claims/").status_code == 200
    assert desk.get("/").status_code == 200
    assert sorted(Article.objects.values_list("external_id", flat=True)) == ["before", "during"]


def test_a_persistent_connection_the_server_dropped_is_replaced_before_the_next_request(
    web: Callable[..., Gunicorn], database: TcpProxy, key: str
) -> None:
    server = web(CONN_MAX_AGE="600")
    claims = httpx.Client(base_url=server.url(""), headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert claims.get("/api/v1/claims/").status_code == 200
    opened = database.connections

    # What a PostgreSQL restart does to every session, here on the test database only (and not
    # to this test's own session): the web worker's idle persistent connection is terminated.
    db = direct()
    address = f"host={db['host']} port={db['port']} user={db['user']}"
    with psycopg.connect(f"{address} dbname={connection.settings_dict['NAME']}") as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
            [connection.connection.info.backend_pid],
        ).fetchone()
    assert killed is not None and killed[0] >= 1

    assert claims.get("/api/v1/claims/").status_code == 200
    assert database.connections == opened + 1  # one new connection, made before the request failed


def test_a_worker_that_meets_the_outage_retries_and_extracts_the_article_once_the_database_is_back(
    database: TcpProxy, product_env: dict[str, str], tmp_path: Path
) -> None:
    app.conf.task_always_eager = False
    app.control.purge()
    stored = ingest.do_ingest_article(data=ingest.ArticleInput(body=ARTICLE, external_id="queued"))
    article_id = stored.article.pk  # committed; its extraction task waits in Redis

    database.stop()
    log = tmp_path / "worker.log"
    worker = start_celery(product_env, log, "worker", "--pool=solo")
    try:
        # The first delivery failed to connect and the task was retried: it is received again.
        wait_for(lambda: log.read_text(errors="replace").count("extract_article[") >= 2, seconds=60, log=log)
        database.start()
        wait_for(lambda: status_of(article_id) == "done", seconds=60, log=log)
    finally:
        database.start()
        stop(worker)
    article = Article.objects.get(pk=article_id)
    assert (article.extraction_attempts, article.extraction_error) == (1, "")
