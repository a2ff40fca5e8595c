"""Real HTTP(S) servers on 127.0.0.1 for the fetcher and endpoint-probe tests.

One background thread runs an asyncio loop serving every server below, each on its own
random port; nothing leaves loopback. Use the session fixture:

    from endpoint_servers import endpoint_servers  # noqa: F401  (a pytest fixture)

    def test_x(endpoint_servers: Servers) -> None:
        url = endpoint_servers.url("healthy", "/healthz")

or, outside pytest, `with serve_endpoints(directory) as servers: ...`.

Servers by name (every path is answered unless a route says otherwise):

    healthy             /healthz (health+json pass), /metrics, /.well-known/security.txt, /
                        with security headers on every response; other paths 404
    health_fail         like healthy, but /healthz says "fail" with status 200
    malformed_metrics   like healthy, but /metrics is not valid exposition text
    openmetrics_no_eof  like healthy, but /metrics is OpenMetrics without "# EOF"
    error               500 on every path
    drip                the response, status line first, one byte a second, forever
    drip_body           headers at once, then the body one byte a second, forever
    silent              accepts, reads the request, never answers
    endless             200 and a body that never ends
    gzip_bomb           64 KiB of gzip that decodes to 64 MiB
    redirect_loop       /a -> /b -> /a (every other path -> /a)
    redirect_metadata   302 to http://169.254.169.254/latest/meta-data/
    hops                /N redirects to /N-1; /0 is 200
    flaky               503 for the first two hits of each path, then 200 ("ok")
    slow                answers after /SECONDS (e.g. /0.2; default 0.2 s)
    echo                200 echoing the request line and headers (body, X-Echo-* headers);
                        /redirect?to=URL redirects there
    proxy               a forward proxy that answers every absolute-form request itself
    tls_valid           healthy over HTTPS, certificate for localhost and 127.0.0.1
    tls_expired         same, certificate expired yesterday
    tls_wrong_host      same, certificate for other.example only
    tls_expiring        same, certificate expiring in 5 days

Certificates come from a trustme CA generated at start; `Servers.ca_file` is its PEM.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import ssl
import threading
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import trustme

HOST = "127.0.0.1"
BOMB_DECODED = 64 * 1024 * 1024
METADATA_URL = "http://169.254.169.254/latest/meta-data/"

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'",
    "Referrer-Policy": "no-referrer",
}
HEALTH_PASS = b'{"status":"pass"}'
HEALTH_FAIL = b'{"status":"fail","output":"database unreachable"}'
METRICS = b"""\
# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{code="200",method="get"} 1027
http_requests_total{code="500",method="get"} 3
# HELP http_request_duration_seconds Request latency.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.1"} 1000
http_request_duration_seconds_bucket{le="+Inf"} 1030
http_request_duration_seconds_sum 51.2
http_request_duration_seconds_count 1030
# HELP up Whether the service is up.
# TYPE up gauge
up 1
"""
MALFORMED_METRICS = b"""\
# TYPE http_requests_total counter
http_requests_total{code="200" 12
this is not a metric line
up one
"""
OPENMETRICS_NO_EOF = b"""\
# TYPE http_requests counter
# HELP http_requests Requests served.
http_requests_total{code="200"} 1027
"""
PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
SECURITY_TXT = b"Contact: mailto:security@example.com\nExpires: 2099-12-31T23:59:59Z\n"


@dataclass(frozen=True)
class Seen:
    """A request a server received."""

    method: str
    target: str  # as sent: a path, or an absolute URL for a proxy
    path: str
    headers: dict[str, str]  # lower-case names


@dataclass
class Servers:
    """Base URLs by server name (no trailing slash), the CA file, and what each server saw."""

    urls: dict[str, str]
    ca_file: Path
    seen: dict[str, list[Seen]] = field(default_factory=dict)

    def url(self, name: str, path: str = "/") -> str:
        return self.urls[name] + path

    def port(self, name: str) -> int:
        return int(self.urls[name].rsplit(":", 1)[1])

    def hits(self, name: str, path: str | None = None) -> int:
        return sum(1 for s in list(self.seen[name]) if path is None or s.path == path)


# --------------------------------------------------------------------------- plumbing


@dataclass(frozen=True)
class _Request:
    method: str
    target: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


Handler = Callable[[_Request, asyncio.StreamWriter], Awaitable[bool]]  # True: keep the connection


async def _send(
    writer: asyncio.StreamWriter,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    reason: str = "",
) -> bool:
    head = [f"HTTP/1.1 {status} {reason or _REASONS.get(status, 'Status')}"]
    fields = {"Content-Length": str(len(body)), **(headers or {})}
    head += [f"{k}: {v}" for k, v in fields.items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()
    return True


_REASONS = {200: "OK", 302: "Found", 404: "Not Found", 500: "Internal Server Error", 503: "Service Unavailable"}


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = raw.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    if length:
        await reader.readexactly(length)
    parts = urlsplit(target)
    return _Request(method, target, parts.path or "/", parse_qs(parts.query), headers)


# --------------------------------------------------------------------------- handlers


def _site(overrides: dict[str, tuple[int, str, bytes]] | None = None) -> Handler:
    routes: dict[str, tuple[int, str, bytes]] = {
        "/": (200, "text/html; charset=utf-8", b"<!doctype html><title>ok</title>"),
        "/healthz": (200, "application/health+json", HEALTH_PASS),
        "/metrics": (200, PROMETHEUS_TYPE, METRICS),
        "/.well-known/security.txt": (200, "text/plain; charset=utf-8", SECURITY_TXT),
        **(overrides or {}),
    }

    async def handle(request: _Request, writer: asyncio.StreamWriter) -> bool:
        status, content_type, body = routes.get(request.path, (404, "text/plain", b"not found"))
        return await _send(writer, status, body, {"Content-Type": content_type, **SECURITY_HEADERS})

    return handle


async def _error(request: _Request, writer: asyncio.StreamWriter) -> bool:
    return await _send(writer, 500, b"internal error", {"Content-Type": "text/plain"})


async def _drip(request: _Request, writer: asyncio.StreamWriter) -> bool:
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n":
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(1)
    return await _drip_forever(writer)


async def _drip_body(request: _Request, writer: asyncio.StreamWriter) -> bool:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n")
    return await _drip_forever(writer)


async def _drip_forever(writer: asyncio.StreamWriter) -> bool:
    while True:
        writer.write(b".")
        await writer.drain()
        await asyncio.sleep(1)


async def _silent(request: _Request, writer: asyncio.StreamWriter) -> bool:
    await asyncio.Event().wait()  # until cancelled at teardown
    return False


async def _endless(request: _Request, writer: asyncio.StreamWriter) -> bool:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n")
    chunk = b"x" * 65536
    while True:
        writer.write(chunk)
        await writer.drain()


@cache
def _bomb() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1024 * 1024)
    parts = [compressor.compress(zeros) for _ in range(BOMB_DECODED // len(zeros))]
    return b"".join([*parts, compressor.flush()])


async def _gzip_bomb(request: _Request, writer: asyncio.StreamWriter) -> bool:
    return await _send(writer, 200, _bomb(), {"Content-Type": "text/plain", "Content-Encoding": "gzip"})


async def _redirect_loop(request: _Request, writer: asyncio.StreamWriter) -> bool:
    target = "/b" if request.path == "/a" else "/a"
    return await _send(writer, 302, b"", {"Location": target})


async def _redirect_metadata(request: _Request, writer: asyncio.StreamWriter) -> bool:
    return await _send(writer, 302, b"", {"Location": METADATA_URL})


async def _hops(request: _Request, writer: asyncio.StreamWriter) -> bool:
    left = int(request.path.strip("/") or "0")
    if left <= 0:
        return await _send(writer, 200, b"arrived", {"Content-Type": "text/plain"})
    return await _send(writer, 302, b"", {"Location": f"/{left - 1}"})


def _flaky() -> Handler:
    counts: dict[str, int] = {}

    async def handle(request: _Request, writer: asyncio.StreamWriter) -> bool:
        counts[request.path] = counts.get(request.path, 0) + 1
        if counts[request.path] <= 2:
            return await _send(writer, 503, b"try later", {"Content-Type": "text/plain"})
        return await _send(writer, 200, b"ok", {"Content-Type": "text/plain"})

    return handle


async def _slow(request: _Request, writer: asyncio.StreamWriter) -> bool:
    try:
        delay = float(request.path.strip("/"))
    except ValueError:
        delay = 0.2
    await asyncio.sleep(delay)
    return await _send(writer, 200, b"slow", {"Content-Type": "text/plain"})


async def _echo(request: _Request, writer: asyncio.StreamWriter) -> bool:
    if request.path == "/redirect":
        return await _send(writer, 302, b"", {"Location": request.query.get("to", ["/"])[0]})
    body = json.dumps({"method": request.method, "target": request.target, "headers": request.headers})
    headers = {
        "Content-Type": "application/json",
        "X-Echo-Target": request.target,
        "X-Echo-Authorization": request.headers.get("authorization", ""),
        "Set-Cookie": f"session={request.headers.get('authorization', 'none')}",
        "Location": request.target,
    }
    return await _send(writer, 200, body.encode(), headers)


async def _proxy(request: _Request, writer: asyncio.StreamWriter) -> bool:
    return await _send(writer, 200, f"proxied {request.target}".encode(), {"Content-Type": "text/plain"})


def _handlers() -> dict[str, Handler]:
    return {
        "healthy": _site(),
        "health_fail": _site({"/healthz": (200, "application/health+json", HEALTH_FAIL)}),
        "malformed_metrics": _site({"/metrics": (200, PROMETHEUS_TYPE, MALFORMED_METRICS)}),
        "openmetrics_no_eof": _site({"/metrics": (200, OPENMETRICS_TYPE, OPENMETRICS_NO_EOF)}),
        "error": _error,
        "drip": _drip,
        "drip_body": _drip_body,
        "silent": _silent,
        "endless": _endless,
        "gzip_bomb": _gzip_bomb,
        "redirect_loop": _redirect_loop,
        "redirect_metadata": _redirect_metadata,
        "hops": _hops,
        "flaky": _flaky(),
        "slow": _slow,
        "echo": _echo,
        "proxy": _proxy,
    }


# ------------------------------------------------------------------------- the servers


def _tls_contexts(ca: trustme.CA) -> dict[str, ssl.SSLContext]:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    certs = {
        "tls_valid": ca.issue_cert("localhost", HOST),
        "tls_expired": ca.issue_cert(
            "localhost", HOST, not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=1)
        ),
        "tls_wrong_host": ca.issue_cert("other.example"),
        "tls_expiring": ca.issue_cert(
            "localhost", HOST, not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=5)
        ),
    }
    contexts = {}
    for name, cert in certs.items():
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        contexts[name] = context
    return contexts


class _Loop:
    """The background thread and loop serving every server."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(lambda loop, context: None)  # clients hang up on purpose
        self.thread = threading.Thread(target=self.loop.run_forever, name="endpoint-servers", daemon=True)
        self.tasks: set[asyncio.Task[None]] = set()
        self.servers: list[asyncio.Server] = []

    def run(self, coroutine: Awaitable[object]) -> object:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)  # type: ignore[arg-type]

    async def serve(self, name: str, handler: Handler, seen: list[Seen], context: ssl.SSLContext | None) -> int:
        async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            self.tasks.add(task)
            try:
                while True:
                    request = await _read_request(reader)
                    if request is None:
                        break
                    seen.append(Seen(request.method, request.target, request.path, request.headers))
                    if not await handler(request, writer):
                        break
            except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
                pass
            finally:
                self.tasks.discard(task)
                writer.close()

        server = await asyncio.start_server(connected, HOST, 0, ssl=context)
        self.servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    async def shutdown(self) -> None:
        for server in self.servers:
            server.close()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for server in self.servers:
            await server.wait_closed()


@contextlib.contextmanager
def serve_endpoints(directory: Path) -> Iterator[Servers]:
    """Start every server (the CA file is written to `directory`); stop them all on exit."""
    ca = trustme.CA()
    ca_file = directory / "endpoint-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    _bomb()  # built once, before any request waits on it
    runner = _Loop()
    runner.thread.start()
    servers = Servers(urls={}, ca_file=ca_file)
    try:
        for name, handler in _handlers().items():
            servers.seen[name] = []
            port = runner.run(runner.serve(name, handler, servers.seen[name], None))
            servers.urls[name] = f"http://{HOST}:{port}"
        for name, context in _tls_contexts(ca).items():
            servers.seen[name] = []
            port = runner.run(runner.serve(name, _site(), servers.seen[name], context))
            servers.urls[name] = f"https://{HOST}:{port}"
        yield servers
    finally:
        runner.run(runner.shutdown())
        runner.loop.call_soon_threadsafe(runner.loop.stop)
        runner.thread.join(timeout=10)
        runner.loop.close()


@pytest.fixture(scope="session")
def endpoint_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """Every server above, started once per session and stopped at its end."""
    with serve_endpoints(tmp_path_factory.mktemp("endpoint-servers")) as servers:
        yield servers
