"""Run the endpoint probes a pack asks for against the live endpoints, concurrently and
within the fetcher's bounds, and scrub every finding of the secrets the user handed in."""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
from collections.abc import Callable, Mapping, Sequence
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

from prr.adapters.http_fetch import FetchPolicy, HttpFetcher
from prr.domain.errors import InputError
from prr.domain.findings import Finding, Location, Outcome, probe_failed
from prr.domain.redaction import redact_url, scrub, secrets_in
from prr.probes.endpoint import ENDPOINT_PROBES
from prr.probes.endpoint_api import Endpoint, EndpointContext, RepoFacts
from prr.workflow.endpoint_settings import EndpointSettings
from prr.workflow.endpoint_workers import by_host, limit_shares, shares, worker_count


def endpoints(settings: EndpointSettings) -> list[Endpoint]:
    found = []
    for url, source in settings.urls:
        if not url.lower().startswith(("http://", "https://")):
            raise InputError(f"{redact_url(url)}: endpoints must be http:// or https:// URLs ({source})")
        if not _host(url):
            raise InputError(f"{redact_url(url)}: the URL names no host ({source})")
        found.append(Endpoint(url=url, shown=redact_url(url), source=source))
    return found


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # a malformed port or IPv6 literal: the fetch says what is wrong
        return "?"


Call = tuple[str, str, Mapping[str, object]]  # (call key, probe id, params)
Found = list[tuple[str, int, list[Finding]]]  # (call key, target index, findings)


def run_endpoint_probes(
    calls: Sequence[Call],
    settings: EndpointSettings,
    facts: RepoFacts,
    workers: int | None = None,
) -> dict[str, list[Finding]]:
    """Findings per call key for (key, probe id, params) calls, over every endpoint, in
    target order. `workers` processes share the endpoints (None: one per usable core
    when there are enough requests; see endpoint_workers)."""
    targets = endpoints(settings)
    secrets = secrets_in([url for url, _ in settings.urls], settings.headers)
    groups = by_host(targets) if workers != 1 else {}
    if workers is None:
        per_endpoint = sum(1 for _, probe_id, _ in calls if ENDPOINT_PROBES[probe_id].per_endpoint)
        workers = worker_count(len(targets) * per_endpoint, settings.concurrency, len(groups))
    parts = shares(groups, workers) if workers > 1 else [list(range(len(targets)))]
    if len(parts) == 1:
        found = _probe_share(calls, targets, parts[0], settings, facts, True)
    else:
        found = _in_workers(calls, targets, parts, settings, facts)
    results: dict[str, list[Finding]] = {}
    for key, _, findings in sorted(found, key=lambda item: item[1]):  # stable: call order kept
        results.setdefault(key, []).extend(_scrubbed(f, secrets) for f in findings)
    return results


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (not on Windows): hundreds of probes in flight are
    bound by the event loop's own CPU, and uvloop's is about a third of asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _probe_share(
    calls: Sequence[Call],
    targets: list[Endpoint],
    indices: list[int],
    settings: EndpointSettings,
    facts: RepoFacts,
    once: bool,
) -> Found:
    """The findings for the targets at `indices` (and the once-per-review probes if `once`)."""
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        return runner.run(_run(calls, targets, indices, settings, facts, once))


