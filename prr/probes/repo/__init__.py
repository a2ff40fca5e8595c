"""The repository probes, by id. Each family module exports PROBES: tuple[RepoProbe, ...].

`REPOSITORY_PROBES` imports a family when one of its probes is first looked up: a re-run
after a one-file change runs a few probes of a few families, and importing all nine (some
thirty modules, about a tenth of a second) was a third of a warm service review. The
table below says which family answers which probe; a test keeps it true."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from prr.probes.api import RepoProbe

FAMILIES: Mapping[str, tuple[str, ...]] = {
    "ownership": ("codeowners-present", "catalog-entry", "oncall-declared"),
    "runbooks": ("runbook-present", "rollback-documented"),
    "alerting": ("alerts-have-runbooks", "alert-rules-sound", "alerts-page-a-human"),
    "dashboards": ("dashboards-valid", "dashboard-golden-signals"),
    "slos": ("slo-defined", "error-budget-policy"),
    "workloads": (
        "readiness-probes",
        "liveness-distinct",
        "resource-limits",
        "disruption-budgets",
        "autoscaler-sane",
        "deployment-revision-history",
        "mesh-resilience",
    ),
    "delivery": ("progressive-delivery", "helm-tests", "migrations-reversible", "feature-flags-defined"),
    "capacity_dr": ("load-tests-present", "dr-plan", "backup-schedules"),
    "security": ("security-policy", "no-plain-secrets"),
}
_FAMILY_OF = {probe: family for family, probes in FAMILIES.items() for probe in probes}


def family_of(probe_id: str) -> str:
    """The family module answering PROBE_ID (the id itself for a probe of no family: a
    test's own)."""
    return _FAMILY_OF.get(probe_id, probe_id)


class _Probes(Mapping[str, RepoProbe]):
    """Every repository probe by id, its family imported on first lookup."""

    def __init__(self) -> None:
        self._loaded: dict[str, RepoProbe] = {}

    def __getitem__(self, probe_id: str) -> RepoProbe:
        found = self._loaded.get(probe_id)
        if found is None:
            family = _FAMILY_OF[probe_id]  # KeyError: no such repository probe
            for probe in importlib.import_module(f"{__name__}.{family}").PROBES:
                self._loaded[probe.id] = probe
            found = self._loaded[probe_id]
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(_FAMILY_OF)

    def __len__(self) -> int:
        return len(_FAMILY_OF)


REPOSITORY_PROBES: Mapping[str, RepoProbe] = _Probes()
