"""The one way the server fetches a URL: feeds, evidence snapshots and (later) webhooks.

Whoever can make the server fetch a URL of their choosing (a feed someone adds,
a piece of evidence, a redirect on a page we fetch) could otherwise reach what
only the server can: the cloud metadata service at 169.254.169.254, the
database, Redis, an admin port on localhost. So every connection is checked
where it is made, not where the URL is read:

* the host name is resolved once, every address it resolves to is checked, and
  the socket connects to one of exactly those addresses. Checking the name
  and letting the HTTP library resolve it again would let a DNS answer that
  changes between the two (rebinding) through. The ``Host`` header and TLS
  SNI still carry the name, because the connection pool gets the name and
  only the network backend below it sees the addresses;
* redirects are followed here, one hop at a time (at most ``MAX_REDIRECTS``),
  so every hop's scheme and address are checked the same way;
* loopback, private, link-local, multicast, reserved, unspecified and other
  non-global addresses are refused, IPv4 and IPv6 alike, an IPv4 address
  wrapped in IPv6 (``::ffff:127.0.0.1``) as the IPv4 address it wraps;
  ``settings.ALLOW_PRIVATE_URLS`` (development and tests only) lifts this;
* no proxy from the environment is used: the check must see the real target.

Every failure (bad scheme, refused address, timeout, connection error, too
many redirects, a body over the size cap, a status other than 2xx or 304) is
one ``FetchError`` with a ``reason`` a person can read, so callers record it
instead of handling a dozen exception types.
"""

from __future__ import annotations

import contextlib
import functools
import http.cookiejar
import ipaddress
import os
import socket
import ssl
import threading
import time
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from django.conf import settings

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
SCHEMES = frozenset({"http", "https"})
PRODUCT = "FactcheckClaimTracker/1.0"

