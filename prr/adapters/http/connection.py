"""One HTTP/1.1 connection under the probes' client: h11 speaks the protocol, an asyncio
`Protocol` holds the socket (socket_protocol.py).

httpcore's connection guards every request with anyio locks, cancel shields and traces,
and its streams put a StreamReader and StreamWriter on every socket: most of the CPU a
probe spent below httpx. A probe connection carries one request at a time (the pool hands
it out, the fetcher holds the limits), so it only writes what h11 produces and feeds h11
what arrives, every wait bounded by the request's connect, read or write timeout."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from typing import Any

import h11
import httpx

from prr.adapters.http.socket_protocol import SocketProtocol

Origin = tuple[bytes, bytes, int]  # (scheme, host, port)

MAX_HEAD = 100 * 1024  # the largest response head accepted (httpcore's limit)


async def _content(request: httpx.Request) -> list[bytes]:
    """The request body (empty for a GET: httpx has it in memory unless it is streamed)."""
    try:
        return [request.content]
    except httpx.RequestNotRead:
        return [chunk async for chunk in request.stream]  # type: ignore[union-attr]


class Connection:
    """An HTTP/1.1 connection to one origin, opened by its first request."""

    def __init__(self, origin: Origin, ssl_context: ssl.SSLContext) -> None:
        self.origin = origin
        self._ssl = ssl_context
        self._socket: SocketProtocol | None = None
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        self.idle_since: float | None = None  # loop time it went idle; None while in use

    def reusable(self) -> bool:
        """Whether a new request may go out on it: the last exchange ended cleanly and the
        server has neither closed it nor sent anything unasked since."""
        socket = self._socket
        unasked, _ = self._h11.trailing_data  # what came after the last response
        return (
            socket is not None
            and not socket.ended
            and not socket.has_unread
            and not unasked
            and self._h11.our_state is h11.IDLE
            and self._h11.their_state is h11.IDLE
        )

    async def send(self, request: httpx.Request) -> tuple[h11.Response, dict[str, Any]]:
        """Send `request` and read the response head; the body follows from `body`."""
        timeouts = request.extensions.get("timeout", {})
        if self._socket is None:
            self._socket = await self._connect(timeouts.get("connect"))
        url = request.url
        try:
            out = [self._h11.send(h11.Request(method=request.method, target=url.raw_path, headers=request.headers.raw))]
            for chunk in await _content(request):
                if chunk:
                    out.append(self._h11.send(h11.Data(data=chunk)))
            out.append(self._h11.send(h11.EndOfMessage()))
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc)) from exc
        await self._socket.write(b"".join(part for part in out if part), timeouts.get("write"))
        read_timeout = timeouts.get("read")
        while True:
            event = await self._next_event(read_timeout)
            if isinstance(event, h11.Response):
                return event, {"http_version": b"HTTP/1.1", "reason_phrase": event.reason, "network_stream": self}
            if not isinstance(event, h11.InformationalResponse):
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    async def body(self, read_timeout: float | None) -> AsyncIterator[bytes]:
        """The response body's chunks, as they arrive."""
        while True:
            event = await self._next_event(read_timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return

    def finish(self) -> bool:
        """Ready the connection for its next request; False when the exchange did not end
        cleanly (or the server asked to close), and it must be closed."""
        if self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
            self._h11.start_next_cycle()
            return self.reusable()
        return False

    def close(self) -> None:
        """Hang up; the transport flushes and closes in the background."""
        if self._socket is not None and self._socket.transport is not None:
            self._socket.transport.close()

    def get_extra_info(self, info: str) -> Any:
        """What certificates.py asks of a response's network stream ("ssl_object")."""
        transport = None if self._socket is None else self._socket.transport
        return None if transport is None else transport.get_extra_info(info)

    async def _next_event(self, read_timeout: float | None) -> Any:
        assert self._socket is not None
        try:
            while True:
                event = self._h11.next_event()
                if event is not h11.NEED_DATA:
                    return event
                self._h11.receive_data(await self._socket.read(read_timeout))
        except h11.RemoteProtocolError as exc:
            raise httpx.RemoteProtocolError(str(exc)) from exc

    async def _connect(self, timeout: float | None) -> SocketProtocol:
        scheme, raw_host, port = self.origin
        host = raw_host.decode("ascii")
        tls = scheme == b"https"
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, socket = await loop.create_connection(
                    lambda: SocketProtocol(loop),
                    host,
                    port,
                    ssl=self._ssl if tls else None,
                    server_hostname=host if tls else None,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout("timed out connecting") from None
        except OSError as exc:  # ssl.SSLError (a failed verification too) is an OSError
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        return socket
