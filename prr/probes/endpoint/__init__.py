"""The endpoint probes, by id. Each family module exports PROBES: tuple[EndpointProbe, ...]."""

from __future__ import annotations

from types import MappingProxyType

from prr.probes.endpoint import health, links, metrics, tls, web
from prr.probes.endpoint_api import EndpointProbe

_FAMILIES: tuple[tuple[EndpointProbe, ...], ...] = (
    health.PROBES,
    metrics.PROBES,
    tls.PROBES,
    web.PROBES,
    links.PROBES,
)

ENDPOINT_PROBES = MappingProxyType({probe.id: probe for family in _FAMILIES for probe in family})
