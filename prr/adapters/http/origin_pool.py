"""The transport under the probes' client: one HTTP/1.1 connection per request in flight,
kept for reuse by the next request to the same origin.

httpcore's pool scans every connection it holds on each request and response, so its cost
grows with the concurrency limit; the probes hold their own global and per-host limits, so
the transport only has to hand out a connection: an idle one to the same origin, or a new
one. Connections run on `AsyncioBackend`."""

from __future__ import annotations

import ssl
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpcore
import httpx

from prr.adapters.http.asyncio_network import AsyncioBackend

Origin = tuple[bytes, bytes, int]
Connection = httpcore.AsyncHTTPConnection

KEEPALIVE_EXPIRY = 5.0  # seconds an idle connection is kept (httpx's default)

# httpcore's exceptions as the httpx ones callers catch, most specific first.
_HTTPX_ERRORS: dict[type[Exception], type[httpx.HTTPError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.ProtocolError: httpx.ProtocolError,
}


@contextmanager
def httpx_errors() -> Iterator[None]:
    """Re-raise httpcore's exceptions as httpx's, the cause kept (TLS errors are told by it)."""
    try:
        yield
    except Exception as exc:
        for kind in type(exc).__mro__:
            mapped = _HTTPX_ERRORS.get(kind)
            if mapped is not None:
                raise mapped(str(exc)) from exc
        raise


class _Body(httpx.AsyncByteStream):
    """A response body that hands its connection back to the pool once closed."""

    def __init__(self, response: httpcore.Response, pool: OriginPool, origin: Origin, connection: Connection) -> None:
        self._response = response
        self._release: tuple[OriginPool, Origin, Connection] | None = (pool, origin, connection)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with httpx_errors():
            async for chunk in self._response.aiter_stream():
                yield chunk

    async def aclose(self) -> None:
        try:
            with httpx_errors():
                await self._response.aclose()
        finally:
            if self._release is not None:
                (pool, origin, connection), self._release = self._release, None
                await pool.release(origin, connection)


class OriginPool(httpx.AsyncBaseTransport):
    """Idle connections per origin, at most `max_idle` in all (the oldest closed first)."""

    def __init__(self, *, verify: ssl.SSLContext, max_idle: int) -> None:
        self._ssl = verify
        self._max_idle = max(0, max_idle)
        self._backend = AsyncioBackend()
        self._idle: OrderedDict[Connection, Origin] = OrderedDict()  # oldest first
        self._idle_at: dict[Origin, list[Connection]] = {}  # the same, by origin
        self._busy: set[Connection] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = url.port or (443 if url.raw_scheme == b"https" else 80)
        origin: Origin = (url.raw_scheme, url.raw_host, port)
        connection = await self._checkout(origin)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            with httpx_errors():
                response = await connection.handle_async_request(core_request)
        except BaseException:
            await self.release(origin, connection)
            raise
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response, self, origin, connection),
            extensions=response.extensions,
        )

    async def _checkout(self, origin: Origin) -> Connection:
        """The most recently used idle connection to `origin` that still works, or a new one."""
        idle = self._idle_at.get(origin)
        while idle:
            connection = idle.pop()
            del self._idle[connection]
            if connection.is_available() and not connection.has_expired():
                self._busy.add(connection)
                return connection
            await connection.aclose()
        connection = Connection(
            httpcore.Origin(*origin),
            ssl_context=self._ssl,
            keepalive_expiry=KEEPALIVE_EXPIRY,
            network_backend=self._backend,
        )
        self._busy.add(connection)
        return connection

    async def release(self, origin: Origin, connection: Connection) -> None:
        """Keep a connection that finished its exchange cleanly; close any other."""
        self._busy.discard(connection)
        if connection.is_closed() or not connection.is_idle() or connection.has_expired():
            await connection.aclose()
            return
        self._idle[connection] = origin
        self._idle_at.setdefault(origin, []).append(connection)
        while len(self._idle) > self._max_idle:
            oldest, oldest_origin = self._idle.popitem(last=False)
            self._idle_at[oldest_origin].remove(oldest)
            await oldest.aclose()

    async def aclose(self) -> None:
        connections = [*self._idle, *self._busy]
        self._idle.clear()
        self._idle_at.clear()
        self._busy.clear()
        for connection in connections:
            await connection.aclose()
