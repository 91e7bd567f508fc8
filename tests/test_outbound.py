"""The one guarded fetch: private targets refused on every hop, bounded in size, redirects and time.

Every test talks to a real HTTP server on 127.0.0.1 started here. That server
is itself a loopback address, so the tests that fetch from it turn
ALLOW_PRIVATE_URLS on; those about the guard leave it off (the default).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from factcheck import outbound
from factcheck.outbound import FetchError


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: str = ""
    # No Content-Length: the body runs until the connection closes, so only the reader can stop it.
    undeclared_length: bool = False


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class LocalServer:
    """A real HTTP server on a loopback address, answering from a table of routes and noting each request."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path.split("?")[0])
                if route is None:
                    self.send_error(404)
                    return
                if route.delay:
                    time.sleep(route.delay)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                if route.content_type:
                    self.send_header("Content-Type", route.content_type)
                if route.etag:
                    self.send_header("ETag", route.etag)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if not route.undeclared_length:
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                # The client may stop reading, as it should past the size cap.
                with suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(route.body)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.do_GET()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def add(self, path: str, body: bytes | str = b"", **route: Any) -> str:
        self.routes[path] = Route(body=body.encode() if isinstance(body, str) else body, **route)
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        return self.add(path, status=status, content_type="", headers={"Location": to})

    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def serving(host: str = "127.0.0.1") -> Iterator[LocalServer]:
    server = LocalServer(host)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    with serving() as server:
        yield server


@pytest.fixture
def allow_private(settings: Any) -> None:
    settings.ALLOW_PRIVATE_URLS = True


def article_page(title: str, *paragraphs: str) -> str:
    """An HTML page with the furniture real articles have around their story."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>"
        f"<main><article><h1>{title}</h1>{body}</article></main>"
        "<footer>© Example News. All rights reserved.</footer></body></html>"
    )


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def refusal(url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        outbound.fetch(url)
    return caught.value


# --- The address rule


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not globally routable"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::1", "loopback (in 6to4)"),
        ("64:ff9b::7f00:1", "reserved"),
    ],
)
def test_addresses_the_server_must_not_reach_are_named_for_what_they_are(address: str, reason: str) -> None:
    assert outbound.unfit_reason(address) == reason


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_fine(address: str) -> None:
    assert outbound.unfit_reason(address) is None


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/",
        "http://[::1]:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://0.0.0.0:{port}/",
        "http://localhost:{port}/",
        "http://10.0.0.1:{port}/",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_a_private_target_is_refused_before_anything_is_sent(local_server: LocalServer, target: str) -> None:
    local_server.add("/", "secret")

    error = refusal(target.format(port=local_server.port))

    assert error.kind == "blocked"
    assert error.reason.startswith("refused to connect:")
    assert local_server.requests == []


def test_a_public_looking_name_that_resolves_to_loopback_is_refused(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    local_server.add("/", "secret")
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "news.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    error = refusal(f"http://news.example.com:{local_server.port}/")

    assert error.kind == "blocked"
    assert "news.example.com resolves to 127.0.0.1" in error.reason
    assert local_server.requests == []


def test_a_name_with_one_public_and_one_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    assert "10.0.0.7 is a private address" in refusal("http://mixed.example.com/").reason


def test_the_connection_goes_to_the_address_resolved_with_the_name_kept_in_the_host_header(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch, allow_private: None
) -> None:
    """Resolved once, connected to that address: no second lookup could answer differently."""
    local_server.add("/", "hello")
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        lookups.append(str(host))
        if host == "news.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    result = outbound.fetch(f"http://news.example.com:{local_server.port}/")

    assert result.content == b"hello"
    assert local_server.requests[0].headers["host"] == f"news.example.com:{local_server.port}"
    assert lookups.count("news.example.com") == 1


def test_a_redirect_to_a_private_address_is_refused_at_that_hop(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first hop stands in for a public server: the test lets exactly 127.0.0.1 through.

    The redirect goes to 127.0.0.2, another loopback address with its own
    server, which must never see a request.
    """
    with serving("127.0.0.2") as inner:
        inner.add("/admin", "secret")
        local_server.redirect("/go", inner.url("/admin"))
        real = outbound.unfit_reason
        monkeypatch.setattr(
            outbound, "unfit_reason", lambda address: None if str(address) == "127.0.0.1" else real(address)
        )

        error = refusal(local_server.url("/go"))

        assert error.kind == "blocked"
        assert "127.0.0.2 is a loopback address" in error.reason
        assert local_server.paths() == ["/go"]
        assert inner.requests == []


