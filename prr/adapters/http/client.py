"""The client a fetcher owns: a verifying TLS context, a pool of connections per origin,
no cookies, and the environment's proxies mounted as httpx would mount them with trust_env."""

from __future__ import annotations

import functools
import ssl
from http.cookiejar import CookieJar
from typing import Any

import certifi
import httpx

from prr.adapters.http.origin_pool import OriginPool

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


class NoCookies(CookieJar):
    """A jar that keeps nothing: each probe request stands alone, and a cookie one endpoint
    sets (often a session secret) is never sent to another or kept anywhere."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def add_cookie_header(self, request: Any) -> None:
        return None


class _Unextracted(httpx.Cookies):
    """The client's cookies, never extracted from a response: httpx would wrap every
    response and its request in urllib adapters for the jar, which keeps nothing anyway."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class ProbeClient(httpx.AsyncClient):
    """httpx's client, its cookies a `NoCookies` jar that is never even offered one."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self._no_cookies = _Unextracted(NoCookies())

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        raise TypeError("the probes' client keeps no cookies")


def owned_client(
    *, ca_file: str | None, connections: int, timeout: httpx.Timeout
) -> tuple[httpx.AsyncClient, ProxyTable]:
    """A client over an `OriginPool`, trusting `ca_file` (a resolved path) besides the
    defaults, and the environment proxies it mounted."""
    context = _ssl_context(ca_file)
    proxies = environment_proxies()
    direct = OriginPool(verify=context, max_idle=connections)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

    def through(proxy: str) -> httpx.AsyncBaseTransport:
        # httpx's own pool: proxied probes are few, and the proxy holds their connections.
        return httpx.AsyncHTTPTransport(verify=context, limits=limits, proxy=proxy)

    # The proxies from the environment, as httpx would mount them with trust_env
    # (it does not when handed a transport, so they are mounted here; None: direct).
    client = ProbeClient(
        transport=direct,
        mounts={p.pattern: None if proxy is None else through(proxy) for p, proxy in proxies},
        trust_env=True,
        timeout=timeout,
        follow_redirects=False,
    )
    return client, proxies
