"""Endpoint probes over several processes (prr/workflow/endpoint_workers.py and
run_endpoint_probes): whole hosts per worker, the global limit shared out, the same
findings in the same order as one process, and a killed worker costs error findings,
not the run."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from prr.adapters.cores import usable_cores
from prr.domain.findings import Outcome
from prr.probes.endpoint_api import Endpoint, RepoFacts
from prr.workflow import endpoint_probing
from prr.workflow.endpoint_probing import run_endpoint_probes
from prr.workflow.endpoint_settings import EndpointSettings
from prr.workflow.endpoint_workers import MIN_REQUESTS_PER_WORKER, by_host, limit_shares, shares, worker_count

if TYPE_CHECKING:
    from endpoint_servers import Servers

pytest_plugins = ("endpoint_servers",)

HEALTH = ("health", "health-endpoint", {"paths": ["/healthz"], "latency_budget_ms": 5000})
HEADERS = ("headers", "security-headers", {})


def endpoint(url: str) -> Endpoint:
    return Endpoint(url=url, shown=url, source="--endpoint")


def test_each_host_stays_in_one_worker_and_every_endpoint_is_probed_once() -> None:
    targets = [endpoint(f"http://10.0.0.{i % 3}:{8000 + i}/") for i in range(9)]
    parts = shares(by_host(targets), 2)
    assert sorted(i for part in parts for i in part) == list(range(9))
    for part in parts:
        hosts = {targets[i].url.split(":")[1] for i in part}
        assert all(not (hosts & {targets[i].url.split(":")[1] for i in other}) for other in parts if other is not part)


def test_the_busiest_hosts_are_spread_first() -> None:
    targets = [endpoint("http://a/")] * 4 + [endpoint("http://b/")] * 3 + [endpoint("http://c/")] * 2
    assert sorted(len(part) for part in shares(by_host(targets), 2)) == [4, 5]


def test_one_host_is_never_split() -> None:
    targets = [endpoint(f"http://only.example:{8000 + i}/") for i in range(10)]
    assert shares(by_host(targets), 4) == [list(range(10))]


def test_the_workers_limits_add_up_to_no_more_than_the_global_limit() -> None:
    parts = [list(range(0, 70)), list(range(70, 100))]
    assert limit_shares(32, parts) == [22, 9]
    assert sum(limit_shares(100, [[0], [1], [2]])) <= 100


def test_one_process_for_few_requests_and_one_per_core_for_many(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # other tests' server threads aside
    cores = usable_cores()
    assert worker_count(MIN_REQUESTS_PER_WORKER - 1, 32, 10) == 1
    assert worker_count(MIN_REQUESTS_PER_WORKER * 64, 32, 10) == min(cores, 10)
    assert worker_count(MIN_REQUESTS_PER_WORKER * 64, 32, 1) == 1  # one host: its limit must hold


def test_a_process_with_other_threads_is_never_forked() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert worker_count(10_000, 32, 10) == 1
    finally:
        stop.set()
        other.join()


def test_probes_run_from_a_thread_stay_in_one_process() -> None:
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(worker_count(10_000, 32, 10)))
    thread.start()
    thread.join()
    assert seen == [1]


def settings_for(servers: Servers, count: int) -> EndpointSettings:
    """`count` endpoints spread over two host names for the same loopback servers."""
    names = ("healthy", "health_fail", "error")
    urls = []
    for i in range(count):
        url = servers.url(names[i % 3], f"/?n={i}")
        if i % 2:
            url = url.replace("127.0.0.1", "localhost")
        urls.append((url, "--endpoint"))
    return EndpointSettings(urls=tuple(urls), allow_private=True, concurrency=8)


def summary(results: dict[str, list]) -> dict[str, list[tuple[str, str]]]:
    return {key: [(f.outcome.value, f.message.split(" in ")[0]) for f in found] for key, found in results.items()}


def before_each_share(monkeypatch: pytest.MonkeyPatch, fault: Callable[[list[Any], list[int]], None]) -> None:
    """Call fault(targets, indices) in whichever process is about to probe a share: it may
    kill that process or raise."""
    real = endpoint_probing._probe_share

    def share(calls, targets, indices, settings, facts, once):  # type: ignore[no-untyped-def]
        fault(targets, indices)
        return real(calls, targets, indices, settings, facts, once)

    monkeypatch.setattr(endpoint_probing, "_probe_share", share)


def test_two_processes_give_the_same_findings_in_the_same_order_as_one(endpoint_servers: Servers) -> None:
    live = settings_for(endpoint_servers, 12)
    one = run_endpoint_probes([HEALTH, HEADERS], live, RepoFacts(), workers=1)
    two = run_endpoint_probes([HEALTH, HEADERS], live, RepoFacts(), workers=2)
    assert summary(two) == summary(one)
    assert {f.outcome for f in one["health"]} == {Outcome.PASS, Outcome.FAIL}


def test_a_worker_that_is_killed_costs_error_findings_for_its_endpoints_only(
    endpoint_servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = settings_for(endpoint_servers, 6)
    parent = os.getpid()

    def dies_on_localhost(targets: list[Any], indices: list[int]) -> None:
        if os.getpid() != parent and "localhost" in targets[indices[0]].url:
            os.kill(os.getpid(), signal.SIGKILL)

    before_each_share(monkeypatch, dies_on_localhost)
    results = run_endpoint_probes([HEALTH], live, RepoFacts(), workers=2)["health"]
    assert len(results) == 6
    lost = [i for i, f in enumerate(results) if "ended abruptly" in f.message]
    assert lost == [1, 3, 5]
    assert all(results[i].outcome is Outcome.ERROR for i in lost)


def test_a_failure_in_this_process_stops_the_forked_workers_too(
    endpoint_servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = settings_for(endpoint_servers, 6)
    parent = os.getpid()

    def fails_here(targets: list[Any], indices: list[int]) -> None:
        if os.getpid() == parent:
            raise RuntimeError("broken in the parent")

    before_each_share(monkeypatch, fails_here)
    with pytest.raises(RuntimeError, match="broken in the parent"):
        run_endpoint_probes([HEALTH], live, RepoFacts(), workers=2)
    assert not multiprocessing.active_children()