def test_a_redirect_to_the_metadata_service_is_refused(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As above, the test lets exactly 127.0.0.1 through to stand in for a public first hop."""
    local_server.redirect("/go", "http://169.254.169.254/latest/meta-data/")
    real = outbound.unfit_reason
    monkeypatch.setattr(
        outbound, "unfit_reason", lambda address: None if str(address) == "127.0.0.1" else real(address)
    )

    error = refusal(local_server.url("/go"))

    assert (error.kind, error.url) == ("blocked", "http://169.254.169.254/latest/meta-data/")
    assert "link-local" in error.reason


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://example.org/x", "gopher://example.org/"])
def test_a_redirect_to_another_scheme_is_refused(
    local_server: LocalServer, allow_private: None, target: str
) -> None:
    local_server.redirect("/go", target)

    error = refusal(local_server.url("/go"))

    assert error.kind == "bad_scheme"
    assert "only http and https" in error.reason


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/feed.xml", "example.org/feed", "http://"]
)
def test_only_absolute_http_and_https_urls_are_fetched(url: str) -> None:
    assert refusal(url).kind in {"bad_scheme", "bad_url"}


def test_allow_private_urls_lets_loopback_through(local_server: LocalServer, allow_private: None) -> None:
    local_server.add("/", "hello", content_type="text/plain; charset=utf-8")

    result = outbound.fetch(local_server.url("/"))

    assert (result.status, result.content, result.content_type, result.charset) == (
        200,
        b"hello",
        "text/plain",
        "utf-8",
    )
    assert result.decoded_text() == "hello"


# --- Bounded in size, redirects and time


def test_it_names_the_product_in_the_user_agent(
    local_server: LocalServer, allow_private: None, settings: Any
) -> None:
    settings.SITE_URL = "https://factcheck.example.org"
    local_server.add("/", "hello")

    outbound.fetch(local_server.url("/"))

    agent = local_server.requests[0].headers["user-agent"]
    assert agent == "FactcheckClaimTracker/1.0 (+https://factcheck.example.org)"


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_a_body_larger_than_the_cap_is_refused(
    local_server: LocalServer, allow_private: None, settings: Any, declared: bool
) -> None:
    settings.OUTBOUND_MAX_BYTES = 64 * 1024
    local_server.add("/big", b"x" * (3 * 1024 * 1024), undeclared_length=not declared)

    error = refusal(local_server.url("/big"))

    assert error.kind == "too_large"
    assert error.reason == "response is larger than 64 KB"


def test_a_body_at_the_cap_is_read_whole(
    local_server: LocalServer, allow_private: None, settings: Any
) -> None:
    settings.OUTBOUND_MAX_BYTES = 1000
    local_server.add("/exact", b"y" * 1000, undeclared_length=True)

    assert len(outbound.fetch(local_server.url("/exact")).content) == 1000


def test_five_redirects_are_followed_and_a_sixth_is_refused(
    local_server: LocalServer, allow_private: None
) -> None:
    for n in range(6):
        local_server.redirect(f"/hop/{n}", f"/hop/{n + 1}")
    local_server.add("/hop/6", "arrived")
    for n in range(1, 5):
        local_server.redirect(f"/short/{n}", f"/short/{n + 1}" if n < 4 else "/hop/6", status=301)
    local_server.redirect("/short/0", "/short/1", status=307)

    result = outbound.fetch(local_server.url("/short/0"))
    assert (result.content, result.final_url) == (b"arrived", local_server.url("/hop/6"))
    assert len(result.redirects) == 5

    local_server.requests.clear()
    error = refusal(local_server.url("/hop/0"))
    assert error.kind == "too_many_redirects"
    assert "more than 5 redirects" in error.reason
    assert "/hop/6" not in local_server.paths()


def test_a_server_that_does_not_answer_in_time_is_a_timeout(
    local_server: LocalServer, allow_private: None, settings: Any
) -> None:
    settings.OUTBOUND_READ_TIMEOUT = 0.3
    local_server.add("/slow", "late", delay=2.0)

    started = time.monotonic()
    error = refusal(local_server.url("/slow"))

    assert error.kind == "timeout"
    assert error.reason == f"timed out reading from 127.0.0.1:{local_server.port}"
    assert time.monotonic() - started < 1.5


def test_nothing_listening_is_a_connection_error(allow_private: None) -> None:
    error = refusal(f"http://127.0.0.1:{unused_port()}/")

    assert error.kind == "connection"
    assert error.reason.startswith("could not fetch 127.0.0.1:")


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_an_error_status_is_an_error_with_its_status(
    local_server: LocalServer, allow_private: None, status: int
) -> None:
    local_server.add("/x", "nope", status=status)

    error = refusal(local_server.url("/x"))

    assert (error.kind, error.http_status) == ("http_status", status)
    assert error.reason.startswith(f"HTTP {status}")


def test_a_conditional_get_is_answered_not_modified(local_server: LocalServer, allow_private: None) -> None:
    local_server.add(
        "/feed", "<rss/>", etag='"v1"', headers={"Last-Modified": "Tue, 03 Mar 2026 10:00:00 GMT"}
    )

    first = outbound.fetch(local_server.url("/feed"))
    again = outbound.fetch(local_server.url("/feed"), etag=first.etag, last_modified=first.last_modified)

    assert (first.etag, first.last_modified, first.not_modified) == (
        '"v1"',
        "Tue, 03 Mar 2026 10:00:00 GMT",
        False,
    )
    assert (again.status, again.not_modified, again.content) == (304, True, b"")
    sent = local_server.requests[1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Tue, 03 Mar 2026 10:00:00 GMT"


def test_every_failure_is_one_error_class(local_server: LocalServer, allow_private: None) -> None:
    """Callers catch one thing; each failure kind above is a FetchError with a readable reason."""
    kinds: set[str] = set()
    for url in ["ftp://x.example/", local_server.url("/missing"), f"http://127.0.0.1:{unused_port()}/"]:
        try:
            outbound.fetch(url)
        except FetchError as exc:
            assert exc.reason
            kinds.add(exc.kind)
    assert kinds == {"bad_scheme", "http_status", "connection"}


# --- Cookies


def test_a_cookie_one_answer_sets_is_never_sent_back(local_server: LocalServer, allow_private: None) -> None:
    setter = local_server.add("/hook", "ok", headers={"Set-Cookie": "session=receiver-one; Path=/"})
    for _ in range(2):
        outbound.post(setter, content=b"{}", headers={"Content-Type": "application/json"}, keep_alive=True)
        outbound.post(setter, content=b"{}", headers={"Content-Type": "application/json"})
    local_server.add("/next", "landed")
    local_server.add(
        "/login",
        status=302,
        content_type="",
        headers={"Location": local_server.url("/next"), "Set-Cookie": "session=page; Path=/"},
    )
    outbound.fetch(local_server.url("/login"))
    assert local_server.paths() == ["/hook"] * 4 + ["/login", "/next"]
    assert [seen.headers.get("cookie") for seen in local_server.requests] == [None] * 6
