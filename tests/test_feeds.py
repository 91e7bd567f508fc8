"""Feeds polled into articles: each entry once, conditional GET, and every failure recorded, never raised.

Feeds and pages are served by a real HTTP server on 127.0.0.1 (see
tests/test_outbound.py), so ALLOW_PRIVATE_URLS is on unless a test is about the guard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from claims.models import Article, Outlet
from factcheck import outbound
from feeds import polling, services, tasks
from feeds.models import Feed, FeedEntry
from tests.test_outbound import LocalServer, article_page, serving

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    with serving() as server:
        yield server


@pytest.fixture(autouse=True)
def _allow_private(settings: Any) -> None:
    settings.ALLOW_PRIVATE_URLS = True


STORY = (
    "Unemployment fell to 4.1% in March, the statistics office said on Tuesday.",
    "The finance minister said exports rose by 12% last year, the largest increase in a decade.",
    "Economists had expected the jobless rate to stay at 4.3% for the rest of the spring.",
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(200)
SCRIPT_ONLY = b"<html><body><div id=app></div><script>start()</script></body></html>"


RSS_TAGS = {
    "title": "<title>{}</title>",
    "link": "<link>{}</link>",
    "date": "<pubDate>{}</pubDate>",
    "guid": '<guid isPermaLink="false">{}</guid>',
    "summary": "<description>{}</description>",
    "content": "<content:encoded><![CDATA[{}]]></content:encoded>",
}


def rss(*items: dict[str, str], title: str = "Daily Planet: Economy") -> str:
    body = "".join(
        "<item>" + "".join(RSS_TAGS[k].format(v) for k, v in item.items()) + "</item>" for item in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{title}</title><link>https://planet.example/</link><description>News</description>"
        f"{body}</channel></rss>"
    )


def atom(*entries: dict[str, str]) -> str:
    body = "".join(
        f'<entry><id>{e["id"]}</id><title>{e["title"]}</title><link href="{e["link"]}"/>'
        f"<updated>{e['updated']}</updated><published>{e['updated']}</published></entry>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Wire: Business</title><id>urn:wire:business</id><updated>2026-03-03T10:00:00Z</updated>"
        f"{body}</feed>"
    )


@pytest.fixture
def story_pages(local_server: LocalServer) -> Callable[[int], list[str]]:
    """Serve n article pages; their links."""

    def make(n: int) -> list[str]:
        return [
            local_server.add(f"/story/{i}", article_page(f"Story {i}", f"Story {i}.", *STORY))
            for i in range(n)
        ]

    return make


def follow(url: str, outlet: str = "Daily Planet") -> Feed:
    return services.do_add_feed(url=url, outlet=outlet)


def poll(feed: Feed, **options: Any) -> polling.PollResult:
    options.setdefault("force", True)
    return polling.do_poll_feed(feed_id=feed.pk, **options)


def entry_of(feed: Feed, guid: str) -> FeedEntry:
    return FeedEntry.objects.get(feed=feed, guid=guid)


# --- Entries in, each once


def test_an_rss_feed_becomes_articles_each_entry_once_across_polls(
    local_server: LocalServer, story_pages: Callable[[int], list[str]]
) -> None:
    links = story_pages(3)
    dates = [f"Tue, 03 Mar 2026 0{i}:00:00 GMT" for i in range(3)]
    items = [
        {"title": f"Story {i}", "link": links[i], "guid": f"planet-{i}", "date": dates[i]} for i in range(3)
    ]
    local_server.add("/rss.xml", rss(*items[:2]), content_type="application/rss+xml")
    feed = follow(local_server.url("/rss.xml"))

    first = poll(feed)
    second = poll(feed)

    assert (first.outcome, dict(first.new)) == ("polled", {"ingested": 2})
    assert (second.outcome, dict(second.new)) == ("polled", {})
    articles = Article.objects.order_by("external_id")
    assert [a.external_id for a in articles] == [f"feed:{feed.pk}:planet-0", f"feed:{feed.pk}:planet-1"]
    article = articles[0]
    assert (article.title, article.url, article.format) == ("Story 0", links[0], "text")
    assert article.outlet is not None and article.outlet.name == "Daily Planet"
    assert article.published_at == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    assert "Unemployment fell to 4.1% in March" in article.body
    assert "All rights reserved" not in article.body and "Sport" not in article.body
    assert local_server.paths().count("/story/0") == 1
    assert entry_of(feed, "planet-0").article == article

    local_server.add("/rss.xml", rss(*items), content_type="application/rss+xml")
    third = poll(feed)

    assert dict(third.new) == {"ingested": 1}
    assert Article.objects.count() == FeedEntry.objects.count() == 3
    feed.refresh_from_db()
    assert (feed.title, feed.last_error) == ("Daily Planet: Economy", "")
    assert feed.last_polled_at is not None


def test_an_atom_feed_becomes_articles_each_entry_once(
    local_server: LocalServer, story_pages: Callable[[int], list[str]]
) -> None:
    links = story_pages(2)
    entries = [
        {"id": f"urn:uuid:00000000-0000-0000-0000-00000000000{i}", "title": f"Wire {i}", "link": links[i]}
        | {"updated": f"2026-03-0{i + 1}T08:30:00Z"}
        for i in range(2)
    ]
    local_server.add("/atom.xml", atom(*entries), content_type="application/atom+xml")
    feed = follow(local_server.url("/atom.xml"), outlet="Wire")

    assert dict(poll(feed).new) == {"ingested": 2}
    assert dict(poll(feed).new) == {}

    article = Article.objects.get(external_id=f"feed:{feed.pk}:urn:uuid:00000000-0000-0000-0000-000000000001")
    assert (article.title, article.published_at) == ("Wire 1", datetime(2026, 3, 2, 8, 30, tzinfo=UTC))
    assert Outlet.objects.filter(name="Wire").count() == 1
    assert Article.objects.count() == 2


def test_ingested_articles_are_extracted(
    local_server: LocalServer,
    story_pages: Callable[[int], list[str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    links = story_pages(1)
    local_server.add("/rss.xml", rss({"title": "Story 0", "link": links[0], "guid": "g0"}))
    feed = follow(local_server.url("/rss.xml"))

    with django_capture_on_commit_callbacks(execute=True):
        poll(feed)

    article = Article.objects.get()
    assert article.extraction_status == Article.Extraction.DONE
    assert article.appearances.exists()


def test_an_entry_without_a_guid_is_known_by_its_link(
    local_server: LocalServer, story_pages: Callable[[int], list[str]]
) -> None:
    links = story_pages(1)
    local_server.add("/rss.xml", rss({"title": "Story 0", "link": links[0]}))
    feed = follow(local_server.url("/rss.xml"))

    poll(feed)
    poll(feed)

    assert FeedEntry.objects.get().guid == links[0]
    assert Article.objects.count() == 1


def test_an_unchanged_feed_is_answered_not_modified(
    local_server: LocalServer, story_pages: Callable[[int], list[str]]
) -> None:
    links = story_pages(1)
    local_server.add("/rss.xml", rss({"title": "S", "link": links[0], "guid": "g"}), etag='"rev-1"')
    feed = follow(local_server.url("/rss.xml"))

    poll(feed)
    again = poll(feed)

    assert again.outcome == "not_modified"
    assert again.summary() == "not modified"
    assert local_server.requests[-1].headers["if-none-match"] == '"rev-1"'
    assert Feed.objects.get(pk=feed.pk).etag == '"rev-1"'
    assert FeedEntry.objects.count() == 1


def test_a_poll_that_leaves_entries_for_later_keeps_no_validators(
    local_server: LocalServer, story_pages: Callable[[int], list[str]], settings: Any
) -> None:
    """Otherwise the unchanged feed would answer 304 and the entries left over would never be taken."""
    settings.FEED_MAX_ENTRIES_PER_POLL = 2
    links = story_pages(3)
    items = [{"title": f"S{i}", "link": links[i], "guid": f"g{i}"} for i in range(3)]
    local_server.add("/rss.xml", rss(*items), etag='"rev-1"')
    feed = follow(local_server.url("/rss.xml"))

    first = poll(feed)
    assert (dict(first.new), first.left_for_next_poll) == ({"ingested": 2}, 1)
    assert Feed.objects.get(pk=feed.pk).etag == ""

    second = poll(feed)
    assert (second.outcome, dict(second.new)) == ("polled", {"ingested": 1})
    assert Feed.objects.get(pk=feed.pk).etag == '"rev-1"'
    assert poll(feed).outcome == "not_modified"


# --- What cannot become an article says why


def test_a_document_that_is_not_a_feed_is_recorded_on_the_feed(local_server: LocalServer) -> None:
    local_server.add("/news", article_page("Front page", "Welcome to our website."))
    feed = follow(local_server.url("/news"))

    result = poll(feed)

    feed.refresh_from_db()
    assert result.outcome == "failed"
    assert feed.last_error.startswith("not an RSS or Atom feed (text/html)")
    assert result.summary() == f"failed: {feed.last_error}"
    assert FeedEntry.objects.count() == 0


def test_a_feed_that_cannot_be_fetched_is_recorded_and_the_next_good_poll_clears_it(
    local_server: LocalServer,
) -> None:
    feed = follow(local_server.url("/gone.xml"))

    poll(feed)
    assert Feed.objects.get(pk=feed.pk).last_error == "HTTP 404 Not Found"

    local_server.add("/gone.xml", rss())
    poll(feed)
    assert Feed.objects.get(pk=feed.pk).last_error == ""


def test_an_entry_without_a_link_is_skipped_with_the_reason(local_server: LocalServer) -> None:
    local_server.add(
        "/rss.xml", rss({"title": "Editor's note", "guid": "note-1", "summary": "Closed Monday."})
    )
    feed = follow(local_server.url("/rss.xml"))

    result = poll(feed)
    poll(feed)

    entry = entry_of(feed, "note-1")
    assert (entry.state, entry.reason) == ("skipped", "the entry has no link to an article")
    assert dict(result.new) == {"skipped": 1}
    assert FeedEntry.objects.count() == 1 and Article.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (PNG, "image/png", "page: binary content (image/png), not an article"),
        (PDF, "application/pdf", "page: binary content (application/pdf)"),
        (b'{"story": "text"}', "application/json", "page: application/json is not a web page"),
        (b"", "text/html", "page: empty"),
        (SCRIPT_ONLY, "text/html", "page: no article text found"),
        (b"<p>" + b"x" * 300_000, "text/html", "page: response is larger than 200000 bytes"),
    ],
    ids=["png", "pdf", "json", "empty", "no-text", "too-big"],
)
def test_a_page_that_is_not_an_article_is_skipped_with_the_reason(
    local_server: LocalServer, settings: Any, body: bytes, content_type: str, reason: str
) -> None:
    settings.OUTBOUND_MAX_BYTES = 200_000
    link = local_server.add("/thing", body, content_type=content_type)
    local_server.add("/rss.xml", rss({"title": "Thing", "link": link, "guid": "t"}))
    feed = follow(local_server.url("/rss.xml"))

    poll(feed)

    entry = entry_of(feed, "t")
    assert entry.state == "skipped"
    assert entry.reason.startswith(reason)
    assert Article.objects.count() == 0


def test_a_page_that_times_out_is_tried_on_later_polls_and_then_given_up(
    local_server: LocalServer, settings: Any
) -> None:
    settings.OUTBOUND_READ_TIMEOUT = 0.2
    settings.FEED_ENTRY_MAX_ATTEMPTS = 3
    link = local_server.add("/slow", article_page("Slow", *STORY), delay=1.0)
    local_server.add("/rss.xml", rss({"title": "Slow", "link": link, "guid": "s"}))
    feed = follow(local_server.url("/rss.xml"))

    first = poll(feed)
    entry = entry_of(feed, "s")
    assert (entry.state, entry.attempts) == ("failed", 1)
    assert entry.reason == f"page: timed out reading from 127.0.0.1:{local_server.port}"
    assert dict(first.new) == {"failed": 1}

    second = poll(feed)
    assert dict(second.retried) == {"failed": 1}
    poll(feed)
    entry.refresh_from_db()
    assert (entry.state, entry.attempts) == ("failed", 3)
    assert entry.reason.endswith("(gave up after 3 attempts)")

    poll(feed)
    assert local_server.paths().count("/slow") == 3


def test_a_page_that_recovers_is_ingested_on_a_later_poll(local_server: LocalServer) -> None:
    link = local_server.add("/flaky", "down", status=503)
    local_server.add("/rss.xml", rss({"title": "Flaky", "link": link, "guid": "f"}))
    feed = follow(local_server.url("/rss.xml"))
    poll(feed)
    assert entry_of(feed, "f").reason == "page: HTTP 503 Service Unavailable"

    local_server.add("/flaky", article_page("Flaky", *STORY))
    result = poll(feed)

    entry = entry_of(feed, "f")
    assert (entry.state, entry.attempts, entry.reason) == ("ingested", 2, "")
    assert entry.article is not None and entry.article.external_id == f"feed:{feed.pk}:f"
    assert dict(result.retried) == {"ingested": 1}


def test_when_the_page_fails_the_text_the_feed_carries_is_ingested_and_said_so(
    local_server: LocalServer, settings: Any
) -> None:
    settings.OUTBOUND_READ_TIMEOUT = 0.2
    link = local_server.add("/slow", "late", delay=1.0)
    content = "".join(f"<p>{sentence}</p>" for sentence in STORY)
    local_server.add("/rss.xml", rss({"title": "Carried", "link": link, "guid": "c", "content": content}))
    feed = follow(local_server.url("/rss.xml"))

    poll(feed)

    entry = entry_of(feed, "c")
    assert entry.state == "ingested"
    timeout = f"page: timed out reading from 127.0.0.1:{local_server.port}"
    assert entry.reason == f"{timeout}; ingested the text the feed itself carries"
    assert entry.article is not None and "Unemployment fell to 4.1% in March" in entry.article.body


def test_with_private_urls_refused_a_feed_on_a_private_address_is_not_fetched(
    local_server: LocalServer, settings: Any
) -> None:
    local_server.add("/rss.xml", rss())
    feed = follow(local_server.url("/rss.xml"))
    settings.ALLOW_PRIVATE_URLS = False

    result = poll(feed)

    assert result.outcome == "failed"
    assert Feed.objects.get(pk=feed.pk).last_error == "refused to connect: 127.0.0.1 is a loopback address"
    assert local_server.requests == []


def test_an_entry_link_to_a_private_address_is_skipped(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """The feed's own host is let through by the test (it stands in for a public server); the link is not."""
    real = outbound.unfit_reason
    monkeypatch.setattr(outbound, "unfit_reason", lambda a: None if str(a) == "127.0.0.1" else real(a))
    local_server.add(
        "/rss.xml", rss({"title": "Meta", "link": "http://169.254.169.254/latest/", "guid": "m"})
    )
    feed = follow(local_server.url("/rss.xml"))
    settings.ALLOW_PRIVATE_URLS = False

    poll(feed)

    entry = entry_of(feed, "m")
    assert entry.state == "skipped"
    assert entry.reason == "page: refused to connect: 169.254.169.254 is a link-local address"


