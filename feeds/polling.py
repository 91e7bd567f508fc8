"""Polling a feed: a conditional GET, each new entry's article ingested once, every failure recorded.

Nothing here raises past the poll for anything the outside world does: a feed
that is down or not a feed is noted on ``Feed.last_error``, an entry that
cannot become an article on its ``FeedEntry`` with the reason. An entry that
failed in a way that may pass (timeout, connection, HTTP error) is tried again
on the next polls, at most ``FEED_ENTRY_MAX_ATTEMPTS`` times in all.

Two polls of one feed never run at once: a poll first moves the feed's
``next_poll_at`` forward with a compare-and-set, and a poll that finds the
feed no longer due (another worker took it) does nothing. Beat may therefore
queue a feed again while an earlier poll waits in the queue.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from claims import ingest
from claims.errors import DomainError, NotFound
from factcheck import outbound

from . import pages
from .models import Feed, FeedEntry
from .services import due_q

logger = logging.getLogger(__name__)

ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
MAX_GUID_LENGTH = 500
# Control characters (NUL above all, which PostgreSQL's text columns refuse) in an entry's fields.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_EXTERNAL_ID_LENGTH = 255

State = FeedEntry.State


class FeedError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    """What a poll needs from one feed entry."""

    guid: str
    link: str
    title: str
    published_at: datetime | None
    feed_text: str


@dataclass
class PollResult:
    feed_id: int
    url: str
    outcome: str  # polled, not_modified, failed, not_due
    error: str = ""
    new: Counter[str] = field(default_factory=Counter)
    retried: Counter[str] = field(default_factory=Counter)
    left_for_next_poll: int = 0

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"

    def summary(self) -> str:
        if self.outcome == "not_due":
            return "not due (polled meanwhile)"
        if self.outcome == "failed":
            return f"failed: {self.error}"
        count = sum(self.new.values())
        head = f"{count} new {'entry' if count == 1 else 'entries'}"
        if self.outcome == "not_modified":
            head = "not modified"
        parts = [head] + [f"{count} {state}" for state, count in sorted(self.new.items())]
        if self.retried:
            parts.append("retried: " + ", ".join(f"{n} {s}" for s, n in sorted(self.retried.items())))
        if self.left_for_next_poll:
            parts.append(f"{self.left_for_next_poll} left for the next poll")
        return "; ".join(parts)


def do_poll_feed(*, feed_id: int, force: bool = False) -> PollResult:
    """Poll one feed if it is due (always, with ``force``); see the module docstring."""
    feed = _claim(feed_id=feed_id, force=force)
    if feed is None:
        return PollResult(feed_id=feed_id, url="", outcome="not_due")
    result = PollResult(feed_id=feed.pk, url=feed.url, outcome="polled")
    started = timezone.now()
    try:
        fetched = outbound.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=ACCEPT)
        if fetched.not_modified:
            result.outcome = "not_modified"
            _record_poll(feed, error="")
        else:
            title, entries = parse_feed(fetched)
            complete = _take_new_entries(feed, entries, result)
            # A poll that left entries for later does not keep the validators: an
            # unchanged feed must not answer 304 before those entries are taken.
            _record_poll(
                feed,
                error="",
                title=title,
                etag=fetched.etag if complete else "",
                last_modified=fetched.last_modified if complete else "",
            )
    except (outbound.FetchError, FeedError) as exc:
        result.outcome, result.error = "failed", exc.reason
        _record_poll(feed, error=exc.reason)
    _retry_failed_entries(feed, result, before=started)
    return result


def _claim(*, feed_id: int, force: bool) -> Feed | None:
    """Move the feed's next poll forward; None when it is not due (another poll got there first)."""
    feed = Feed.objects.select_related("outlet").filter(pk=feed_id).first()
    if feed is None:
        raise NotFound(f"Feed {feed_id} does not exist.")
    now = timezone.now()
    claimed = Feed.objects.filter(pk=feed_id)
    if not force:
        claimed = claimed.filter(due_q(now))
    if not claimed.update(next_poll_at=now + timedelta(minutes=feed.poll_interval_minutes)):
        return None
    return feed


