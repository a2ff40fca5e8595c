"""The repository probes, by id. Each family module exports PROBES: tuple[RepoProbe, ...]."""

from __future__ import annotations

from types import MappingProxyType

from prr.probes.api import RepoProbe

_FAMILIES: tuple[tuple[RepoProbe, ...], ...] = ()

REPOSITORY_PROBES = MappingProxyType({probe.id: probe for family in _FAMILIES for probe in family})