# The properties that make an address unfit for a server-side fetch, in the order they are named.
_UNFIT = (
    ("is_unspecified", "unspecified"),
    ("is_loopback", "loopback"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_reserved", "reserved"),
    ("is_private", "private"),
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """Any failure of an outbound fetch; ``reason`` says what happened in words, ``kind`` as a code."""

    def __init__(self, reason: str, *, kind: str, url: str = "", http_status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.url = url
        self.http_status = http_status


class BlockedAddress(FetchError):
    """The target resolved to an address the server must not reach."""

    def __init__(self, reason: str, *, url: str = "") -> None:
        super().__init__(reason, kind="blocked", url=url)


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    content: bytes = b""
    content_type: str = ""
    charset: str = ""
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False
    redirects: list[str] = field(default_factory=list)

    def decoded_text(self) -> str:
        """The body as text, in its declared charset (UTF-8 when none or an unknown one is declared)."""
        for encoding in (self.charset, "utf-8"):
            if not encoding:
                continue
            try:
                return self.content.decode(encoding, errors="replace")
            except LookupError:
                continue
        return self.content.decode("utf-8", errors="replace")


# --- The address rule


def unfit_reason(address: str | IPAddress) -> str | None:
    """Why the server must not connect to ``address`` ("loopback", "private"...), or None when it may."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return unfit_reason(ip.ipv4_mapped)
        if ip.sixtofour is not None and (inner := unfit_reason(ip.sixtofour)):
            return f"{inner} (in 6to4)"
        if ip.scope_id:
            return "link-local"
    for attribute, name in _UNFIT:
        if getattr(ip, attribute):
            return name
    if not ip.is_global:
        # Shared address space (100.64.0.0/10, carrier-grade NAT) and the like.
        return "not globally routable"
    return None


def check_address(address: str, *, host: str = "") -> None:
    """Refuse an address the server must not reach, unless ALLOW_PRIVATE_URLS is on."""
    if settings.ALLOW_PRIVATE_URLS:
        return
    reason = unfit_reason(address)
    if reason is not None:
        named = f"{host} resolves to " if host and host != address else ""
        raise BlockedAddress(f"refused to connect: {named}{address} is a {reason} address")


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, each checked; the connection is made to one of these."""
    host = host.strip("[]")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"could not resolve {host}: {exc}", kind="connection") from exc
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError(f"could not resolve {host}: no addresses", kind="connection")
    # All of them, not only the one used: an answer that mixes a public and a
    # private address is refused rather than left to the order of the answer.
    for address in addresses:
        check_address(address, host=host)
    return addresses


class GuardedBackend(httpcore.SyncBackend):
    """Resolves, checks and connects in one step, so the address checked is the address used."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        last_error: Exception | None = None
        for address in resolve(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectTimeout:
                raise
            except httpcore.ConnectError as exc:
                last_error = exc
        assert last_error is not None
        raise last_error


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool whose sockets come from ``GuardedBackend``.

    httpx builds its pool in ``__init__`` without a way to pass a network
    backend, so the pool is replaced by an equivalent one that has it. The tests
    fetch from 127.0.0.1 with ALLOW_PRIVATE_URLS off and expect a refusal, so a
    future httpx that stopped using ``_pool`` would fail them, not pass quietly.
    """

    def __init__(self, *, keep_alive: int = 0) -> None:
        context = _ssl_context()
        super().__init__(verify=context, trust_env=False)
        # Without keep-alive every request opens its own connection, so every hop is resolved and
        # checked. With it (webhooks: one host, no redirects), each new connection still is.
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=max(4, keep_alive),
            max_keepalive_connections=keep_alive,
            network_backend=GuardedBackend(),
        )


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Loading the CA bundle takes a while; one verifying context serves every fetch."""
    return httpx.create_ssl_context(trust_env=False)


# --- Fetching


def user_agent() -> str:
    return f"{PRODUCT} (+{settings.SITE_URL})"


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host, or a FetchError saying what is wrong with it."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise FetchError(f"not a valid URL: {url!r}", kind="bad_url", url=url) from exc
    if any(c < " " or c == "\x7f" for c in url):  # a space is sent encoded; a control character never
        raise FetchError(f"URL contains a control character: {url!r}", kind="bad_url", url=url)
    if parts.scheme.lower() not in SCHEMES:
        shown = f"{parts.scheme}:" if parts.scheme else "no scheme"
        raise FetchError(f"only http and https URLs are fetched, not {shown}", kind="bad_scheme", url=url)
    if not parts.hostname:
        raise FetchError(f"URL has no host: {url!r}", kind="bad_url", url=url)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number or out of range
    except ValueError as exc:
        raise FetchError(f"URL has an invalid port: {url!r}", kind="bad_url", url=url) from exc
    return url


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    max_bytes: int | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    total_timeout: float | None = None,
    accept: str = "*/*",
) -> FetchResult:
    """GET ``url`` under the guard; ``etag``/``last_modified`` make it conditional (304 -> not_modified).

    ``total_timeout`` bounds the whole fetch, redirects included, so a server
    that sends a byte every few seconds cannot hold a worker below the read
    timeout forever.
    """
    limit = settings.OUTBOUND_MAX_BYTES if max_bytes is None else max_bytes
    timeout = httpx.Timeout(
        connect=settings.OUTBOUND_CONNECT_TIMEOUT if connect_timeout is None else connect_timeout,
        read=settings.OUTBOUND_READ_TIMEOUT if read_timeout is None else read_timeout,
        write=settings.OUTBOUND_READ_TIMEOUT if read_timeout is None else read_timeout,
        pool=settings.OUTBOUND_CONNECT_TIMEOUT if connect_timeout is None else connect_timeout,
    )
    deadline = time.monotonic() + (
        settings.OUTBOUND_TOTAL_TIMEOUT if total_timeout is None else total_timeout
    )
    headers = {"User-Agent": user_agent(), "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    hops: list[str] = []
    current = check_url(url)
    with httpx.Client(
        transport=GuardedTransport(), timeout=timeout, follow_redirects=False, cookies=no_cookies()
    ) as client:
        while True:
            status, response_headers, content = _get_one(client, current, headers, limit, deadline)
            location = response_headers.get("location", "")
            if status in REDIRECT_STATUSES:
                if not location:
                    raise FetchError(
                        f"HTTP {status} redirect without a Location",
                        kind="http_status",
                        url=current,
                        http_status=status,
                    )
                if len(hops) >= MAX_REDIRECTS:
                    raise FetchError(
                        f"more than {MAX_REDIRECTS} redirects (last to {location})",
                        kind="too_many_redirects",
                        url=url,
                        http_status=status,
                    )
                hops.append(current)
                current = check_url(urljoin(current, location))
                continue
            return _result(url, current, status, response_headers, content, hops)


def _get_one(
    client: httpx.Client, url: str, headers: dict[str, str], limit: int, deadline: float
) -> tuple[int, httpx.Headers, bytes]:
    """One request, no redirect followed; the body is read only for a final 2xx answer."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError(
            f"timed out before reaching {_host(url)} (took too long overall)", kind="timeout", url=url
        )
    timeout = client.timeout
    timeout = httpx.Timeout(
        connect=min(timeout.connect or remaining, remaining),
        read=min(timeout.read or remaining, remaining),
        write=min(timeout.write or remaining, remaining),
        pool=min(timeout.pool or remaining, remaining),
    )
    try:
        with client.stream("GET", url, headers=headers, timeout=timeout) as response:
            status = response.status_code
            if status in REDIRECT_STATUSES or status == 304:
                return status, response.headers, b""
            if not 200 <= status < 300:
                raise FetchError(
                    f"HTTP {status} {response.reason_phrase}".strip(),
                    kind="http_status",
                    url=url,
                    http_status=status,
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _too_big(url, limit, status)
            return status, response.headers, _read_capped(response, url, limit, deadline)
    except FetchError as exc:
        exc.url = exc.url or url
        raise
    except (httpx.InvalidURL, UnicodeError) as exc:  # not HTTPErrors: a URL httpx cannot take (bad IDNA)
        raise FetchError(f"not a valid URL: {exc}", kind="bad_url", url=url) from exc
    except httpx.HTTPError as exc:
        raise _fetch_error(exc, url, reading="reading from", doing="fetch") from exc


def _fetch_error(exc: httpx.HTTPError, url: str, *, reading: str, doing: str) -> FetchError:
    """httpx's error as a FetchError with a reason a person can read: a timeout, or a connection failure."""
    if isinstance(exc, httpx.TimeoutException):
        phase = "connecting to" if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout) else reading
        return FetchError(f"timed out {phase} {_host(url)}", kind="timeout", url=url)
    return FetchError(
        f"could not {doing} {_host(url)}: {exc or type(exc).__name__}", kind="connection", url=url
    )


