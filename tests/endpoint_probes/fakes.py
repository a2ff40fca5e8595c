"""A hand-written fake of prr's own Fetcher interface, for the endpoint probes' logic.

Replies are prepared per path (or per full URL) and come back with the requested URL,
redacted, as their `url`, the way the real fetcher reports it. Every call is recorded.
The transport itself (httpx, bounds, redirects) is tested against real servers elsewhere."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from prr.domain.findings import Finding
from prr.domain.redaction import redact_url
from prr.probes.endpoint import ENDPOINT_PROBES
from prr.probes.endpoint_api import Certificate, Endpoint, EndpointContext, FetchError, RepoFacts, Response
from prr.probes.registry import PROBES

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
BASE = "https://svc.example.com"
ENDPOINT = Endpoint(url=BASE, shown=BASE, source="--endpoint")

Reply = Response | FetchError


@dataclass(frozen=True)
class Call:
    url: str
    accept: str | None
    max_bytes: int | None


class FakeFetcher:
    """Implements prr.probes.endpoint_api.Fetcher from prepared replies."""

    def __init__(self, replies: Mapping[str, Reply] | None = None) -> None:
        self.replies = dict(replies or {})
        self.calls: list[Call] = []

    async def get(self, url: str, *, accept: str | None = None, max_bytes: int | None = None) -> Reply:
        self.calls.append(Call(url, accept, max_bytes))
        await asyncio.sleep(0)  # a real fetch yields to the loop; concurrent probes interleave
        reply = self.replies.get(url)
        if reply is None:
            reply = self.replies.get(urlsplit(url).path or "/")
        if reply is None:
            raise AssertionError(f"unexpected fetch of {url}")
        return dataclasses.replace(reply, url=redact_url(url)) if not reply.url else reply

    def urls(self) -> list[str]:
        return [call.url for call in self.calls]


def reply(
    status: int = 200,
    body: bytes | str = b"",
    headers: Mapping[str, str] | None = None,
    *,
    content_type: str | None = None,
    elapsed_ms: float = 10.0,
    truncated: bool = False,
    certificate: Certificate | None = None,
    url: str = "",
    redirects: tuple[str, ...] = (),
) -> Response:
    all_headers = {name.lower(): value for name, value in (headers or {}).items()}
    if content_type is not None:
        all_headers["content-type"] = content_type
    raw = body.encode() if isinstance(body, str) else body
    return Response(url, status, all_headers, raw, truncated, elapsed_ms, redirects, certificate)


def failure(kind: str, message: str) -> FetchError:
    return FetchError(url="", kind=kind, message=message)


def certificate(
    days_left: float = 200,
    names: tuple[str, ...] = ("svc.example.com",),
    subject: str = "CN=svc.example.com",
    issuer: str = "CN=R11,O=Let's Encrypt,C=US",
) -> Certificate:
    return Certificate(subject, issuer, NOW + dt.timedelta(days=days_left), names)


def context(
    endpoint: Endpoint = ENDPOINT,
    *,
    metric_names: frozenset[str] | set[str] = frozenset(),
    links: tuple[str, ...] = (),
    now: dt.datetime = NOW,
) -> EndpointContext:
    return EndpointContext(endpoint, RepoFacts(frozenset(metric_names), links), now)


def params(probe: str, **overrides: Any) -> dict[str, Any]:
    """The probe's declared defaults, merged with `overrides` (as the runner merges them)."""
    return {param.name: param.default for param in PROBES[probe].params} | overrides


def run(probe: str, fetcher: FakeFetcher, ctx: EndpointContext | None = None, **overrides: Any) -> list[Finding]:
    coroutine = ENDPOINT_PROBES[probe].run(fetcher, ctx or context(), params(probe, **overrides))
    return asyncio.run(coroutine)


def one(probe: str, fetcher: FakeFetcher, ctx: EndpointContext | None = None, **overrides: Any) -> Finding:
    findings = run(probe, fetcher, ctx, **overrides)
    assert len(findings) == 1, findings
    return findings[0]
