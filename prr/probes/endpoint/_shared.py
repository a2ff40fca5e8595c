"""What every endpoint probe family shares: findings, shown URLs, media types, one fetch.

Messages name only `Endpoint.shown`, `Response.url` and URLs built from `shown`
(`shown_at`), never `Endpoint.url`: the URL the user gave may carry a secret."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import weakref
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit, urlunsplit

from prr.domain.findings import Evidence, Finding, Outcome
from prr.probes.endpoint_api import Endpoint, EndpointContext, Fetcher, FetchError, Response, join
from prr.probes.registry import PROBES as SPECS

MAX_LISTED = 20  # names or URLs listed in one message before "and N more"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def one_line(text: str, limit: int = 300) -> str:
    """`text` on one line (control characters and newlines become a space), at most `limit` chars."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def remediation(probe: str) -> str:
    return SPECS[probe].remediation


def finding(probe: str, outcome: Outcome, message: str, evidence: Iterable[Evidence] = ()) -> Finding:
    """An endpoint finding: no locations; the registry's remediation when it fails."""
    fix = remediation(probe) if outcome is Outcome.FAIL else ""
    return Finding(probe, outcome, one_line(message, 1000), (), tuple(evidence), fix)


def evidence(response: Response) -> Evidence:
    digest = "sha256:" + hashlib.sha256(response.body).hexdigest()
    return Evidence(url=response.url, status=response.status, digest=digest)


def shown_at(endpoint: Endpoint, path: str) -> str:
    """The redacted (shown) URL of the endpoint with `path` in place of its path."""
    try:
        parts = urlsplit(endpoint.shown)
    except ValueError:
        return endpoint.shown
    if not parts.scheme or not parts.netloc:
        return endpoint.shown
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def is_https(context: EndpointContext) -> bool:
    try:
        return urlsplit(context.endpoint.url).scheme.lower() == "https"
    except ValueError:
        return False


def fetch_failed(probe: str, shown: str, error: FetchError, what: str = "could not fetch") -> Finding:
    """The `error` finding for a fetch that gave no response (the probe could not run)."""
    return finding(probe, Outcome.ERROR, f"{what} {shown}: {error.kind}: {error.message}", [Evidence(url=shown)])


def media_type(response: Response) -> tuple[str, dict[str, str]]:
    """The Content-Type's media type (lower case) and its parameters (names lower case)."""
    raw = response.headers.get("content-type", "")
    media, _, rest = raw.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";"):
        name, eq, value = part.partition("=")
        if eq:
            params[name.strip().lower()] = value.strip().strip('"')
    return media.strip().lower(), params


def is_json_type(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def listing(items: Sequence[str], limit: int = MAX_LISTED) -> str:
    """'a, b, c' — at most `limit` items, then 'and N more'."""
    shown = ", ".join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown


def utc(moment: dt.datetime) -> dt.datetime:
    """`moment` in UTC; a naive one is taken to be UTC already."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def days(count: int) -> str:
    return f"{count} day" if count in (1, -1) else f"{count} days"


def ok(status: int) -> bool:
    return 200 <= status < 300


# ---------------------------------------------------------------------------------------
# One fetch per URL per run, shared by the probes that ask for the same thing (metrics for
# metrics-endpoint and slo-metrics-exposed; the root for the TLS and header probes). Keyed
# by the fetcher object, which lives for one run; the memo holds only finished results.

_Key = tuple[str, str | None, int | None]
_MEMO: weakref.WeakKeyDictionary[object, dict[_Key, asyncio.Future[Response | FetchError]]] = (
    weakref.WeakKeyDictionary()
)


async def fetch_shared(
    fetcher: Fetcher, url: str, *, accept: str | None = None, max_bytes: int | None = None
) -> Response | FetchError:
    """`fetcher.get(url, ...)`, asked once per fetcher, URL, accept and cap however many
    probes (concurrent or not) want it."""
    loop = asyncio.get_running_loop()
    try:
        per_fetcher = _MEMO.setdefault(fetcher, {})
    except TypeError:  # a fetcher that cannot be weakly referenced or hashed: no sharing
        return await fetcher.get(url, accept=accept, max_bytes=max_bytes)
    key = (url, accept, max_bytes)
    shared = per_fetcher.get(key)
    if shared is None or shared.cancelled() or shared.get_loop() is not loop:
        shared = loop.create_future()
        per_fetcher[key] = shared
        task = asyncio.ensure_future(fetcher.get(url, accept=accept, max_bytes=max_bytes))
        task.add_done_callback(lambda done, into=shared: _settle(done, into))
    return await asyncio.shield(shared)


def _settle(done: asyncio.Future[Response | FetchError], into: asyncio.Future[Response | FetchError]) -> None:
    if into.done():
        return
    if done.cancelled():
        into.cancel()
    elif (exc := done.exception()) is not None:
        into.set_exception(exc)
    else:
        into.set_result(done.result())


async def fetch_root(fetcher: Fetcher, endpoint: Endpoint) -> Response | FetchError:
    """GET the endpoint's root, shared by tls-valid, tls-expiry, hsts and security-headers."""
    return await fetch_shared(fetcher, join(endpoint, "/"))
