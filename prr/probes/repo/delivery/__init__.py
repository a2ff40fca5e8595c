"""Delivery probes: can a release be rolled out gradually and rolled back? Progressive
rollouts, Helm test hooks, reversible database migrations and feature flag definitions.

Everything is read as text or as YAML/JSON through the safe reader in k8s.yaml_lines."""

from __future__ import annotations

from prr.probes.api import RepoProbe
from prr.probes.repo.delivery import flags, helm_tests, migrations, progressive
from prr.probes.repo.delivery.flags import FLAGS, FlagFile, run_flags, selects_flags
from prr.probes.repo.delivery.helm_tests import HELM_TESTS, run_helm_tests
from prr.probes.repo.delivery.migrations import MIGRATIONS, Verdict, run_migrations, selects_migration
from prr.probes.repo.delivery.progressive import PROGRESSIVE, run_progressive

__all__ = [
    "FLAGS",
    "HELM_TESTS",
    "MIGRATIONS",
    "PROBES",
    "PROGRESSIVE",
    "FlagFile",
    "Verdict",
    "run_flags",
    "run_helm_tests",
    "run_migrations",
    "run_progressive",
    "selects_flags",
    "selects_migration",
]

# The order findings are reported in.
PROBES: tuple[RepoProbe, ...] = (progressive.PROBE, helm_tests.PROBE, migrations.PROBE, flags.PROBE)
