"""disruption-budgets: a replicated workload has exactly one PodDisruptionBudget, and it
lets node drains evict at least one pod."""

from __future__ import annotations

from prr.domain.findings import Finding
from prr.probes.api import Params, Repo, RepoProbe
from prr.probes.repo.k8s import Resource, get, load, mapping, templated, yaml_probe
from prr.probes.repo.k8s.pods import workloads
from prr.probes.repo.k8s.replicas import describe_replicas, replicas, scalers
from prr.probes.repo.k8s.selectors import SelectorIndex
from prr.probes.repo.k8s.units import budget_value
from prr.probes.repo.outcomes import fail, passed, settle

BUDGETS = "disruption-budgets"
REPLICATED_KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "Rollout")


def budget_problem(pdb: Resource, floor: int | None) -> tuple[str, tuple[str, int | None]] | None:
    spec = mapping(get(pdb.body, "spec")) or {}
    keys = [k for k in ("minAvailable", "maxUnavailable") if spec.get(k) is not None]
    if not keys:
        return f"{pdb.ref} sets neither minAvailable nor maxUnavailable", pdb.at("spec")
    if len(keys) == 2:
        return f"{pdb.ref} sets both minAvailable and maxUnavailable (the API refuses it)", pdb.at("spec", keys[1])
    key = keys[0]
    value = spec[key]
    if templated(value):
        return None
    parsed = budget_value(value)
    where = pdb.at("spec", key)
    if parsed is None:
        return f"{pdb.ref}: {key} {value!r} is not a count or a percentage", where
    unit, number = parsed
    if key == "maxUnavailable" and number == 0:
        return f"{pdb.ref}: maxUnavailable {value!r} lets no pod be evicted, so node drains block", where
    if key == "minAvailable" and (
        (unit == "percent" and number == 100) or (unit == "count" and floor is not None and number >= floor)
    ):
        return (
            f"{pdb.ref}: minAvailable {value!r} with as few as {floor} replicas lets no pod be evicted, "
            "so node drains block",
            where,
        )
    return None


def run_budgets(repo: Repo, params: Params) -> list[Finding]:
    manifests = load(repo, BUDGETS)
    all_scalers = scalers(manifests)
    pdbs = manifests.of_kind("PodDisruptionBudget", group="policy")
    selectors = [get(pdb.body, "spec", "selector") for pdb in pdbs]
    budgets = SelectorIndex(
        [(pdb, get(sel, "matchLabels"), get(sel, "matchExpressions")) for pdb, sel in zip(pdbs, selectors, strict=True)]
    )
    results: list[Finding] = []
    for workload in workloads(manifests, REPLICATED_KINDS):
        count = replicas(workload, all_scalers)
        if not count.replicated:
            continue
        selecting = budgets.selecting(workload)
        if not selecting:
            message = f"{workload.ref} {describe_replicas(count)} but no PodDisruptionBudget selects its pods"
            results.append(fail(BUDGETS, message, repo, [workload.res.at()]))
            continue
        if len(selecting) > 1:
            names = ", ".join(p.ref for p in selecting)
            message = f"{workload.ref} is selected by several PodDisruptionBudgets ({names}): evictions fail"
            results.append(fail(BUDGETS, message, repo, [p.at() for p in selecting]))
            continue
        pdb = selecting[0]
        problem = budget_problem(pdb, count.floor)
        if problem:
            message, where = problem
            results.append(fail(BUDGETS, f"{workload.ref}: {message}", repo, [where, workload.res.at()]))
        else:
            message = f"{workload.ref} {describe_replicas(count)} and is covered by {pdb.ref}"
            results.append(passed(BUDGETS, message, repo, [workload.res.at(), pdb.at()]))
    return settle(BUDGETS, manifests.errors, results, "no workload runs more than one replica")


PROBES: tuple[RepoProbe, ...] = (yaml_probe(BUDGETS, run_budgets),)
