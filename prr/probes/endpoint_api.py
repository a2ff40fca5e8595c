"""What an endpoint probe is given and what it returns. No httpx here: probes ask a
`Fetcher` (prr.adapters.http_fetch implements it with httpx) and get plain values back,
already bounded and redacted, so a probe can neither hang nor leak a secret."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from prr.domain.findings import Finding

Params = Mapping[str, Any]


@dataclass(frozen=True)
class Certificate:
    """The server's leaf certificate, as verified (only verified connections have one)."""

    subject: str
    issuer: str
    not_after: dt.datetime  # UTC
    names: tuple[str, ...]  # subjectAltName DNS entries


@dataclass(frozen=True)
class Response:
    url: str  # the final URL, redacted
    status: int
    headers: Mapping[str, str]  # lower-case names; secret-bearing headers redacted
    body: bytes  # decoded (gzip etc. undone), at most the cap asked for
    truncated: bool  # the body went on past the cap
    elapsed_ms: float
    redirects: tuple[str, ...] = ()  # the redacted URLs that redirected here, in order
    certificate: Certificate | None = None  # for https
    proxy: str | None = None  # the proxy used (from the environment), redacted


@dataclass(frozen=True)
class FetchError:
    """Why no response came: kind is one of timeout, connect, tls, refused-address,
    redirect, protocol, too-large; message is one redacted line."""

    url: str
    kind: str
    message: str
    proxy: str | None = None


class Fetcher(Protocol):
    async def get(self, url: str, *, accept: str | None = None, max_bytes: int | None = None) -> Response | FetchError:
        """GET `url` within the run's bounds (timeouts, deadline, body cap, redirect and
        address policy, concurrency limits, retries for transient failures)."""
        ...


@dataclass(frozen=True)
class Endpoint:
    url: str  # as the user gave it; never printed (use `shown`)
    shown: str  # redacted, safe for findings, logs and the screen
    source: str  # where it came from: "--endpoint", ".prr/config.toml", "catalog-info.yaml"


@dataclass(frozen=True)
class RepoFacts:
    """What the repository probes learnt that the endpoint probes check live."""

    metric_names: frozenset[str] = frozenset()  # used by SLO and alert expressions
    links: tuple[str, ...] = ()  # external runbook and dashboard URLs (redacted)


@dataclass(frozen=True)
class EndpointContext:
    endpoint: Endpoint
    facts: RepoFacts = field(default_factory=RepoFacts)
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


Run = Callable[[Fetcher, EndpointContext, Params], Awaitable[list[Finding]]]


@dataclass(frozen=True)
class EndpointProbe:
    id: str  # declared in prr.probes.registry with kind ENDPOINT
    run: Run
    per_endpoint: bool = True  # False: runs once per review (links-resolve), not per endpoint


def join(endpoint: Endpoint, path: str) -> str:
    """The endpoint's URL with `path` in place of its path (query dropped)."""
    parts = urlsplit(endpoint.url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


Findings = Sequence[Finding]