def _record_poll(
    feed: Feed,
    *,
    error: str,
    title: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> None:
    changes: dict[str, Any] = {"last_polled_at": timezone.now(), "last_error": error}
    if title is not None:
        changes["title"] = title[:500]
    if etag is not None:
        changes["etag"] = etag[:500]
    if last_modified is not None:
        changes["last_modified"] = last_modified[:100]
    Feed.objects.filter(pk=feed.pk).update(**changes)


# --- Reading the feed


def parse_feed(fetched: outbound.FetchResult) -> tuple[str, list[Entry]]:
    """The feed's title and entries; FeedError when the document is not RSS or Atom."""
    # A stream, never a string: feedparser fetches a string that looks like a URL itself.
    parsed = feedparser.parse(
        io.BytesIO(fetched.content),
        response_headers={
            "content-type": fetched.headers.get("content-type", ""),
            "content-location": fetched.final_url,
        },
    )
    if not parsed.get("version") and not parsed.get("entries"):
        problem = parsed.get("bozo_exception")
        detail = f": {problem}" if problem else ""
        shown = fetched.content_type or "no content type"
        raise FeedError(f"not an RSS or Atom feed ({shown}){detail}")
    entries: list[Entry] = []
    seen: set[str] = set()
    for raw in parsed.get("entries", []):
        entry = _entry(raw)
        if entry.guid not in seen:
            seen.add(entry.guid)
            entries.append(entry)
    return _field(parsed.get("feed", {}).get("title", "")), entries


def _field(value: Any) -> str:
    """A feed's text field as stored: without control characters (``&#0;`` is valid XML)."""
    return _CONTROL_RE.sub("", str(value or "")).strip()


def _entry(raw: Any) -> Entry:
    link = _field(raw.get("link"))
    title = _field(raw.get("title"))
    guid = _field(raw.get("id")) or link
    if not guid:
        # Neither id nor link: the entry is known by its words.
        guid = "sha256:" + hashlib.sha256(f"{title}\0{raw.get('summary', '')}".encode()).hexdigest()
    elif len(guid) > MAX_GUID_LENGTH:
        guid = "sha256:" + hashlib.sha256(guid.encode()).hexdigest()
    return Entry(
        guid=guid,
        link=link,
        title=title,
        published_at=_date(raw.get("published_parsed") or raw.get("updated_parsed")),
        feed_text=pages.feed_content_text(raw),
    )


def _date(parsed: time.struct_time | None) -> datetime | None:
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)


def external_id(feed: Feed, guid: str) -> str:
    """The article's external id: per feed, since a guid is only promised to be unique in its feed."""
    candidate = f"feed:{feed.pk}:{guid}"
    if len(candidate) <= MAX_EXTERNAL_ID_LENGTH:
        return candidate
    return f"feed:{feed.pk}:sha256:{hashlib.sha256(guid.encode()).hexdigest()}"


# --- Taking entries


def _take_new_entries(feed: Feed, entries: list[Entry], result: PollResult) -> bool:
    """Ingest the entries not seen before; False when some were left for the next poll."""
    known = set(
        FeedEntry.objects.filter(feed=feed, guid__in=[e.guid for e in entries]).values_list("guid", flat=True)
    )
    new = [entry for entry in entries if entry.guid not in known]
    budget_ends = time.monotonic() + settings.FEED_POLL_BUDGET_SECONDS
    for n, entry in enumerate(new):
        if n >= settings.FEED_MAX_ENTRIES_PER_POLL or time.monotonic() > budget_ends:
            result.left_for_next_poll = len(new) - n
            return False
        try:
            state = _take_entry(feed, entry)
        except Exception as exc:
            # One odd entry (a parser bug on hostile HTML) must not stop the feed at that entry for good.
            logger.exception("feed %s: entry %s failed", feed.pk, entry.guid)
            state = _record_entry(feed, entry, State.FAILED, f"{type(exc).__name__}: {exc}")
        result.new[state] += 1
    return True


def _take_entry(feed: Feed, entry: Entry) -> str:
    if not entry.link:
        return _record_entry(feed, entry, State.SKIPPED, "the entry has no link to an article")
    note = ""
    try:
        text = pages.article_text(entry.link)
    except pages.PageError as exc:
        if not entry.feed_text:
            state = State.FAILED if exc.transient else State.SKIPPED
            return _record_entry(feed, entry, state, exc.reason)
        text = entry.feed_text
        note = f"{exc.reason}; ingested the text the feed itself carries"
    return _ingest(feed, entry, text, note)


