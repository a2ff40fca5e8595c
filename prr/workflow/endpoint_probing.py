"""Run the endpoint probes a pack asks for against the live endpoints, concurrently and
within the fetcher's bounds, and scrub every finding of the secrets the user handed in."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping, Sequence

from prr.adapters.http_fetch import FetchPolicy, HttpFetcher
from prr.domain.errors import InputError
from prr.domain.findings import Finding, Location, Outcome
from prr.domain.redaction import redact_url, scrub, secrets_in
from prr.probes.endpoint import ENDPOINT_PROBES
from prr.probes.endpoint_api import Endpoint, EndpointContext, RepoFacts
from prr.workflow.endpoint_settings import EndpointSettings


def endpoints(settings: EndpointSettings) -> list[Endpoint]:
    found = []
    for url, source in settings.urls:
        if not url.lower().startswith(("http://", "https://")):
            raise InputError(f"{redact_url(url)}: endpoints must be http:// or https:// URLs ({source})")
        found.append(Endpoint(url=url, shown=redact_url(url), source=source))
    return found


def run_endpoint_probes(
    calls: Sequence[tuple[str, str, Mapping[str, object]]],
    settings: EndpointSettings,
    facts: RepoFacts,
) -> dict[str, list[Finding]]:
    """Findings per call key for (key, probe id, params) calls, over every endpoint."""
    targets = endpoints(settings)
    secrets = secrets_in([url for url, _ in settings.urls], settings.headers)
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        results = runner.run(_run(calls, targets, settings, facts))
    return {key: [_scrubbed(f, secrets) for f in found] for key, found in results.items()}


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (not on Windows): hundreds of probes in flight are
    bound by the event loop's own CPU, and uvloop's is about a third of asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


async def _run(
    calls: Sequence[tuple[str, str, Mapping[str, object]]],
    targets: list[Endpoint],
    settings: EndpointSettings,
    facts: RepoFacts,
) -> dict[str, list[Finding]]:
    policy = FetchPolicy(
        allow_private=settings.allow_private, max_concurrency=settings.concurrency, per_host=settings.per_host
    )
    fetcher = HttpFetcher(policy, headers=dict(settings.headers))
    try:
        jobs: list[tuple[str, str | None, asyncio.Task[list[Finding]]]] = []
        async with asyncio.TaskGroup() as group:
            for key, probe_id, params in calls:
                probe = ENDPOINT_PROBES[probe_id]
                for endpoint in targets if probe.per_endpoint else targets[:1]:
                    context = EndpointContext(endpoint, facts)
                    proxy = fetcher.proxy_for(endpoint.url) if probe.per_endpoint else None
                    task = group.create_task(_guarded(probe_id, probe.run(fetcher, context, params)))
                    jobs.append((key, proxy, task))
    finally:
        await fetcher.aclose()
    results: dict[str, list[Finding]] = {}
    for key, proxy, task in jobs:
        found = task.result()
        if proxy:  # the answer came through a proxy from the environment: say which
            found = [dataclasses.replace(f, message=f"{f.message} (via proxy {proxy})") for f in found]
        results.setdefault(key, []).extend(found)
    return results


async def _guarded(probe_id: str, run: object) -> list[Finding]:
    try:
        return await run  # type: ignore[misc]
    except Exception as exc:  # a probe bug costs one finding, not the review
        return [Finding(probe_id, Outcome.ERROR, f"probe failed: {type(exc).__name__}: {exc}")]


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
