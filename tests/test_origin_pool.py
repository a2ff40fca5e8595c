"""The connection pool under the probes' client (prr/adapters/http/origin_pool.py), against
real servers on loopback that count the connections they accept.

A connection is reused only by the next request to the same origin, and only after a
clean, complete exchange; one the server closed is replaced, not reused; idle ones are
bounded and closed with the pool; what goes wrong on a connection reaches callers as httpx's
exceptions."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from prr.adapters.http.client import _ssl_context, owned_client
from prr.adapters.http.origin_pool import OriginPool
from prr.workflow.endpoint_probing import event_loop_factory

TIMEOUT = httpx.Timeout(2.0)


@dataclass
class Counting:
    """A keep-alive HTTP/1.1 server: answers every request with `body`, counts connections,
    and records each request's headers; `close_after` closes a connection after N answers."""

    body: bytes = b"ok"
    close_after: int | None = None
    extra_headers: str = ""
    connections: int = 0
    closed: int = 0  # connections the client hung up
    requests: list[dict[str, str]] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        answered = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")[1:]
                fields = (line.partition(":") for line in lines if line)
                self.requests.append({name.lower(): value.strip() for name, _, value in fields})
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s"
                    % (len(self.body), self.extra_headers.encode(), self.body)
                )
                await writer.drain()
                answered += 1
                if self.close_after is not None and answered >= self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed += 1
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def serving(server: Counting) -> AsyncIterator[str]:
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        listener.close()


def pool(max_idle: int = 8) -> OriginPool:
    return OriginPool(verify=_ssl_context(None), max_idle=max_idle)


async def get(client: httpx.AsyncClient, url: str) -> httpx.Response:
    response = await client.get(url, timeout=TIMEOUT)
    assert response.status_code == 200
    return response


def test_requests_in_turn_to_one_origin_share_one_connection() -> None:
    async def go() -> Counting:
        server = Counting()
        async with serving(server) as base, httpx.AsyncClient(transport=pool()) as client:
            for path in ("/a", "/b", "/c"):
                await get(client, base + path)
        return server

    assert asyncio.run(go()).connections == 1


def test_requests_in_flight_together_each_have_their_own_connection() -> None:
    async def go() -> Counting:
        server = Counting()
        async with serving(server) as base, httpx.AsyncClient(transport=pool()) as client:
            await asyncio.gather(get(client, base + "/a"), get(client, base + "/b"))
        return server

    assert asyncio.run(go()).connections == 2


def test_each_origin_has_its_own_connections() -> None:
    async def go() -> tuple[Counting, Counting]:
        first, second = Counting(), Counting()
        async with serving(first) as one, serving(second) as two, httpx.AsyncClient(transport=pool()) as client:
            for base in (one, two, one, two):
                await get(client, base + "/")
        return first, second

    first, second = asyncio.run(go())
    assert (first.connections, second.connections) == (1, 1)


def test_a_connection_the_server_closed_is_replaced_not_reused() -> None:
    async def go() -> Counting:
        server = Counting(close_after=1)
        async with serving(server) as base, httpx.AsyncClient(transport=pool()) as client:
            await get(client, base + "/a")
            await asyncio.sleep(0.05)  # the server's close reaches the idle connection
            await get(client, base + "/b")
        return server

    server = asyncio.run(go())
    assert server.connections == 2
    assert len(server.requests) == 2


def test_a_body_left_unread_closes_its_connection_instead_of_reusing_it() -> None:
    async def go() -> Counting:
        server = Counting(body=b"x" * 200_000)
        async with serving(server) as base, httpx.AsyncClient(transport=pool()) as client:
            async with client.stream("GET", base + "/big", timeout=TIMEOUT) as response:
                async for _ in response.aiter_raw():
                    break
            await get(client, base + "/next")
        return server

    assert asyncio.run(go()).connections == 2


def test_no_more_idle_connections_are_kept_than_allowed_the_oldest_closing_first() -> None:
    async def go() -> tuple[int, int, int]:
        first, second = Counting(), Counting()
        async with serving(first) as one, serving(second) as two:
            async with httpx.AsyncClient(transport=pool(max_idle=1)) as client:
                await get(client, one + "/")
                await get(client, two + "/")  # one idle connection allowed: the first one's closes
                await asyncio.sleep(0.05)
                closed = first.closed
                await get(client, one + "/")
            return closed, first.connections, second.connections

    assert asyncio.run(go()) == (1, 2, 1)