# --- Polling on time, never twice at once


def test_a_feed_that_is_not_due_is_not_polled(local_server: LocalServer) -> None:
    local_server.add("/rss.xml", rss())
    feed = follow(local_server.url("/rss.xml"))

    assert poll(feed, force=False).outcome == "polled"
    assert poll(feed, force=False).outcome == "not_due"
    assert local_server.paths() == ["/rss.xml"]
    feed.refresh_from_db()
    assert feed.next_poll_at is not None and feed.last_polled_at is not None
    assert (feed.next_poll_at - feed.last_polled_at).total_seconds() == pytest.approx(15 * 60, abs=5)


def test_beat_queues_one_poll_per_due_active_feed(local_server: LocalServer) -> None:
    local_server.add("/a.xml", rss())
    local_server.add("/b.xml", rss())
    due = follow(local_server.url("/a.xml"))
    paused = follow(local_server.url("/b.xml"))
    Feed.objects.filter(pk=paused.pk).update(active=False)

    assert tasks.poll_due_feeds.delay().get() == 1
    assert tasks.poll_due_feeds.delay().get() == 0
    assert local_server.paths() == ["/a.xml"]
    assert Feed.objects.get(pk=due.pk).last_polled_at is not None
    Feed.objects.filter(pk=due.pk).delete()
    assert tasks.poll_feed.delay(due.pk).get()["outcome"] == "not_found"  # queued, then deleted


