"""links-resolve: the runbook and dashboard URLs the repository names answer 2xx.

Runs once per review over the links the repository probes found (already redacted). A
link that answers with a non-2xx status is dead; one the fetcher could not reach at all
(a DNS failure, a timeout, an internal host out of the reviewer's network) is unknown,
not dead, so it never turns a pass into a fail on its own."""

from __future__ import annotations

import asyncio

from prr.domain.findings import Evidence, Finding, Outcome
from prr.probes.endpoint._shared import evidence, finding, listing, ok
from prr.probes.endpoint_api import EndpointContext, EndpointProbe, Fetcher, FetchError, Params

PROBE = "links-resolve"


async def links_resolve(fetcher: Fetcher, context: EndpointContext, params: Params) -> list[Finding]:
    links = list(dict.fromkeys(context.facts.links))
    if not links:
        return [finding(PROBE, Outcome.NOT_APPLICABLE, "the repository names no runbook or dashboard links")]
    answers = await asyncio.gather(*(fetcher.get(link) for link in links))
    dead: list[str] = []
    unknown: list[str] = []
    proof: list[Evidence] = []
    for link, got in zip(links, answers, strict=True):
        if isinstance(got, FetchError):
            unknown.append(f"{link} ({got.kind})")
            proof.append(Evidence(url=link))
            continue
        proof.append(evidence(got))
        if not ok(got.status):
            dead.append(f"{link} (HTTP {got.status})")
    total = len(links)
    if dead:
        message = f"{len(dead)} of {total} links do not answer 2xx: {listing(dead)}"
        if unknown:
            message += f"; {len(unknown)} could not be checked: {listing(unknown)}"
        return [finding(PROBE, Outcome.FAIL, message, proof)]
    if unknown:
        message = f"could not check {len(unknown)} of {total} links: {listing(unknown)}"
        return [finding(PROBE, Outcome.ERROR, message, proof)]
    message = f"all {total} links answer 2xx" if total > 1 else f"the one link answers 2xx: {links[0]}"
    return [finding(PROBE, Outcome.PASS, message, proof)]


PROBES: tuple[EndpointProbe, ...] = (EndpointProbe(PROBE, links_resolve, per_endpoint=False),)
