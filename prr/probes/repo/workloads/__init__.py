"""Workload health probes over Kubernetes manifests: readiness and liveness probes,
resources, disruption budgets, autoscalers, rollout history and mesh timeouts.

Each probe validates what it finds and says where: one `fail` per offending container,
workload, autoscaler or route (at its line), one `pass` per workload or resource that is
sound, `not_applicable` when there is nothing to ask about, and `error` for files it
needed but could not read or parse. Values prr could not render from a Helm template are
never judged either way."""

from prr.probes.api import RepoProbe
from prr.probes.repo.workloads import (
    autoscalers,
    disruption_budgets,
    health_probes,
    mesh,
    resource_limits,
    revision_history,
)

# The order findings are reported in.
PROBES: tuple[RepoProbe, ...] = (
    *health_probes.PROBES,
    *resource_limits.PROBES,
    *disruption_budgets.PROBES,
    *autoscalers.PROBES,
    *revision_history.PROBES,
    *mesh.PROBES,
)