def test_closing_the_pool_closes_its_idle_connections() -> None:
    async def go() -> Counting:
        server = Counting()
        async with serving(server) as base:
            async with httpx.AsyncClient(transport=pool()) as client:
                await get(client, base + "/")
            await asyncio.sleep(0.05)
            return server

    assert asyncio.run(go()).closed == 1


def test_a_refused_connection_is_httpx_connect_error() -> None:
    async def go() -> None:
        listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        listener.close()
        await listener.wait_closed()
        async with httpx.AsyncClient(transport=pool()) as client:
            await client.get(f"http://127.0.0.1:{port}/", timeout=TIMEOUT)

    with pytest.raises(httpx.ConnectError):
        asyncio.run(go())


def test_a_server_that_never_answers_is_httpx_read_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        await asyncio.sleep(5)

    async def go() -> None:
        listener = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        try:
            async with httpx.AsyncClient(transport=pool()) as client:
                await client.get(f"http://127.0.0.1:{port}/", timeout=httpx.Timeout(0.2))
        finally:
            listener.close()

    with pytest.raises(httpx.ReadTimeout):
        asyncio.run(go())


async def answer_with(raw: bytes, *, then_close: bool = True) -> tuple[asyncio.Server, str]:
    """A server that answers every request head with `raw` bytes (and hangs up if asked)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(raw)
                await writer.drain()
                if then_close:
                    break
        writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    return listener, f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}/"


def bodies_from(raw: bytes, gets: int = 1, *, then_close: bool = True) -> list[bytes]:
    """The bodies of `gets` GETs through one pool from a server answering each with `raw`."""

    async def go() -> list[bytes]:
        listener, url = await answer_with(raw, then_close=then_close)
        try:
            async with httpx.AsyncClient(transport=pool()) as client:
                return [(await get(client, url)).content for _ in range(gets)]
        finally:
            listener.close()

    return asyncio.run(go())


def test_a_chunked_body_after_an_interim_response_is_read_whole() -> None:
    raw = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    assert bodies_from(raw, 2, then_close=False) == [b"hello world", b"hello world"]


def test_a_connection_with_more_sent_than_was_asked_for_is_not_reused() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale"
    assert bodies_from(raw, 2, then_close=False) == [b"ok", b"ok"]


def test_a_server_hanging_up_mid_body_is_an_httpx_protocol_error() -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        bodies_from(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")


def test_an_answer_that_is_not_http_is_an_httpx_protocol_error() -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        bodies_from(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")


def test_a_connection_the_server_asked_to_close_is_not_reused() -> None:
    async def go() -> Counting:
        server = Counting(extra_headers="Connection: close\r\n")
        async with serving(server) as base, httpx.AsyncClient(transport=pool()) as client:
            await get(client, base + "/a")
            await get(client, base + "/b")
        return server

    assert asyncio.run(go()).connections == 2


def test_a_server_that_stops_reading_is_httpx_write_timeout() -> None:
    async def deaf(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async def go() -> None:
        listener = await asyncio.start_server(deaf, "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        try:
            async with httpx.AsyncClient(transport=pool()) as client:
                body = b"x" * (64 * 1024 * 1024)  # more than the kernel buffers on both ends
                await client.post(f"http://127.0.0.1:{port}/", content=body, timeout=httpx.Timeout(0.3))
        finally:
            listener.close()

    with pytest.raises(httpx.WriteTimeout):
        asyncio.run(go())


def test_the_probes_client_never_sends_a_cookie_an_endpoint_set() -> None:
    async def go() -> Counting:
        server = Counting(extra_headers="Set-Cookie: session=s3cr3t; Path=/\r\n")
        async with serving(server) as base:
            client, _ = owned_client(ca_file=None, connections=4, timeout=TIMEOUT)
            async with client:
                await get(client, base + "/login")
                await get(client, base + "/next")
                assert not client.cookies
        return server

    server = asyncio.run(go())
    assert len(server.requests) == 2
    assert "cookie" not in server.requests[1]


def test_endpoint_probes_run_on_uvloop_where_it_is_installed() -> None:
    uvloop = pytest.importorskip("uvloop")
    factory = event_loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
