"""`HttpFetcher`: each request within its deadline, retries, redirect policy and
concurrency limits, and nothing but a scrubbed `Response` or `FetchError` out of `get`."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from prr.adapters.http.address_policy import AddressGate, Resolver, system_resolve
from prr.adapters.http.body import decoder_for, read_capped
from prr.adapters.http.certificates import peer_certificate
from prr.adapters.http.client import environment_proxies, owned_client, proxy_for
from prr.adapters.http.failures import Failure, classify, describe, one_line
from prr.adapters.http.hop import Hop, redirect_target, scrubbed_response
from prr.adapters.http.policy import FetchPolicy
from prr.adapters.http.scrubbing import LIVE_SECRETS, userinfo_secrets
from prr.domain.redaction import SECRET_HEADERS, redact_url, scrub, secrets_in
from prr.probes.endpoint_api import FetchError, Response

log = logging.getLogger("prr.adapters.http_fetch")  # the name its debug lines have always had

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_RETRY_STATUSES = frozenset({502, 503, 504})


class HttpFetcher:
    """`Fetcher` over one shared `httpx.AsyncClient`.

    `headers` are sent with every request (Authorization and other secret-bearing headers
    only to the origin of the URL asked for, never across a redirect to another origin).
    `ca_file` adds a trusted CA to the default trust store; verification is never off.
    `client` lets a caller share its own client (it is then not closed by `aclose`, and
    its TLS settings are the caller's). `resolver` replaces the system resolver (tests).
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        ca_file: str | Path | None = None,
        client: httpx.AsyncClient | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.policy = policy = policy or FetchPolicy()
        self._headers = dict(headers or {})
        self._timeout = httpx.Timeout(
            connect=policy.connect_timeout,
            read=policy.read_timeout,
            write=policy.write_timeout,
            pool=policy.pool_timeout,
        )
        self._owned = client is None
        if client is None:
            resolved_ca = None if ca_file is None else str(Path(ca_file).resolve())
            client, self._proxies = owned_client(
                ca_file=resolved_ca, connections=policy.max_concurrency, timeout=self._timeout
            )
        else:
            self._proxies = environment_proxies() if client.trust_env else []
        self._client = client
        proxy_urls = [p for _, p in self._proxies if p]
        self._secrets = secrets_in(proxy_urls, self._headers) | userinfo_secrets(proxy_urls)
        LIVE_SECRETS.add(self._secrets)
        self._registered = True
        self._origin_headers = {"Accept-Encoding": "gzip, deflate", "User-Agent": policy.user_agent, **self._headers}
        self._foreign_headers = {k: v for k, v in self._origin_headers.items() if k.lower() not in SECRET_HEADERS}
        self._header_sets: dict[tuple[bool, str | None], httpx.Headers] = {}
        self._timeouts = self._timeout.as_dict()
        self._addresses = AddressGate(resolver or system_resolve)
        self._limit = asyncio.Semaphore(policy.max_concurrency)
        self._host_limits: dict[str, asyncio.Semaphore] = {}
        self._random = random.Random()

    async def aclose(self) -> None:
        if self._registered:
            LIVE_SECRETS.remove(self._secrets)
            self._registered = False
        if self._owned:
            await self._client.aclose()

    async def __aenter__(self) -> HttpFetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- the Fetcher protocol --------------------------------------------------------

    async def get(self, url: str, *, accept: str | None = None, max_bytes: int | None = None) -> Response | FetchError:
        secrets = self._secrets
        if "@" in url or "?" in url:
            secrets = secrets | secrets_in([url], {}) | userinfo_secrets([url])
        extra = secrets - self._secrets
        if extra:
            LIVE_SECRETS.add(extra)
        cap = self.policy.max_bytes if max_bytes is None else max(0, max_bytes)
        proxy: str | None = None
        try:
            parsed = httpx.URL(url)
            proxy = proxy_for(self._proxies, parsed)
            result: Response | FetchError = await self._get(parsed, accept, cap, secrets)
        except Failure as failure:
            message = one_line(failure.message, secrets)
            result = FetchError(_shown(url, secrets), failure.kind, message, self._shown_proxy(proxy))
        except httpx.InvalidURL as exc:
            result = FetchError(_shown(url, secrets), "protocol", one_line(f"invalid URL: {exc}", secrets))
        except (TimeoutError, httpx.TimeoutException):
            message = f"no complete response within the {self.policy.deadline:g} s deadline"
            result = FetchError(_shown(url, secrets), "timeout", message, self._shown_proxy(proxy))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # nothing but cancellation may leave get()
            message = one_line(f"unexpected {type(exc).__name__}: {describe(exc)}", secrets)
            result = FetchError(_shown(url, secrets), "protocol", message, self._shown_proxy(proxy))
        finally:
            if extra:
                LIVE_SECRETS.remove(extra)
        if log.isEnabledFor(logging.DEBUG):
            if isinstance(result, Response):
                log.debug("GET %s -> %d (%.0f ms)", result.url, result.status, result.elapsed_ms)
            else:
                log.debug("GET %s -> %s: %s", result.url, result.kind, result.message)
        return result

    # -- internals ------------------------------------------------------------------

    def proxy_for(self, url: str) -> str | None:
        """The proxy (redacted) that requests to `url` go through, so findings can name it."""
        if not self._proxies:
            return None
        try:
            return self._shown_proxy(proxy_for(self._proxies, httpx.URL(url)))
        except httpx.InvalidURL:
            return None

    def _shown_proxy(self, proxy: str | None) -> str | None:
        return None if proxy is None else scrub(redact_url(proxy), self._secrets)

    def _host_limit(self, host: str) -> asyncio.Semaphore:
        limit = self._host_limits.get(host)
        if limit is None:
            limit = self._host_limits[host] = asyncio.Semaphore(self.policy.per_host)
        return limit

    async def _get(
        self, url: httpx.URL, accept: str | None, cap: int, secrets: frozenset[str]
    ) -> Response | FetchError:
        policy = self.policy
        origin = _origin(url)
        redirects: list[str] = []
        seen: set[str] = set()  # the URLs a redirect may not lead back to
        first = url
        loop = asyncio.get_running_loop()
        async with self._limit:
            host = url.host
            host_limit = self._host_limit(host)
            await host_limit.acquire()  # waiting for a slot is not part of the deadline
            try:
                started = time.perf_counter()
                deadline = loop.time() + policy.deadline
                async with asyncio.timeout_at(deadline):
                    while True:
                        proxy = proxy_for(self._proxies, url)
                        headers = self._headers_for(_origin(url) == origin, accept)
                        hop = await self._attempts(url, headers, cap, deadline, proxy)
                        if not (policy.follow_redirects and hop.status in _REDIRECT_STATUSES and hop.location):
                            break
                        redirects.append(scrub(redact_url(str(url)), secrets))
                        if len(redirects) > policy.max_redirects:
                            raise Failure("redirect", f"more than {policy.max_redirects} redirects")
                        seen = seen or {str(first.copy_with(userinfo=b""))}
                        url = redirect_target(url, hop.location, seen)
                        if url.host != host:  # hold one host's slot at a time
                            host_limit.release()
                            host, host_limit = url.host, self._host_limit(url.host)
                            await host_limit.acquire()
            finally:
                host_limit.release()
        elapsed_ms = (time.perf_counter() - started) * 1000
        shown_proxy = self._shown_proxy(proxy)
        return scrubbed_response(hop, url, secrets, elapsed_ms=elapsed_ms, redirects=redirects, proxy=shown_proxy)

    def _headers_for(self, same_origin: bool, accept: str | None) -> httpx.Headers:
        """The request headers for a hop (secret ones only to the origin asked for), built
        once per fetcher: with the client's defaults merged in when the client is ours."""
        headers = self._header_sets.get((same_origin, accept))
        if headers is None:
            headers = httpx.Headers(self._client.headers if self._owned else None)
            headers.update(self._origin_headers if same_origin else self._foreign_headers)
            if accept:
                headers["Accept"] = accept
            self._header_sets[(same_origin, accept)] = headers
        return headers

    def _request(self, url: httpx.URL, headers: httpx.Headers) -> httpx.Request:
        """The request for one attempt: built directly on our own client, whose defaults
        `headers` already carry; through `build_request` on a client handed in."""
        if self._owned:
            return httpx.Request("GET", url, headers=headers, extensions={"timeout": self._timeouts})
        return self._client.build_request("GET", url, headers=headers, timeout=self._timeout)

    async def _attempts(
        self, url: httpx.URL, headers: httpx.Headers, cap: int, deadline: float, proxy: str | None
    ) -> Hop:
        """One hop, retried on connect errors and 502/503/504 while retries and time last."""
        await self._addresses.check(url, proxy, allow_private=self.policy.allow_private)
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            try:
                hop = await self._once(url, headers, cap)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                kind, message = classify(exc)
                outcome: Hop | Failure = Failure(kind, message)
                retryable = kind != "tls"
            except httpx.HTTPError as exc:
                raise Failure(*classify(exc)) from None
            else:
                outcome, retryable = hop, hop.status in _RETRY_STATUSES
            delay = self._random.uniform(0, self.policy.backoff * 2**attempt)
            if not retryable or attempt >= self.policy.retries or loop.time() + delay >= deadline:
                if isinstance(outcome, Failure):
                    raise outcome
                return outcome
            await asyncio.sleep(delay)
            attempt += 1

    async def _once(self, url: httpx.URL, headers: httpx.Headers, cap: int) -> Hop:
        """One request: status, headers, certificate and the capped, decoded body."""
        response = await self._client.send(self._request(url, headers), stream=True, follow_redirects=False)
        try:
            hop = Hop(url=url, status=response.status_code, headers=response.headers)
            if url.scheme == "https":
                hop.certificate = peer_certificate(response)
            if response.status_code in _REDIRECT_STATUSES:
                hop.location = response.headers.get("location")
                if self.policy.follow_redirects and hop.location:
                    return hop  # the body of a redirect we follow is not read
            try:
                decoder = decoder_for(response.headers.get("content-encoding"))
            except ValueError as exc:
                raise Failure("protocol", str(exc)) from None
            hop.body, hop.truncated = await read_capped(response, decoder, cap)
            return hop
        finally:
            await response.aclose()


def _shown(url: str, secrets: frozenset[str]) -> str:
    """The URL as an error may show it (only errors need it: a response shows its own)."""
    return scrub(redact_url(url), secrets)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)
