"""tls-valid, tls-expiry and hsts: the HTTPS endpoint's certificate and transport policy.

All three read one GET of the endpoint's root (shared with security-headers). The fetcher
verifies the chain and host name; a verification failure comes back as a FetchError of
kind "tls", which is tls-valid's answer but leaves tls-expiry unable to read a date."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from prr.domain.findings import Evidence, Finding, Outcome
from prr.probes.endpoint._shared import (
    days,
    evidence,
    fetch_failed,
    fetch_root,
    finding,
    is_https,
    one_line,
    shown_at,
    utc,
)
from prr.probes.endpoint_api import Certificate, EndpointContext, EndpointProbe, Fetcher, FetchError, Params

TLS_VALID = "tls-valid"
TLS_EXPIRY = "tls-expiry"
HSTS = "hsts"
HSTS_MIN_AGE = 15_552_000  # 180 days, in seconds
_MAX_AGE = re.compile(r'^\s*max-age\s*=\s*"?(\d+)"?\s*$', re.IGNORECASE)


def _not_https(probe: str, context: EndpointContext) -> list[Finding]:
    return [finding(probe, Outcome.NOT_APPLICABLE, f"not HTTPS: {context.endpoint.shown}")]


def host_matches(host: str, names: tuple[str, ...]) -> bool:
    """RFC 6125: exact (case-insensitive) match, or a wildcard for the whole left-most label."""
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
        return host in {name.lower() for name in names}  # IP addresses never match wildcards
    except ValueError:
        pass
    for name in names:
        name = name.lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and "." in host:
            label, rest = host.split(".", 1)
            if label and rest == name[2:] and "." in rest:
                return True
    return False


def _describe(certificate: Certificate) -> str:
    expiry = utc(certificate.not_after).strftime("%Y-%m-%d %H:%M UTC")
    subject, issuer = one_line(certificate.subject, 120), one_line(certificate.issuer, 120)
    return f"subject {subject}, issued by {issuer}, expires {expiry}"


async def tls_valid(fetcher: Fetcher, context: EndpointContext, params: Params) -> list[Finding]:
    if not is_https(context):
        return _not_https(TLS_VALID, context)
    root = shown_at(context.endpoint, "/")
    got = await fetch_root(fetcher, context.endpoint)
    if isinstance(got, FetchError):
        if got.kind == "tls":
            message = f"{root}: certificate did not verify: {got.message}"
            return [finding(TLS_VALID, Outcome.FAIL, message, [Evidence(url=root)])]
        return [fetch_failed(TLS_VALID, root, got)]
    if got.certificate is None:
        message = f"{got.url}: no certificate was reported for the connection (redirected off HTTPS?)"
        return [finding(TLS_VALID, Outcome.ERROR, message, [evidence(got)])]
    host = urlsplit(got.url).hostname or ""
    if not host_matches(host, got.certificate.names):
        names = ", ".join(one_line(n, 80) for n in got.certificate.names[:10]) or "none"
        message = f"{got.url}: certificate names ({names}) do not include {host}"
        return [finding(TLS_VALID, Outcome.FAIL, message, [evidence(got)])]
    message = f"{got.url}: certificate verifies for {host}: {_describe(got.certificate)}"
    return [finding(TLS_VALID, Outcome.PASS, message, [evidence(got)])]


async def tls_expiry(fetcher: Fetcher, context: EndpointContext, params: Params) -> list[Finding]:
    if not is_https(context):
        return _not_https(TLS_EXPIRY, context)
    warn_days, critical_days = int(params["warn_days"]), int(params["critical_days"])
    root = shown_at(context.endpoint, "/")
    got = await fetch_root(fetcher, context.endpoint)
    if isinstance(got, FetchError):
        return [fetch_failed(TLS_EXPIRY, root, got, "cannot read the certificate expiry of")]
    if got.certificate is None:
        message = f"{got.url}: no certificate was reported, so its expiry cannot be read"
        return [finding(TLS_EXPIRY, Outcome.ERROR, message, [evidence(got)])]
    not_after = utc(got.certificate.not_after)
    left = not_after - utc(context.now)
    whole = int(left.total_seconds() // 86_400)
    date = not_after.strftime("%Y-%m-%d")
    proof = [evidence(got)]
    if left.total_seconds() <= 0:
        message = f"{got.url}: certificate expired on {date} ({days(int(-left.total_seconds() // 86_400))} ago)"
        return [finding(TLS_EXPIRY, Outcome.FAIL, message, proof)]
    if whole < critical_days:
        message = f"{got.url}: certificate expires in {days(whole)}, on {date} (critical threshold {critical_days})"
        return [finding(TLS_EXPIRY, Outcome.FAIL, message, proof)]
    if whole < warn_days:
        message = f"{got.url}: WARNING: certificate expires in {days(whole)}, on {date} (warn threshold {warn_days})"
        return [finding(TLS_EXPIRY, Outcome.PASS, message, proof)]
    message = f"{got.url}: certificate expires in {days(whole)}, on {date}"
    return [finding(TLS_EXPIRY, Outcome.PASS, message, proof)]


def max_age(header: str) -> int | None:
    """The max-age directive of a Strict-Transport-Security value, or None."""
    for directive in header.split(";"):
        if match := _MAX_AGE.match(directive):
            return int(match.group(1))
    return None


async def hsts(fetcher: Fetcher, context: EndpointContext, params: Params) -> list[Finding]:
    if not is_https(context):
        return _not_https(HSTS, context)
    got = await fetch_root(fetcher, context.endpoint)
    if isinstance(got, FetchError):
        return [fetch_failed(HSTS, shown_at(context.endpoint, "/"), got)]
    proof = [evidence(got)]
    header = got.headers.get("strict-transport-security")
    if header is None:
        return [finding(HSTS, Outcome.FAIL, f"{got.url}: no Strict-Transport-Security header", proof)]
    age = max_age(header)
    if age is None:
        message = f"{got.url}: Strict-Transport-Security has no valid max-age"
        return [finding(HSTS, Outcome.FAIL, message, proof)]
    if age < HSTS_MIN_AGE:
        message = (
            f"{got.url}: Strict-Transport-Security max-age={age} ({days(age // 86_400)}) "
            f"is under 180 days ({HSTS_MIN_AGE})"
        )
        return [finding(HSTS, Outcome.FAIL, message, proof)]
    extras = [d for d in ("includeSubDomains", "preload") if d.lower() in header.lower()]
    message = f"{got.url}: Strict-Transport-Security max-age={age} ({days(age // 86_400)})"
    return [finding(HSTS, Outcome.PASS, message + ("; " + ", ".join(extras) if extras else ""), proof)]


PROBES: tuple[EndpointProbe, ...] = (
    EndpointProbe(TLS_VALID, tls_valid),
    EndpointProbe(TLS_EXPIRY, tls_expiry),
    EndpointProbe(HSTS, hsts),
)
