"""The `Fetcher` endpoint probes use, over one shared `httpx.AsyncClient`.

Every request is bounded: connect/read/write/pool timeouts, a whole-request deadline (a
server dripping a byte a second cannot hold it), a cap on the DECODED body (a gzip bomb
stops at the cap, decompressed a bounded slice at a time), a redirect and address policy
checked on every hop before connecting (cloud metadata and link-local addresses are never
reached), global and per-host concurrency limits, and bounded, jittered retries of
transient failures. TLS is always verified.

Nothing leaves `get` but a `Response` or a `FetchError` (and cancellation). Every URL,
header and message in them is redacted, and the secret values the user handed over (in
URLs, in the extra headers, in the proxy URL) are scrubbed from every field, from the
body, and from what httpx and httpcore log.

The stable entry point: the work is done in `prr.adapters.http`, one concern per module.
"""

from __future__ import annotations

from prr.adapters.http.address_policy import address_refusal
from prr.adapters.http.fetcher import HttpFetcher
from prr.adapters.http.policy import FetchPolicy

__all__ = ["FetchPolicy", "HttpFetcher", "address_refusal"]