def _ingest(feed: Feed, entry: Entry, text: str, note: str, row: FeedEntry | None = None) -> str:
    """Store the article and the entry's row in one transaction, so each holds only with the other."""
    data = ingest.ArticleInput(
        body=text,
        format="text",
        url=entry.link if len(entry.link) <= 2000 else "",
        title=entry.title[:500],
        outlet=feed.outlet.name,
        published_at=entry.published_at,
        external_id=external_id(feed, entry.guid),
    )
    try:
        with transaction.atomic():
            article = ingest.do_ingest_article(data=data, actor=None).article
            if row is None:
                FeedEntry.objects.create(
                    feed=feed, **_fields(entry), article=article, state=State.INGESTED, reason=note
                )
            else:
                FeedEntry.objects.filter(pk=row.pk).update(
                    article=article,
                    state=State.INGESTED,
                    reason=note,
                    attempts=F("attempts") + 1,
                    updated_at=timezone.now(),
                )
    except DomainError as exc:
        # The text itself cannot be an article (empty, binary, too large): trying again will not help.
        return _record_entry(feed, entry, State.SKIPPED, f"not ingested: {exc.message}", row=row)
    except IntegrityError:
        # A concurrent poll recorded this entry meanwhile; its row says how that went.
        recorded = (
            FeedEntry.objects.filter(feed=feed, guid=entry.guid).values_list("state", flat=True).first()
        )
        if recorded and row is None:
            return str(recorded)
        return _record_entry(feed, entry, State.FAILED, "not ingested: a concurrent write collided", row=row)
    except Exception as exc:
        logger.exception("feed %s: ingesting entry %s failed", feed.pk, entry.guid)
        return _record_entry(feed, entry, State.FAILED, f"not ingested: {type(exc).__name__}: {exc}", row=row)
    return State.INGESTED


def _fields(entry: Entry) -> dict[str, Any]:
    return {
        "guid": entry.guid,
        "link": entry.link[:2000],
        "title": entry.title[:500],
        "published_at": entry.published_at,
    }


def _record_entry(feed: Feed, entry: Entry, state: str, reason: str, row: FeedEntry | None = None) -> str:
    if row is not None:
        attempts = row.attempts + 1
        if state == State.FAILED and attempts >= settings.FEED_ENTRY_MAX_ATTEMPTS:
            reason = f"{reason} (gave up after {attempts} attempts)"
        FeedEntry.objects.filter(pk=row.pk).update(
            state=state, reason=reason, attempts=attempts, updated_at=timezone.now()
        )
        return state
    try:
        with transaction.atomic():
            FeedEntry.objects.create(feed=feed, **_fields(entry), state=state, reason=reason)
    except IntegrityError:
        pass  # recorded by a concurrent poll meanwhile
    return state


def _retry_failed_entries(feed: Feed, result: PollResult, *, before: datetime) -> None:
    """Try again the entries whose failure may have passed, from the link stored on their row.

    Only rows from earlier polls: an entry that failed a moment ago in this poll waits for the next.
    """
    retry = FeedEntry.objects.filter(
        feed=feed, state=State.FAILED, attempts__lt=settings.FEED_ENTRY_MAX_ATTEMPTS, updated_at__lt=before
    ).exclude(link="")
    for row in retry.order_by("id")[: settings.FEED_MAX_ENTRIES_PER_POLL]:
        entry = Entry(
            guid=row.guid, link=row.link, title=row.title, published_at=row.published_at, feed_text=""
        )
        try:
            text = pages.article_text(row.link)
        except pages.PageError as exc:
            state = State.FAILED if exc.transient else State.SKIPPED
            result.retried[_record_entry(feed, entry, state, exc.reason, row=row)] += 1
            continue
        except Exception as exc:
            logger.exception("feed %s: entry %s failed again", feed.pk, row.guid)
            result.retried[
                _record_entry(feed, entry, State.FAILED, f"{type(exc).__name__}: {exc}", row=row)
            ] += 1
            continue
        result.retried[_ingest(feed, entry, text, "", row=row)] += 1
