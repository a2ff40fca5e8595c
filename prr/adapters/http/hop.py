"""One hop of a request: what it got back, where its redirect leads, and the scrubbed
`Response` it becomes, so no secret reaches a probe through a field or the body."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from prr.adapters.http.failures import Failure
from prr.domain.redaction import redact_headers, redact_url, scrub
from prr.probes.endpoint_api import Certificate, Response


@dataclass
class Hop:
    """What one request got back; the body only when it is not a redirect being followed."""

    url: httpx.URL
    status: int
    headers: httpx.Headers
    location: str | None = None
    body: bytes = b""
    truncated: bool = False
    certificate: Certificate | None = None


def redirect_target(url: httpx.URL, location: str, seen: set[str]) -> httpx.URL:
    """Where a redirect from `url` to `location` leads; `Failure` for an invalid URL, a
    scheme other than http(s) or a loop back to a URL in `seen` (which it joins)."""
    try:
        url = url.join(location)
    except httpx.InvalidURL as exc:
        raise Failure("redirect", f"redirected to an invalid URL: {exc}") from None
    if url.scheme not in ("http", "https"):
        raise Failure("redirect", f"redirected to an unsupported scheme {url.scheme!r}")
    key = str(url.copy_with(userinfo=b""))
    if key in seen:
        raise Failure("redirect", f"redirect loop back to {redact_url(key)}")
    seen.add(key)
    return url


def scrubbed_response(
    hop: Hop,
    url: httpx.URL,
    secrets: frozenset[str],
    *,
    elapsed_ms: float,
    redirects: list[str],
    proxy: str | None,
) -> Response:
    """The last hop as a `Response`, URL and headers redacted, secrets scrubbed everywhere."""
    body = hop.body
    if secrets:
        for secret in sorted(secrets, key=len, reverse=True):
            body = body.replace(secret.encode(), b"***")
    headers_out = redact_headers(dict(hop.headers.items()))  # names already lower-case
    if "location" in headers_out:
        headers_out["location"] = redact_url(headers_out["location"])
    if secrets:
        headers_out = {name: scrub(value, secrets) for name, value in headers_out.items()}
    return Response(
        url=scrub(redact_url(str(url)), secrets),
        status=hop.status,
        headers=headers_out,
        body=body,
        truncated=hop.truncated,
        elapsed_ms=elapsed_ms,
        redirects=tuple(redirects),
        certificate=hop.certificate,
        proxy=proxy,
    )
