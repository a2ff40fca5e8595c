"""Reading the peer certificate TLS already verified into a `Certificate` probes can judge."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Mapping
from typing import Any

import httpx

from prr.probes.endpoint_api import Certificate


def _name_part(name: Any, key: str) -> str:
    for rdn in name or ():
        for attr_key, value in rdn:
            if attr_key == key:
                return str(value)
    return ""


def _certificate(peer: Mapping[str, Any]) -> Certificate | None:
    if not peer or "notAfter" not in peer:
        return None
    names = tuple(str(v) for k, v in peer.get("subjectAltName", ()) if k == "DNS")
    subject = _name_part(peer.get("subject"), "commonName") or (names[0] if names else "")
    issuer_name = peer.get("issuer")
    issuer = (
        _name_part(issuer_name, "commonName")
        or _name_part(issuer_name, "organizationalUnitName")
        or _name_part(issuer_name, "organizationName")
    )
    not_after = dt.datetime.fromtimestamp(ssl.cert_time_to_seconds(peer["notAfter"]), dt.UTC)
    return Certificate(subject=subject, issuer=issuer, not_after=not_after, names=names)


def peer_certificate(response: httpx.Response) -> Certificate | None:
    """The certificate of the connection `response` came over, or None (plain HTTP, no TLS)."""
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    ssl_object = stream.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    return _certificate(ssl_object.getpeercert())
