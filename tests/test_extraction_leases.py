"""A queued extraction holds a lease in the broker's Redis: the sweeper leaves an article whose
message waits in the queue alone however long it waits, and sends it again, once, when the
message is lost (Redis flushed, the enqueue failed, the queue emptied). Real Redis, no worker:
the messages stay in the queue, where they are counted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from claims import background, ingest, sweeper
from claims.models import Article
from factcheck.celery import app

from .fault_services import TcpProxy

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

BODY = "Exports rose 4% in May, the statistics office said on Tuesday."


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    """The configured broker, its database emptied, tasks queued instead of run in-process."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    app.conf.task_always_eager = False
    yield client
    client.flushdb()


@pytest.fixture
def short_leases() -> Iterator[None]:
    """Leases of 2 s (and a visibility timeout of 1 s), so a test can outwait one."""
    saved = app.conf.broker_transport_options
    app.conf.broker_transport_options = {**saved, "visibility_timeout": 1}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "EXTRACTION_LEASE_SECONDS", 2)
        yield
    app.conf.broker_transport_options = saved


def queued(client: redis.Redis) -> int:
    """Messages in the extraction queue's Redis list."""
    return int(client.llen(settings.CELERY_TASK_ROUTES[background.EXTRACT_ARTICLE]["queue"]))


def post(django_capture_on_commit_callbacks: Any) -> Article:
    with django_capture_on_commit_callbacks(execute=True):
        return ingest.do_ingest_article(data=ingest.ArticleInput(body=BODY)).article


def waited_long(article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(extraction_since=timezone.now() - timedelta(days=1))


def lease_of(client: redis.Redis, article: Article) -> bool:
    return bool(client.exists(background.LEASE_KEY.format(article_id=article.pk, revision=article.revision)))


def test_an_article_waiting_in_the_queue_is_never_sent_twice_however_long_it_waits(
    broker: redis.Redis, short_leases: None, django_capture_on_commit_callbacks: Any
) -> None:
    article = post(django_capture_on_commit_callbacks)
    waited_long(article)
    assert (queued(broker), lease_of(broker, article)) == (1, True)

    started = time.monotonic()
    while time.monotonic() < started + 6:  # three times the lease: the sweeps keep renewing it
        result = sweeper.do_sweep_stale_articles()
        assert (result.requeued, result.waiting) == (0, 1)
        time.sleep(0.5)

    assert queued(broker) == 1
    assert Article.objects.get(pk=article.pk).extraction_status == "pending"


def test_after_redis_lost_its_data_the_sweeper_sends_the_article_again_exactly_once(
    broker: redis.Redis, django_capture_on_commit_callbacks: Any
) -> None:
    article = post(django_capture_on_commit_callbacks)
    broker.flushdb()  # a restart without persistence: the message and its lease are gone
    waited_long(article)

    assert sweeper.do_sweep_stale_articles().requeued == 1
    assert (queued(broker), lease_of(broker, article)) == (1, True)

    waited_long(article)
    second = sweeper.do_sweep_stale_articles()
    assert (second.requeued, second.waiting) == (0, 1)
    assert queued(broker) == 1


@pytest.fixture
def proxied(broker: redis.Redis) -> Iterator[TcpProxy]:
    """This process's broker reached through a proxy, stopped (the broker down) until started."""
    kwargs = broker.connection_pool.connection_kwargs
    proxy = TcpProxy(int(kwargs.get("port", 6379)))
    saved = app.conf.broker_url

    def point_at(url: str) -> None:
        app.conf["broker_url"] = url
        app._pool = None  # type: ignore[attr-defined]  # the app caches its pools; rebuilt from broker_url
        app.amqp._producer_pool = None  # type: ignore[attr-defined]

    app.conf["broker_connection_timeout"] = 1
    point_at(f"redis://127.0.0.1:{proxy.port}/{int(kwargs.get('db', 0))}")
    yield proxy
    point_at(saved)
    proxy.close()


def test_an_enqueue_that_failed_leaves_no_lease_and_the_next_sweep_sends_the_article(
    broker: redis.Redis, proxied: TcpProxy, django_capture_on_commit_callbacks: Any
) -> None:
    article = post(django_capture_on_commit_callbacks)  # the broker is down: stored, pending
    assert Article.objects.get(pk=article.pk).extraction_status == "pending"
    proxied.start()  # back, with everything it held
    assert (queued(broker), lease_of(broker, article)) == (0, False)

    waited_long(article)
    assert sweeper.do_sweep_stale_articles().requeued == 1
    assert (queued(broker), lease_of(broker, article)) == (1, True)


def test_with_the_leases_out_of_reach_the_sweeper_sends_nothing_and_tries_next_time(
    broker: redis.Redis, proxied: TcpProxy, django_capture_on_commit_callbacks: Any
) -> None:
    proxied.start()
    article = post(django_capture_on_commit_callbacks)
    waited_long(article)
    since = Article.objects.get(pk=article.pk).extraction_since
    proxied.stop()

    result = sweeper.do_sweep_stale_articles()

    assert (result.requeued, result.not_sent) == (0, 1)
    assert Article.objects.get(pk=article.pk).extraction_since == since
    proxied.start()
    assert sweeper.do_sweep_stale_articles().waiting == 1
    assert queued(broker) == 1


def test_a_message_emptied_out_of_the_queue_frees_its_article_when_the_lease_runs_out(
    broker: redis.Redis, short_leases: None, django_capture_on_commit_callbacks: Any
) -> None:
    article = post(django_capture_on_commit_callbacks)
    app.control.purge()  # the message is gone; its lease is not renewed with the queue empty
    waited_long(article)
    assert sweeper.do_sweep_stale_articles().waiting == 1

    time.sleep(2.5)
    assert sweeper.do_sweep_stale_articles().requeued == 1
    assert queued(broker) == 1


def test_a_running_article_that_went_stale_is_sent_again_whatever_its_lease_says(
    broker: redis.Redis, django_capture_on_commit_callbacks: Any
) -> None:
    article = post(django_capture_on_commit_callbacks)
    Article.objects.filter(pk=article.pk).update(
        extraction_status="running", extraction_attempts=1
    )  # its worker died mid-extraction; the lease is still alive
    waited_long(article)

    assert sweeper.do_sweep_stale_articles().requeued == 1
    assert queued(broker) == 2
    Article.objects.filter(pk=article.pk).update(extraction_attempts=settings.EXTRACTION_MAX_ATTEMPTS)
    waited_long(article)
    assert sweeper.do_sweep_stale_articles().failed == 1
    assert Article.objects.get(pk=article.pk).extraction_error.startswith("Gave up after")
