"""The repository probes, by id. Each family module exports PROBES: tuple[RepoProbe, ...]."""

from __future__ import annotations

from types import MappingProxyType

from prr.probes.api import RepoProbe
from prr.probes.repo import (
    alerting,
    capacity_dr,
    dashboards,
    delivery,
    ownership,
    runbooks,
    security,
    slos,
    workloads,
)

_FAMILIES: tuple[tuple[RepoProbe, ...], ...] = (
    ownership.PROBES,
    runbooks.PROBES,
    alerting.PROBES,
    dashboards.PROBES,
    slos.PROBES,
    workloads.PROBES,
    delivery.PROBES,
    capacity_dr.PROBES,
    security.PROBES,
)

REPOSITORY_PROBES = MappingProxyType({probe.id: probe for family in _FAMILIES for probe in family})
