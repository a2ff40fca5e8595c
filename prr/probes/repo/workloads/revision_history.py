"""deployment-revision-history: a Deployment keeps old ReplicaSets to roll back to and
replaces its pods gradually."""

from __future__ import annotations

from typing import Any

from prr.domain.findings import Finding
from prr.probes.api import Params, Repo, RepoProbe
from prr.probes.repo.k8s import as_int, get, load, mapping, templated, yaml_probe
from prr.probes.repo.k8s.pods import Workload, workloads
from prr.probes.repo.k8s.replicas import Replicas, replicas, scalers
from prr.probes.repo.k8s.units import budget_value
from prr.probes.repo.outcomes import fail, passed, settle

HISTORY = "deployment-revision-history"


def _zero(value: Any) -> bool:
    parsed = budget_value(value)
    return parsed is not None and parsed[1] == 0


def _history_problems(workload: Workload, count: Replicas) -> list[tuple[str, tuple]]:
    res = workload.res
    spec = mapping(get(res.body, "spec")) or {}
    problems: list[tuple[str, tuple]] = []
    limit = spec.get("revisionHistoryLimit")
    if limit is not None and not templated(limit):
        number = as_int(limit)
        if number is None or number < 0:
            problems.append((f"revisionHistoryLimit {limit!r} is not a count", res.at("spec", "revisionHistoryLimit")))
        elif number == 0:
            problems.append(
                (
                    "revisionHistoryLimit 0 keeps no old ReplicaSet, so there is nothing to roll back to",
                    res.at("spec", "revisionHistoryLimit"),
                )
            )
    strategy = mapping(spec.get("strategy")) or {}
    kind = strategy.get("type", "RollingUpdate")
    if templated(kind):
        return problems
    if kind == "Recreate":
        if count.replicated:
            problems.append(
                ("strategy Recreate stops every replica before starting new ones", res.at("spec", "strategy", "type"))
            )
    elif kind != "RollingUpdate":
        problems.append(
            (f"strategy type {kind!r} is neither RollingUpdate nor Recreate", res.at("spec", "strategy", "type"))
        )
    else:
        rolling = mapping(strategy.get("rollingUpdate")) or {}
        surge, unavailable = rolling.get("maxSurge"), rolling.get("maxUnavailable")
        if surge is not None and unavailable is not None and _zero(surge) and _zero(unavailable):
            problems.append(
                (
                    "maxSurge and maxUnavailable are both 0 (the API refuses it)",
                    res.at("spec", "strategy", "rollingUpdate"),
                )
            )
        elif count.replicated and budget_value(unavailable) == ("percent", 100):
            problems.append(
                (
                    "maxUnavailable 100% takes every pod down at once",
                    res.at("spec", "strategy", "rollingUpdate", "maxUnavailable"),
                )
            )
    return problems


def run_history(repo: Repo, params: Params) -> list[Finding]:
    manifests = load(repo, HISTORY)
    all_scalers = scalers(manifests)
    results: list[Finding] = []
    for workload in workloads(manifests, ("Deployment",)):
        problems = _history_problems(workload, replicas(workload, all_scalers))
        if problems:
            message = f"{workload.ref}: " + "; ".join(p for p, _ in problems)
            results.append(fail(HISTORY, message, repo, [problems[0][1]]))
        else:
            message = f"{workload.ref} keeps old revisions and rolls pods gradually"
            results.append(passed(HISTORY, message, repo, [workload.res.at()]))
    return settle(HISTORY, manifests.errors, results, "no Deployment")


PROBES: tuple[RepoProbe, ...] = (yaml_probe(HISTORY, run_history),)