def _read_capped(response: httpx.Response, url: str, limit: int, deadline: float) -> bytes:
    """Read the (decompressed) body, stopping past ``limit`` bytes or the total deadline."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise _too_big(url, limit, response.status_code)
        if time.monotonic() > deadline:
            raise FetchError(
                f"timed out reading from {_host(url)} (took too long overall)", kind="timeout", url=url
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _too_big(url: str, limit: int, status: int) -> FetchError:
    return FetchError(
        f"response is larger than {_size(limit)}", kind="too_large", url=url, http_status=status
    )


def _result(
    url: str, final_url: str, status: int, headers: httpx.Headers, content: bytes, hops: list[str]
) -> FetchResult:
    content_type, _, params = headers.get("content-type", "").partition(";")
    charset = ""
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "charset":
            charset = value.strip().strip('"')
    return FetchResult(
        url=url,
        final_url=final_url,
        status=status,
        headers=dict(headers.items()),
        content=content,
        content_type=content_type.strip().lower(),
        charset=charset,
        etag=headers.get("etag", ""),
        last_modified=headers.get("last-modified", ""),
        not_modified=status == 304,
        redirects=hops,
    )


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KB"
    return f"{n} bytes"


# --- Posting (webhooks)


@dataclass(frozen=True)
class PostResult:
    """What a receiver answered: any status, its headers and at most ``max_bytes`` of its body."""

    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes = b""
    truncated: bool = False


def post(
    url: str,
    *,
    content: bytes,
    headers: Mapping[str, str],
    max_bytes: int | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    total_timeout: float | None = None,
    keep_alive: bool = False,
) -> PostResult:
    """POST ``content`` to ``url`` under the guard: one request, no redirect followed.

    ``keep_alive`` sends it over this process's pool of kept-alive connections
    (see ``_keep_alive_client``) instead of a connection of its own.

    Unlike ``fetch``, every HTTP status is an answer (the caller decides what a
    3xx, 4xx or 5xx means), and a body past ``max_bytes`` is cut off rather than
    refused: a receiver's reply is only kept as an excerpt. Transport failures
    (bad URL, refused address, timeout, connection) are a ``FetchError``.
    """
    limit = settings.OUTBOUND_MAX_BYTES if max_bytes is None else max_bytes
    connect = settings.OUTBOUND_CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
    read = settings.OUTBOUND_READ_TIMEOUT if read_timeout is None else read_timeout
    total = settings.OUTBOUND_TOTAL_TIMEOUT if total_timeout is None else total_timeout
    deadline = time.monotonic() + total
    timeout = httpx.Timeout(
        connect=min(connect, total), read=min(read, total), write=min(read, total), pool=min(connect, total)
    )
    sent = {"User-Agent": user_agent(), **headers}
    current = check_url(url)
    client = _keep_alive_client() if keep_alive else None
    try:
        with contextlib.ExitStack() as stack:
            if client is None:
                client = stack.enter_context(
                    httpx.Client(
                        transport=GuardedTransport(),
                        timeout=timeout,
                        follow_redirects=False,
                        cookies=no_cookies(),
                    )
                )
            response = stack.enter_context(
                client.stream("POST", current, content=content, headers=sent, timeout=timeout)
            )
            body, truncated = _read_prefix(response, limit, deadline)
            return PostResult(
                url=current,
                status=response.status_code,
                headers=dict(response.headers.items()),
                content=body,
                truncated=truncated,
            )
    except FetchError as exc:
        exc.url = exc.url or current
        raise
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise FetchError(f"not a valid URL: {exc}", kind="bad_url", url=current) from exc
    except httpx.HTTPError as exc:
        raise _fetch_error(exc, current, reading="waiting for", doing="post to") from exc


def no_cookies() -> http.cookiejar.CookieJar:
    """A cookie jar that keeps nothing: what one receiver sets is never sent to the next request.

    A worker's pooled client posts to every integration's endpoints; a cookie one receiver set
    would otherwise ride along with later messages to the same host, another integration's included.
    """
    return http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


# Kept-alive connections per host in one process: a webhook worker sends to a few receivers all day.
KEEP_ALIVE_CONNECTIONS = 20


def _keep_alive_client() -> httpx.Client:
    """This process's pooled client for ``post``, made after a fork (a child never shares a parent's
    sockets) and again when ALLOW_PRIVATE_URLS changes (a kept connection was checked under the old
    rule)."""
    key = (os.getpid(), settings.ALLOW_PRIVATE_URLS)
    client = _clients.get(key)
    if client is None:
        with _clients_lock:  # a webhook drain sends from several threads at once
            client = _clients.get(key)
            if client is None:
                _clients.clear()
                client = httpx.Client(
                    transport=GuardedTransport(keep_alive=KEEP_ALIVE_CONNECTIONS),
                    follow_redirects=False,
                    cookies=no_cookies(),
                )
                _clients[key] = client
    return client


_clients: dict[tuple[int, bool], httpx.Client] = {}
_clients_lock = threading.Lock()


def _read_prefix(response: httpx.Response, limit: int, deadline: float) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes of the body, stopping early at the limit or the deadline."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit or time.monotonic() > deadline:
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False
