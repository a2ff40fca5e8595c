"""Many slow HTTP/1.1 servers for benchmarks/endpoints.py: one process, loopback only.

Listens on 127.0.0.1-127.0.0.10 with PORTS ports each, on real sockets; every request
(a GET: its head ends the request) is answered DELAY seconds after it arrived with a
passing application/health+json body, and the connection is kept open for the next
(keep-alive), as a real service would. Prints "ready" when listening and runs until
stdin closes.

A raw asyncio Protocol on uvloop with one timer per request and a response prepared once:
the server shares the machine with the client being measured, and the less CPU it takes,
the less it skews the client's wall time (the bare client in the same run shows what it
leaves).

Run: python benchmarks/slow_servers.py BASE_PORT PORTS DELAY
"""

from __future__ import annotations

import asyncio
import sys

BODY = b'{"status": "pass"}'
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/health+json\r\nContent-Length: %d\r\n\r\n%s" % (
    len(BODY),
    BODY,
)
END_OF_HEAD = b"\r\n\r\n"


class SlowHttp(asyncio.Protocol):
    """One connection: each complete request head is answered `delay` seconds later."""

    def __init__(self, delay: float) -> None:
        self._delay = delay
        self._pending = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        data = self._pending + data
        loop = asyncio.get_running_loop()
        start = 0
        while (end := data.find(END_OF_HEAD, start)) >= 0:
            loop.call_later(self._delay, self._answer)
            start = end + len(END_OF_HEAD)
        self._pending = data[start:]

    def _answer(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(RESPONSE)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None


async def main(base: int, ports: int, delay: float) -> None:
    loop = asyncio.get_running_loop()
    servers = []
    for host in range(1, 11):
        for offset in range(ports):
            servers.append(
                await loop.create_server(lambda: SlowHttp(delay), f"127.0.0.{host}", base + offset, backlog=512)
            )
    print("ready", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    for server in servers:
        server.close()


if __name__ == "__main__":
    try:  # uvloop's event loop takes about a third of asyncio's CPU
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
