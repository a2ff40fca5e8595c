"""Which addresses a request may reach: cloud metadata and link-local never, loopback and
private ranges only when allowed, checked for every host before connecting."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx

from prr.adapters.http.failures import Failure
from prr.domain.redaction import redact_url

Resolver = Callable[[str], Awaitable[Sequence[str]]]

_METADATA = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"))
_LINK_LOCAL = tuple(ipaddress.ip_network(n) for n in ("169.254.0.0/16", "fe80::/10"))
_PRIVATE = tuple(
    ipaddress.ip_network(n)
    for n in (
        "127.0.0.0/8",
        "::1/128",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "fc00::/7",
        "fec0::/10",  # deprecated site-local
        "100.64.0.0/10",
        "0.0.0.0/8",  # "this network": 0.0.0.0 reaches the local host
        "::/128",
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _embedded_v4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: str, *, allow_private: bool) -> str | None:
    """Why connecting to the IP `address` is refused, or None when it is allowed."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    except ValueError:
        return f"{address} is not an IP address"
    embedded = _embedded_v4(ip)
    if embedded is not None:
        why = address_refusal(str(embedded), allow_private=allow_private)
        return None if why is None else f"{ip} embeds {why}"
    if ip in _METADATA:
        return f"{ip} is a cloud metadata address"
    if any(ip in net for net in _LINK_LOCAL):
        return f"{ip} is link-local"
    if ip.is_multicast or ip == ipaddress.IPv4Address("255.255.255.255"):
        return f"{ip} is not a unicast address"
    if not allow_private:
        for net in _PRIVATE:
            if ip in net:
                return f"{ip} is a loopback or private address ({net}; allow private addresses to reach it)"
    return None


def _ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


async def system_resolve(host: str) -> Sequence[str]:
    """The host's addresses from the system resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _consume(future: asyncio.Future[Any]) -> None:
    """Retrieve a shared resolution's outcome so an abandoned one is not logged as lost."""
    if not future.cancelled():
        future.exception()


class AddressGate:
    """Checks each host once per fetcher: concurrent requests share one resolution, and the
    verdict is cached so a host is not resolved again for every request."""

    def __init__(self, resolve: Resolver) -> None:
        self._resolve = resolve
        self._verdicts: dict[str, str | None] = {}  # host -> why refused (None: allowed)
        self._resolving: dict[str, asyncio.Future[str | None]] = {}

    async def check(self, url: httpx.URL, proxy: str | None, *, allow_private: bool) -> None:
        """Raise `Failure` unless `url` may be fetched (through `proxy`, when there is one)."""
        if url.scheme not in ("http", "https"):
            raise Failure("protocol", f"unsupported URL scheme {url.scheme!r}")
        host = url.host
        if not host:
            raise Failure("protocol", "the URL has no host")
        if host in self._verdicts:
            why = self._verdicts[host]
        elif _ip_literal(host):  # nothing to resolve: judged at once
            why = self._verdicts[host] = address_refusal(host, allow_private=allow_private)
        else:
            pending = self._resolving.get(host)
            if pending is None:
                pending = self._resolving[host] = asyncio.ensure_future(self._verdict(host, proxy, allow_private))
                pending.add_done_callback(_consume)
            try:
                why = await asyncio.shield(pending)
            finally:
                if pending.done() and self._resolving.get(host) is pending:
                    del self._resolving[host]
        if why is not None:
            raise Failure("refused-address", f"refused {redact_url(str(url))}: {why}")

    async def _verdict(self, host: str, proxy: str | None, allow: bool) -> str | None:
        """Why the host name `host` is refused (None: allowed); cached for the fetcher's
        lifetime."""
        try:
            addresses = await self._resolve(host)
        except (OSError, UnicodeError) as exc:
            if proxy is not None:
                return None  # not cached: the proxy resolves names we cannot
            raise Failure("connect", f"cannot resolve {host}: {exc}") from None
        if not addresses:
            raise Failure("connect", f"cannot resolve {host}: no addresses")
        why = None
        for address in addresses:
            reason = address_refusal(address, allow_private=allow)
            if reason is not None:
                why = f"{host} resolves to {reason}"
                break
        self._verdicts[host] = why
        return why
