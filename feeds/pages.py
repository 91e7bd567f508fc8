"""The text of the article a feed entry links to, read the way a reader would see it.

The page is fetched under the outbound guard and its main text taken with
trafilatura. What cannot become an article says why, and whether trying
again later could help (a timeout could; a PDF never will), so a poll records
it on the entry instead of raising.
"""

from __future__ import annotations

import logging
from typing import Any

import trafilatura

from claims.extraction import looks_binary
from factcheck import outbound

logger = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.1"
# Failures that may pass: the entry is tried again on a later poll.
TRANSIENT = frozenset({"timeout", "connection", "http_status"})


class PageError(Exception):
    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


def article_text(url: str) -> str:
    """The main text of the article at ``url``, or PageError saying why there is none."""
    try:
        result = outbound.fetch(url, accept=ACCEPT)
    except outbound.FetchError as exc:
        raise PageError(f"page: {exc.reason}", transient=exc.kind in TRANSIENT) from exc
    content_type = result.content_type or "no content type"
    if looks_binary(result.content):
        raise PageError(f"page: binary content ({content_type}), not an article")
    if result.content_type and result.content_type not in HTML_TYPES | TEXT_TYPES:
        raise PageError(f"page: {content_type} is not a web page")
    if not result.content.strip():
        raise PageError("page: empty")
    if result.content_type in TEXT_TYPES:
        text = result.decoded_text()
    else:
        html = result.decoded_text() if result.charset else result.content
        text = html_to_text(html, url=result.final_url)
    if not text.strip():
        raise PageError("page: no article text found")
    return text


def html_to_text(html: str | bytes, *, url: str = "") -> str:
    """Main text of a page or an HTML fragment; '' when there is none.

    ``deduplicate`` stays off: trafilatura's duplicate cache lives as long as
    the worker process and would drop paragraphs an earlier page happened to
    share (a standard disclaimer, a repeated quote) from every later one.
    """
    try:
        text = trafilatura.extract(
            html,
            url=url or None,
            favor_precision=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            deduplicate=False,
            output_format="txt",
        )
    except Exception:
        # Hostile or broken markup from the outside world: no text, not a failed poll.
        logger.exception("trafilatura failed on %s", url or "a feed's content")
        return ""
    return str(text or "")


def feed_content_text(entry: Any) -> str:
    """The article text a feed carries itself (``content:encoded`` or Atom content, else the summary)."""
    candidates = [part.get("value", "") for part in entry.get("content") or []]
    candidates.append(entry.get("summary", ""))
    for value in candidates:
        if not value or not value.strip():
            continue
        text = html_to_text(f"<html><body><article>{value}</article></body></html>")
        if not text.strip():
            try:
                text = str(trafilatura.html2txt(value) or "")
            except Exception:
                logger.exception("trafilatura failed on a feed's content")
        if text.strip():
            return text.strip()
    return ""
