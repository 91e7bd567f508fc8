"""Services a fault test can take away and give back: a TCP proxy in front of PostgreSQL and a
throwaway redis-server. Helpers, not tests: the test_faults_* modules use them (bench/soak.py too).

The shared PostgreSQL and Redis serve other runs, so they are never stopped. Instead the
product is pointed at a proxy (or a private redis-server) that the test starts on a free
127.0.0.1 port: stopping it cuts every open connection and refuses new ones, as a restart
of the real server does, and starting it again on the same port is the server coming back.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, seconds: float, up: bool = True) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise AssertionError(f"port {port} still {'down' if up else 'up'} after {seconds} s")


class TcpProxy:
    """Forwards 127.0.0.1:<port> to 127.0.0.1:<target>; ``stop`` is the server going away."""

    def __init__(self, target_port: int, port: int | None = None) -> None:
        self.target_port = target_port
        self.port = port or unused_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: asyncio.Server | None = None
        self.open: set[asyncio.StreamWriter] = set()
        self.connections = 0

    def _run(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)  # type: ignore[arg-type]

    def start(self) -> TcpProxy:
        """Listen (again) on the same port; a no-op while listening."""
        self._run(self._start())
        return self

    def stop(self) -> None:
        """Close the port and reset every connection through it, as a crashed server would."""
        self._run(self._stop())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)

    async def _start(self) -> None:
        if self.server is not None:
            return
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def _stop(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.open):
            writer.transport.abort()
        self.open.clear()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        self.connections += 1
        self.open |= {client_writer, server_writer}
        await asyncio.gather(
            self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer)
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self.open.discard(writer)
            writer.transport.abort()


class RedisServer:
    """A private redis-server on a free 127.0.0.1 port, without persistence: a restart loses nothing
    that a broker must keep only if the product re-sends it (the sweepers' job)."""

    def __init__(self, logdir: Path, port: int | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise AssertionError("redis-server is not installed (apt-get install redis-server)")
        self.binary = binary
        self.port = port or unused_port()
        self.log = logdir / f"redis-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        argv = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        wait_for_port(self.port, seconds=10)
        return self

    def stop(self) -> None:
        """SIGKILL: the server dies as in a crash, without a chance to say goodbye to its clients."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
        wait_for_port(self.port, seconds=10, up=False)


class Gunicorn:
    """The product served by gunicorn on a free 127.0.0.1 port, as in production (DEBUG off)."""

    def __init__(self, env: dict[str, str], logdir: Path, *, workers: int = 1) -> None:
        self.port = unused_port()
        self.log = logdir / "gunicorn.log"
        argv = [sys.executable, "-m", "gunicorn", "factcheck.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        argv += ["--workers", str(workers), "--timeout", "60", "--graceful-timeout", "5"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.log.read_text(errors='replace')}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url("/healthz"), timeout=2).status_code in (200, 503):
                    return
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer:\n{self.log.read_text(errors='replace')}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_celery(env: dict[str, str], log: Path, *argv: str) -> subprocess.Popen[bytes]:
    """``celery -A factcheck <argv>`` (a worker or beat) with the given environment, logging to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "factcheck", *argv, "--loglevel=INFO"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
