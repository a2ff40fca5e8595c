"""The transport under the probes' client: one HTTP/1.1 connection per request in flight,
kept for reuse by the next request to the same origin.

httpcore's pool scans every connection it holds on each request and response, so its cost
grows with the concurrency limit; the probes hold their own global and per-host limits, so
the transport only has to hand out a connection: an idle one to the same origin, or a new
one (see connection.py)."""

from __future__ import annotations

import asyncio
import ssl
from collections import OrderedDict
from collections.abc import AsyncIterator

import httpx

from prr.adapters.http.connection import Connection, Origin

KEEPALIVE_EXPIRY = 5.0  # seconds an idle connection is kept (httpx's default)
_DEFAULT_PORTS = {b"http": 80, b"https": 443}


class _Body(httpx.AsyncByteStream):
    """A response body that hands its connection back to the pool once closed."""

    def __init__(self, pool: OriginPool, connection: Connection, read_timeout: float | None) -> None:
        self._pool: OriginPool | None = pool
        self._connection = connection
        self._read_timeout = read_timeout

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._connection.body(self._read_timeout)

    async def aclose(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.release(self._connection)


class OriginPool(httpx.AsyncBaseTransport):
    """Idle connections per origin, at most `max_idle` in all (the oldest closed first)."""

    def __init__(self, *, verify: ssl.SSLContext, max_idle: int) -> None:
        self._ssl = verify
        self._max_idle = max(0, max_idle)
        self._idle: OrderedDict[Connection, None] = OrderedDict()  # oldest first
        self._idle_at: dict[Origin, list[Connection]] = {}  # the same, by origin
        self._busy: set[Connection] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = url.port or _DEFAULT_PORTS.get(url.raw_scheme)
        if port is None:
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}")
        connection = self._checkout((url.raw_scheme, url.raw_host, port))
        try:
            head, extensions = await connection.send(request)
        except BaseException:
            self.release(connection)
            raise
        read_timeout = request.extensions.get("timeout", {}).get("read")
        return httpx.Response(
            status_code=head.status_code,
            headers=head.headers.raw_items(),
            stream=_Body(self, connection, read_timeout),
            extensions=extensions,
        )

    def _checkout(self, origin: Origin) -> Connection:
        """The most recently used idle connection to `origin` that still works, or a new one."""
        idle = self._idle_at.get(origin)
        now = asyncio.get_running_loop().time()
        while idle:
            connection = idle.pop()
            del self._idle[connection]
            if connection.reusable() and now - (connection.idle_since or now) <= KEEPALIVE_EXPIRY:
                connection.idle_since = None
                self._busy.add(connection)
                return connection
            connection.close()
        connection = Connection(origin, self._ssl)
        self._busy.add(connection)
        return connection

    def release(self, connection: Connection) -> None:
        """Keep a connection that finished its exchange cleanly; close any other."""
        self._busy.discard(connection)
        if not connection.finish():
            connection.close()
            return
        connection.idle_since = asyncio.get_running_loop().time()
        self._idle[connection] = None
        self._idle_at.setdefault(connection.origin, []).append(connection)
        while len(self._idle) > self._max_idle:
            oldest, _ = self._idle.popitem(last=False)
            self._idle_at[oldest.origin].remove(oldest)
            oldest.close()

    async def aclose(self) -> None:
        connections = [*self._idle, *self._busy]
        self._idle.clear()
        self._idle_at.clear()
        self._busy.clear()
        for connection in connections:
            connection.close()
