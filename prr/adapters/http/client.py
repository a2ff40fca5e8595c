"""The client a fetcher owns: a verifying TLS context, sharded transports, and the
environment's proxies mounted as httpx would mount them with trust_env."""

from __future__ import annotations

import functools
import ssl
from typing import Any

import certifi
import httpx

from prr.adapters.http.sharded_transport import ShardedTransport

ProxyTable = list[tuple[Any, str | None]]


def environment_proxies() -> ProxyTable:
    """httpx's own table of environment proxies (pattern, proxy URL), most specific first."""
    try:
        from httpx._utils import URLPattern, get_environment_proxies
    except ImportError:  # pragma: no cover - httpx moved its helpers
        return []
    table = [(URLPattern(key), proxy) for key, proxy in get_environment_proxies().items()]
    return sorted(table, key=lambda item: item[0])


def proxy_for(proxies: ProxyTable, url: httpx.URL) -> str | None:
    """The proxy URL the client sends `url` through, or None for a direct connection."""
    for pattern, proxy in proxies:
        if pattern.matches(url):
            return proxy
    return None


@functools.lru_cache(maxsize=8)
def _ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """The verifying context (built once per CA file: loading trust stores takes ~0.1 s)."""
    context = ssl.create_default_context()  # the system store; verification on, hostname checked
    context.load_verify_locations(cafile=certifi.where())
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


def owned_client(
    *, ca_file: str | None, connections: int, timeout: httpx.Timeout
) -> tuple[httpx.AsyncClient, ProxyTable]:
    """A client over sharded transports, trusting `ca_file` (a resolved path) besides the
    defaults, and the environment proxies it mounted."""
    context = _ssl_context(ca_file)
    proxies = environment_proxies()

    def transport(proxy: str | None = None) -> ShardedTransport:
        return ShardedTransport(verify=context, connections=connections, proxy=proxy)

    # The proxies from the environment, as httpx would mount them with trust_env
    # (it does not when handed a transport, so they are mounted here).
    client = httpx.AsyncClient(
        transport=transport(),
        mounts={p.pattern: None if proxy is None else transport(proxy) for p, proxy in proxies},
        trust_env=True,
        timeout=timeout,
        follow_redirects=False,
    )
    return client, proxies