# --- The API


@pytest.fixture
def feed_payload(local_server: LocalServer) -> dict[str, Any]:
    return {"url": local_server.url("/rss.xml"), "outlet": "Daily Planet", "every_minutes": 30}


def test_an_editor_or_an_api_key_adds_a_feed_and_everyone_signed_in_lists_them(
    editor: User, reviewer: User, client_for: Any, cms_client: APIClient, feed_payload: dict[str, Any]
) -> None:
    response = client_for(editor).post("/api/v1/feeds/", feed_payload, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["url"], body["outlet"], body["every_minutes"]) == (feed_payload["url"], "Daily Planet", 30)
    assert (body["active"], body["last_error"], body["last_polled_at"]) == (True, "", None)
    assert body["entries"] == {"ingested": 0, "failed": 0, "skipped": 0}
    by_key = cms_client.post(
        "/api/v1/feeds/", {**feed_payload, "url": feed_payload["url"] + "?2"}, format="json"
    )
    assert by_key.status_code == 201
    listed = client_for(reviewer).get("/api/v1/feeds/").json()
    assert [feed["id"] for feed in listed["results"]] == [body["id"], by_key.json()["id"]]


def test_a_reviewer_may_not_add_a_feed_and_is_told_so_before_the_body_is_read(
    reviewer: User, client_for: Any
) -> None:
    response = client_for(reviewer).post("/api/v1/feeds/", {}, format="json")

    assert (response.status_code, response.json()["error"]) == (403, "forbidden")
    assert APIClient().post("/api/v1/feeds/", {}, format="json").status_code == 401
    assert APIClient().get("/api/v1/feeds/").status_code == 401
    assert Feed.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "ftp://planet.example/rss.xml"}, "url"),
        ({"url": "planet.example/rss.xml"}, "url"),
        ({"url": ""}, "url"),
        ({"outlet": "  "}, "outlet"),
        ({"every_minutes": 0}, "every_minutes"),
        ({"every_minutes": 60 * 24 * 8}, "every_minutes"),
        ({"every_minutes": "often"}, "every_minutes"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_input_is_400_with_the_field_named(
    editor: User, client_for: Any, feed_payload: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    response = client_for(editor).post("/api/v1/feeds/", {**feed_payload, **change}, format="json")

    assert (response.status_code, response.json()["error"]) == (400, "invalid")
    assert field in response.json()["fields"]
    assert Feed.objects.count() == 0


def test_a_feed_on_a_literal_private_address_is_refused_at_once_when_private_urls_are(
    editor: User, client_for: Any, settings: Any
) -> None:
    settings.ALLOW_PRIVATE_URLS = False
    response = client_for(editor).post(
        "/api/v1/feeds/", {"url": "http://169.254.169.254/feed", "outlet": "Cloud"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "url: refused to connect: 169.254.169.254 is a link-local address"


def test_a_body_that_is_not_an_object_is_400(editor: User, client_for: Any) -> None:
    response = client_for(editor).post("/api/v1/feeds/", ["http://x.example/"], format="json")

    assert (response.status_code, response.json()["error"]) == (400, "invalid")


def test_the_same_feed_twice_is_409(editor: User, client_for: Any, feed_payload: dict[str, Any]) -> None:
    client = client_for(editor)
    first = client.post("/api/v1/feeds/", feed_payload, format="json").json()

    response = client.post("/api/v1/feeds/", feed_payload, format="json")

    assert response.status_code == 409
    detail = f"This feed is already followed (feed {first['id']})."
    assert response.json() == {"error": "conflict", "detail": detail, "fields": {}, "feed": first["id"]}


def test_the_feed_list_takes_a_fixed_number_of_queries(
    reviewer: User, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    outlet = Outlet.objects.create(name="Daily Planet")
    for n in range(20):
        feed = Feed.objects.create(url=f"https://planet.example/{n}.xml", outlet=outlet)
        FeedEntry.objects.create(feed=feed, guid="g", state="ingested")
    client = client_for(reviewer)

    with django_assert_max_num_queries(3):
        body = client.get("/api/v1/feeds/").json()

    assert body["count"] == 20
    assert body["results"][0]["entries"]["ingested"] == 1


# --- The commands


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_addfeed_follows_a_feed(local_server: LocalServer) -> None:
    out, _ = run("addfeed", local_server.url("/rss.xml"), "--outlet", "Daily Planet", "--every", "5")

    feed = Feed.objects.get()
    assert out.startswith(f"Feed {feed.pk}: {feed.url} for Daily Planet, polled every 5 minutes")
    assert (feed.outlet.name, feed.poll_interval_minutes) == ("Daily Planet", 5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://planet.example/rss.xml", "--outlet", "P"], "only http and https"),
        (["https://planet.example/rss.xml"], "--outlet"),
        (["https://planet.example/rss.xml", "--outlet", "P", "--every", "0"], "every_minutes"),
        (["https://planet.example/rss.xml", "--outlet", "P", "--every", "soon"], "invalid int"),
    ],
)
def test_addfeed_refuses_bad_input(db: None, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("addfeed", *args)
    assert Feed.objects.count() == 0


def test_poll_feeds_polls_the_due_feeds_and_prints_each(
    local_server: LocalServer, story_pages: Callable[[int], list[str]]
) -> None:
    links = story_pages(1)
    local_server.add("/rss.xml", rss({"title": "Story 0", "link": links[0], "guid": "g0"}))
    feed = follow(local_server.url("/rss.xml"))

    out, _ = run("poll_feeds")
    assert out == f"feed {feed.pk} {feed.url}: 1 new entry; 1 ingested\n"

    assert run("poll_feeds")[0] == "No feeds are due.\n"
    assert run("poll_feeds", "--all")[0] == f"feed {feed.pk} {feed.url}: 0 new entries\n"


def test_poll_feeds_fails_only_when_every_feed_fails(local_server: LocalServer) -> None:
    broken = follow(local_server.url("/missing.xml"))
    with pytest.raises(CommandError, match="Every feed polled failed"):
        run("poll_feeds", "--all")

    local_server.add("/rss.xml", rss())
    follow(local_server.url("/rss.xml"), outlet="Other")
    out, err = run("poll_feeds", "--all")

    assert f"feed {broken.pk} {broken.url}: failed: HTTP 404 Not Found" in out
    assert err == "1 of 2 feeds failed; see the reasons above.\n"


# --- Control characters and odd spellings


def test_entries_with_nul_characters_are_taken_and_the_rest_of_the_feed_too(
    local_server: LocalServer, story_pages: Callable[[int], list[str]]
) -> None:
    links = story_pages(3)
    local_server.add(
        "/rss.xml",
        rss(
            {"title": "Story 0", "link": links[0], "guid": "x&#0;y"},
            {"title": "t&#0;itle", "link": links[1], "guid": "g1"},
            {"title": "Story 2", "link": links[2] + "&#0;", "guid": "g2"},
            title="Daily&#0; Planet",
        ),
    )
    feed = follow(local_server.url("/rss.xml"))

    result = poll(feed)

    assert result.error == ""
    assert sorted(FeedEntry.objects.filter(feed=feed).values_list("guid", "state")) == [
        ("g1", "ingested"),
        ("g2", "ingested"),
        ("xy", "ingested"),
    ]
    assert entry_of(feed, "g1").title == "title"
    feed.refresh_from_db()
    assert (feed.title, feed.last_error) == ("Daily Planet", "")


@pytest.mark.parametrize("url", ["http://planet.example/c\u0001d.xml", "http://planet.example/c\u007fd.xml"])
def test_a_feed_url_with_a_control_character_is_400(
    editor: User, client_for: Any, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    response = client_for(editor).post("/api/v1/feeds/", {"url": url, "outlet": "X"}, format="json")

    assert (response.status_code, response.json()["error"]) == (400, "invalid")
    assert "control character" in response.json()["fields"]["url"][0]
    with pytest.raises(CommandError, match="control character"):
        run("addfeed", url, "--outlet", "X")
    assert Feed.objects.count() == 0


def test_a_stored_feed_url_with_a_control_character_fails_that_feed_and_the_others_are_polled(
    local_server: LocalServer,
) -> None:
    outlet = Outlet.objects.create(name="Old")
    bad = Feed.objects.create(url=local_server.url("/c\u0001d.xml"), outlet=outlet)  # stored before the check
    local_server.add("/rss.xml", rss())
    good = follow(local_server.url("/rss.xml"), outlet="Other")

    out, err = run("poll_feeds", "--all")

    bad.refresh_from_db()
    assert "control character" in bad.last_error and bad.last_polled_at is not None
    assert f"feed {good.pk} {good.url}: 0 new entries" in out
    assert err == "1 of 2 feeds failed; see the reasons above.\n"


@pytest.mark.parametrize("url", ["HTTP://planet.example/rss.xml", "Https://planet.example/rss.xml"])
def test_a_feed_url_with_a_capital_scheme_is_followed_as_the_url_it_names(
    editor: User, client_for: Any, url: str
) -> None:
    response = client_for(editor).post("/api/v1/feeds/", {"url": url, "outlet": "X"}, format="json")

    assert response.status_code == 201, response.json()
    assert Feed.objects.get().url == url.lower()


def test_a_space_in_a_url_is_sent_encoded(local_server: LocalServer) -> None:
    local_server.add("/my%20feed.xml", rss())

    fetched = outbound.fetch(local_server.url("/my feed.xml"))

    assert fetched.status == 200 and local_server.paths()[-1] == "/my%20feed.xml"


@pytest.mark.parametrize("url", ["http://ex\u00e4mple..com/feed.xml", "http://xn--zz.com/feed.xml"])
def test_a_host_name_httpx_cannot_encode_fails_the_fetch_with_the_reason(url: str) -> None:
    with pytest.raises(outbound.FetchError) as caught:
        outbound.fetch(url)

    assert caught.value.kind == "bad_url" and caught.value.reason.startswith("not a valid URL")
