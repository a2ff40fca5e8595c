"""Several small httpcore pools behind one transport, because one big pool cannot keep up
with its own concurrency limit."""

from __future__ import annotations

import math
import ssl
from collections.abc import AsyncIterator, Callable

import httpx

_SHARD_SIZE = 2  # connections per httpcore pool (see ShardedTransport)


class _CountedStream(httpx.AsyncByteStream):
    """A response body that tells its shard when it is closed."""

    def __init__(self, stream: httpx.AsyncByteStream, done: Callable[[], None]) -> None:
        self._stream = stream
        self._done: Callable[[], None] | None = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._done is not None:
                self._done, done = None, self._done
                done()


class ShardedTransport(httpx.AsyncBaseTransport):
    """Several small httpcore pools behind one transport, each request going to the least
    busy. httpcore's pool does work quadratic in its size on every request and response
    (`_assign_requests_to_connections`); at 100 connections that is tens of milliseconds of
    CPU per request, so one big pool cannot keep up with its own concurrency limit."""

    def __init__(self, *, verify: ssl.SSLContext, connections: int, proxy: str | None = None) -> None:
        count = max(1, math.ceil(connections / _SHARD_SIZE))
        size = math.ceil(connections / count)
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        self._shards = [httpx.AsyncHTTPTransport(verify=verify, limits=limits, proxy=proxy) for _ in range(count)]
        self._busy = [0] * count
        self._last: list[tuple[bytes, bytes, int | None] | None] = [None] * count  # origin last served

    def _pick(self, origin: tuple[bytes, bytes, int | None]) -> int:
        """The least busy shard, preferring one that last served `origin` (its connection
        may be reused) to one that would have to open another."""
        busy, last = self._busy, self._last
        best, best_key = 0, (busy[0], last[0] != origin)
        for index in range(1, len(busy)):
            key = (busy[index], last[index] != origin)
            if key < best_key:
                best, best_key = index, key
        return best

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin = (url.raw_scheme, url.raw_host, url.port)
        busy = self._busy
        index = self._pick(origin) if len(busy) > 1 else 0
        busy[index] += 1
        self._last[index] = origin

        def done() -> None:
            busy[index] -= 1

        try:
            response = await self._shards[index].handle_async_request(request)
        except BaseException:
            done()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _CountedStream(response.stream, done)
        return response

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.aclose()
