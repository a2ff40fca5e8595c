"""The socket side of a probe connection: what arrives, buffered until read (reading paused
past a bound), and writes that wait for the kernel's buffer only when it is full, every
wait bounded by a timeout. Plain asyncio `Protocol` callbacks, no streams: cheaper per
connection than a StreamReader and StreamWriter."""

from __future__ import annotations

import asyncio

import httpx

READ_BUFFER = 64 * 1024  # unread bytes held before the socket stops being read


class SocketProtocol(asyncio.Protocol):
    """What has arrived on a connection, until read; writing paused when the kernel's
    buffer is full."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self._received: list[bytes] = []
        self._size = 0
        self._reading_paused = False
        self.ended = False  # end of stream or connection lost: nothing more will arrive
        self._error: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._drained: asyncio.Future[None] | None = None  # while writing is paused

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._received.append(data)
        self._size += len(data)
        if self._size > READ_BUFFER and not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> None:
        self.ended = True
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self._error = exc
        self._wake()
        self.resume_writing()

    def pause_writing(self) -> None:
        self._drained = self._loop.create_future()

    def resume_writing(self) -> None:
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    @property
    def has_unread(self) -> bool:
        return bool(self._received)

    async def read(self, timeout: float | None) -> bytes:
        """All bytes received so far, waiting up to `timeout` for some; b"" at the end."""
        if not self._received and not self.ended:
            self._waiter = self._loop.create_future()
            timer = None if timeout is None else self._loop.call_later(timeout, _expire, self._waiter)
            try:
                await self._waiter
            except TimeoutError:
                raise httpx.ReadTimeout("timed out reading") from None
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
        if not self._received:
            if self._error is not None:
                raise httpx.ReadError(str(self._error) or type(self._error).__name__) from self._error
            return b""
        data = self._received[0] if len(self._received) == 1 else b"".join(self._received)
        self._received.clear()
        self._size = 0
        if self._reading_paused and self.transport is not None:
            self._reading_paused = False
            self.transport.resume_reading()
        return data

    async def write(self, data: bytes, timeout: float | None) -> None:
        if self.ended or self.transport is None or self.transport.is_closing():
            raise httpx.WriteError("the connection is closed")
        self.transport.write(data)
        drained = self._drained
        if drained is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(drained), timeout)
        except TimeoutError:
            raise httpx.WriteTimeout("timed out writing") from None


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())
