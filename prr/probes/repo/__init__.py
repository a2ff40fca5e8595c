"""The repository probes, by id. Each family module exports PROBES: tuple[RepoProbe, ...]."""

from __future__ import annotations

from types import MappingProxyType

from prr.probes.api import RepoProbe
from prr.probes.repo import alerting, runbooks

_FAMILIES: tuple[tuple[RepoProbe, ...], ...] = (runbooks.PROBES, alerting.PROBES)

REPOSITORY_PROBES = MappingProxyType({probe.id: probe for family in _FAMILIES for probe in family})
