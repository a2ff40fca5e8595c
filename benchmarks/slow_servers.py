"""Many slow HTTP servers for benchmarks/endpoints.py: one process, asyncio, loopback only.

Listens on 127.0.0.1-127.0.0.10 with PORTS ports each; every request is answered after
DELAY seconds with a passing application/health+json body. Prints "ready" when listening
and runs until stdin closes.

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


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                break
            await asyncio.sleep(delay)
            writer.write(RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(base: int, ports: int, delay: float) -> None:
    servers = []
    for host in range(1, 11):
        for offset in range(ports):
            servers.append(
                await asyncio.start_server(
                    lambda r, w: handle(r, w, delay), f"127.0.0.{host}", base + offset, backlog=512
                )
            )
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for server in servers:
        server.close()


if __name__ == "__main__":
    try:  # a quicker server leaves more of the shared machine to the client being measured
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
