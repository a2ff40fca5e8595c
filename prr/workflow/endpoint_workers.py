"""How endpoint probes are spread over one process per core, when there are enough to keep
more than one core busy.

Hundreds of probes in flight are bound by the event loop's CPU, not by the network: one
loop on one core falls behind its own concurrency limit. Each worker gets whole hosts (so
the per-host limit still holds) and a share of the global limit (so the total in flight
never exceeds it) and runs the same probing code; the calling process is one of them, the
forked others send their findings back."""

from __future__ import annotations

from urllib.parse import urlsplit

from prr.adapters.cores import usable_cores
from prr.probes.endpoint_api import Endpoint
from prr.workflow.forked import may_fork

MIN_REQUESTS_PER_WORKER = 64  # below this, starting a process costs more than it saves


def worker_count(requests: int, limit: int, hosts: int) -> int:
    """How many processes to use: one per usable core, at most one per host and per slot
    of the concurrency limit, and one only when this process may not fork (`may_fork`)."""
    if not may_fork():
        return 1
    return max(1, min(usable_cores(), requests // MIN_REQUESTS_PER_WORKER, limit, hosts))


def host_of(endpoint: Endpoint) -> str:
    return (urlsplit(endpoint.url).hostname or "").lower()


def by_host(targets: list[Endpoint]) -> dict[str, list[int]]:
    """Indices of `targets` by host name, each URL parsed once."""
    groups: dict[str, list[int]] = {}
    for index, target in enumerate(targets):
        groups.setdefault(host_of(target), []).append(index)
    return groups


def shares(groups: dict[str, list[int]], workers: int) -> list[list[int]]:
    """Indices per worker from `by_host` groups: each host's endpoints together, the
    busiest hosts placed first on the least loaded worker."""
    parts: list[list[int]] = [[] for _ in range(max(1, workers))]
    for indices in sorted(groups.values(), key=len, reverse=True):
        min(parts, key=len).extend(indices)
    return [sorted(part) for part in parts if part]


def limit_shares(limit: int, parts: list[list[int]]) -> list[int]:
    """Each worker's part of the global concurrency limit, in proportion to its endpoints;
    together never more than `limit`."""
    total = sum(len(part) for part in parts)
    return [max(1, limit * len(part) // total) for part in parts]
