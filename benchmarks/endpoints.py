"""Endpoint probes at scale: 500 endpoints on 127.0.0.1-127.0.0.10, each answering after
200 ms (benchmarks/slow_servers.py: real HTTP/1.1 servers in one separate process), probed
through prr's real path (run_endpoint_probes, the bounded fetcher, the health probe).

- with the concurrency limit set to 100: target <= 1.3 s wall (floor: 5 rounds x 0.2 s);
- with the defaults (limit 32): target <= 1.3 x ceil(N / limit) x latency;
- a sequential baseline in the same run (limit 1, on a sample of endpoints, scaled to N);
- CPU per probe (CPU time of prr and of the worker processes it started / N): target <= 2 ms.

Run: python benchmarks/endpoints.py [--endpoints 500] [--delay 0.2]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import random
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

from report import write_section

from prr.probes.endpoint_api import RepoFacts
from prr.workflow.endpoint_probing import event_loop_factory, run_endpoint_probes
from prr.workflow.endpoint_settings import EndpointSettings
from prr.workflow.endpoint_workers import worker_count

HERE = Path(__file__).resolve().parent


def free_base(count: int) -> int:
    """A base port below the ephemeral range with `count` free ports on every 127.0.0.x."""
    rng = random.Random()
    for _ in range(50):
        base = rng.randrange(20000, 30000 - count)
        if all(_free(f"127.0.0.{host}", base + offset) for host in range(1, 11) for offset in range(count)):
            return base
    raise SystemExit("no free port range found")


def _free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (prr's worker processes; the
    server process finishes only after every measurement)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bare_client(urls: list[str], concurrency: int) -> float:
    """Wall seconds for a bare asyncio client to GET every URL at the same concurrency, on
    the event loop prr uses (uvloop where installed), in one process."""

    async def all_of() -> None:
        limit = asyncio.Semaphore(concurrency)

        async def one(url: str) -> None:
            host, port = url.split("/")[2].split(":")
            async with limit:
                reader, writer = await asyncio.open_connection(host, int(port))
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n" % host.encode())
                await reader.readuntil(b"\r\n\r\n")
                writer.close()

        await asyncio.gather(*(one(url) for url in urls))

    start = time.perf_counter()
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(all_of())
    return time.perf_counter() - start


def run(urls: list[str], concurrency: int) -> tuple[float, float, int]:
    settings = EndpointSettings(
        urls=tuple((u, "--endpoint") for u in urls), allow_private=True, concurrency=concurrency
    )
    wall, cpu = time.perf_counter(), cpu_seconds()
    results = run_endpoint_probes([("health", "health-endpoint", {"paths": ["/healthz"], "latency_budget_ms": 5000})],
                                  settings, RepoFacts())  # fmt: skip
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    passed = sum(1 for f in results["health"] if f.outcome.value == "pass")
    return wall, cpu, passed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoints", type=int, default=500)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--sequential-sample", type=int, default=20)
    args = parser.parse_args()
    gc.set_threshold(50_000, 20, 100)  # the collector as `prr` runs it (prr/cli/main.py: main)
    per_host = math.ceil(args.endpoints / 10)
    base = free_base(per_host)
    server = subprocess.Popen(
        [sys.executable, str(HERE / "slow_servers.py"), str(base), str(per_host), str(args.delay)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert server.stdout is not None and server.stdin is not None
    if server.stdout.readline().strip() != "ready":
        raise SystemExit("slow servers did not start")
    urls = [f"http://127.0.0.{i % 10 + 1}:{base + i // 10}/" for i in range(args.endpoints)]
    try:
        run(urls[:5], 5)  # warm-up: imports, first connections
        rows = []
        for limit in (100, 32):
            wall, cpu, passed = run(urls, limit)
            floor = math.ceil(args.endpoints / limit) * args.delay
            rows.append((limit, wall, floor, cpu, passed, bare_client(urls, limit)))
        sample = urls[: args.sequential_sample]
        seq_wall, _, _ = run(sample, 1)
        sequential = seq_wall / len(sample) * args.endpoints
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    lines = [
        "| concurrency limit | processes | wall | floor ceil(N/limit) x latency | x floor | machine floor (bare client)"
        " | CPU per probe | passed | x faster than sequential |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for limit, wall, floor, cpu, passed, bare in rows:
        per_probe = cpu / args.endpoints * 1000
        processes = worker_count(args.endpoints, limit, 10)
        lines.append(
            f"| {limit} | {processes} | {wall:.2f} s | {floor:.2f} s | {wall / floor:.2f} | {bare:.2f} s "
            f"({bare / floor:.2f} x floor) | {per_probe:.2f} ms | "
            f"{passed}/{args.endpoints} | {sequential / wall:.0f} |"
        )
        wall_ok = "met" if wall / floor <= 1.3 else "**not met**"
        cpu_ok = "met" if per_probe <= 2 else "**not met**"
        verdicts.append(
            f"- limit {limit}: {wall / floor:.2f} x floor (target <= 1.3): {wall_ok}; "
            f"CPU {per_probe:.2f} ms per probe (target <= 2 ms): {cpu_ok}"
        )
    body = (
        "## Endpoint probes at scale (`benchmarks/endpoints.py`)\n\n"
        f"{args.endpoints} endpoints on 127.0.0.1-127.0.0.10, each answering after {args.delay * 1000:.0f} ms: "
        "real HTTP/1.1 servers on real sockets (keep-alive), all in one separate process on the same machine "
        "(an asyncio Protocol on uvloop, one timer per request, a prepared response);\n"
        "the health probe through `run_endpoint_probes` and the bounded fetcher, spread over one process per "
        "usable core as prr does by default (this process probes one share, forked workers the others), "
        "with the garbage collector's thresholds `prr` sets. "
        "The machine floor is a bare asyncio client (connect, send GET, read the response head, close) on "
        "the same event loop in one process, at the same limit in the same run: what this shared machine "
        "allowed at that moment. "
        f"Sequential baseline: {seq_wall / len(sample) * 1000:.0f} ms per endpoint over {len(sample)} endpoints, "
        f"{sequential:.0f} s for all.\n\n" + "\n".join(lines) + "\n\n" + "\n".join(verdicts)
    )
    write_section("endpoints", body)
    print(body)


if __name__ == "__main__":
    main()