def _in_workers(
    calls: Sequence[Call],
    targets: list[Endpoint],
    parts: list[list[int]],
    settings: EndpointSettings,
    facts: RepoFacts,
) -> Found:
    """The first part in this process, each other in a forked one whose findings come back
    over a pipe (this process would only wait otherwise, and a fork costs its child a copy
    of every page it touches). A worker that dies costs its own part an error finding per
    probe and endpoint, never the other parts, the run, or a hang."""
    context = multiprocessing.get_context("fork")
    caps = limit_shares(settings.concurrency, parts)
    running = []
    for part, cap in zip(parts[1:], caps[1:], strict=True):
        receive, send = context.Pipe(duplex=False)
        share = dataclasses.replace(settings, concurrency=cap)
        worker = context.Process(target=_worker, args=(send, calls, targets, part, share, facts, False), daemon=True)
        worker.start()
        send.close()
        running.append((part, worker, receive))
    try:
        found = _probe_share(calls, targets, parts[0], dataclasses.replace(settings, concurrency=caps[0]), facts, True)
    except BaseException:
        for _, worker, receive in running:
            worker.terminate()
            worker.join()
            receive.close()
        raise
    for part, worker, receive in running:
        try:
            result = receive.recv()
        except EOFError:  # the worker died before it could answer
            result = _lost(calls, part)
        finally:
            receive.close()
            worker.join()
        if isinstance(result, BaseException):
            raise result
        found += result
    return found


def _worker(send: Connection, *job: Any) -> None:
    """A worker process: probe its part, send the findings (or what went wrong) back."""
    try:
        send.send(_probe_share(*job))
    except Exception as exc:  # re-raised in the parent, as in one process
        send.send(exc)
    finally:
        send.close()


def _lost(calls: Sequence[Call], indices: list[int]) -> Found:
    """What a forked worker's part gets when the worker died (the once-per-review probes
    run in this process)."""
    message = "not probed: the worker process probing this endpoint ended abruptly (killed or out of memory)"
    lost: Found = []
    for key, probe_id, _ in calls:
        if ENDPOINT_PROBES[probe_id].per_endpoint:
            lost.extend((key, index, [Finding(probe_id, Outcome.ERROR, message)]) for index in indices)
    return lost


async def _run(
    calls: Sequence[Call],
    targets: list[Endpoint],
    indices: list[int],
    settings: EndpointSettings,
    facts: RepoFacts,
    once: bool,
) -> Found:
    policy = FetchPolicy(
        allow_private=settings.allow_private, max_concurrency=settings.concurrency, per_host=settings.per_host
    )
    fetcher = HttpFetcher(policy, headers=dict(settings.headers))
    try:
        jobs: list[tuple[str, int, str | None, asyncio.Task[list[Finding]]]] = []
        async with asyncio.TaskGroup() as group:
            for key, probe_id, params in calls:
                probe = ENDPOINT_PROBES[probe_id]
                for index in indices if probe.per_endpoint else ([0] if once and targets else []):
                    endpoint = targets[index]
                    context = EndpointContext(endpoint, facts)
                    proxy = fetcher.proxy_for(endpoint.url) if probe.per_endpoint else None
                    task = group.create_task(_guarded(probe_id, probe.run(fetcher, context, params)))
                    jobs.append((key, index, proxy, task))
                    if len(jobs) % max(1, settings.concurrency) == 0:
                        # Let the probes started so far send their requests before the
                        # next ones, which can only queue behind the limit, set up theirs.
                        await asyncio.sleep(0)
    finally:
        await fetcher.aclose()
    found: Found = []
    for key, index, proxy, task in jobs:
        findings = task.result()
        if proxy:  # the answer came through a proxy from the environment: say which
            findings = [dataclasses.replace(f, message=f"{f.message} (via proxy {proxy})") for f in findings]
        found.append((key, index, findings))
    return found


async def _guarded(probe_id: str, run: object) -> list[Finding]:
    try:
        return await run  # type: ignore[misc]
    except Exception as exc:  # a probe bug costs one finding, not the review
        return [probe_failed(probe_id, exc)]


def _scrubbed(finding: Finding, secrets: frozenset[str]) -> Finding:
    """Belt and braces: whatever a probe or a server echoed, no user secret survives."""
    if not secrets:
        return finding
    return dataclasses.replace(
        finding,
        message=scrub(finding.message, secrets),
        remediation=scrub(finding.remediation, secrets),
        locations=tuple(Location(scrub(loc.path, secrets), loc.line) for loc in finding.locations),
        evidence=tuple(
            dataclasses.replace(ev, url=scrub(ev.url, secrets) if ev.url else ev.url) for ev in finding.evidence
        ),
    )
