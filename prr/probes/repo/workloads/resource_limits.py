"""resource-limits: every container requests CPU and memory and limits memory, sanely."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from prr.domain.findings import Finding
from prr.probes.api import Params, Repo, RepoProbe
from prr.probes.repo.k8s import get, load, templated, yaml_probe
from prr.probes.repo.k8s.pods import workloads
from prr.probes.repo.k8s.units import quantity
from prr.probes.repo.outcomes import fail, passed, settle

RESOURCES = "resource-limits"

REQUIRED_RESOURCES = (("requests.cpu", "requests", "cpu"), ("requests.memory", "requests", "memory"))
REQUIRED_RESOURCES += (("limits.memory", "limits", "memory"),)


def resource_problems(resources: Any) -> list[str]:
    resources = resources if isinstance(resources, dict) else {}
    problems, missing = [], []
    amounts: dict[str, Decimal] = {}
    for label, section, name in REQUIRED_RESOURCES:
        value = get(resources, section, name)
        if value is None or value == "":
            missing.append(label)
        elif not templated(value):
            amount = quantity(value)
            if amount is None or amount <= 0:
                problems.append(f"{label} {value!r} is not a positive quantity")
            else:
                amounts[label] = amount
    for limit, request in (("limits.memory", "requests.memory"),):
        if limit in amounts and request in amounts and amounts[limit] < amounts[request]:
            problems.append(f"{limit} is below {request}")
    cpu_limit = get(resources, "limits", "cpu")
    if "requests.cpu" in amounts and cpu_limit is not None and not templated(cpu_limit):
        amount = quantity(cpu_limit)
        if amount is not None and amount < amounts["requests.cpu"]:
            problems.append("limits.cpu is below requests.cpu")
    if missing:
        problems.insert(0, "missing " + ", ".join(f"resources.{m}" for m in missing))
    return problems


def run_resources(repo: Repo, params: Params) -> list[Finding]:
    manifests = load(repo, RESOURCES)
    results: list[Finding] = []
    for workload in workloads(manifests):
        if workload.helm_test():
            continue  # a Helm test hook runs once, by hand
        bad, unknown = 0, False
        for container in workload.containers(init=True):
            if templated(container.body.get("resources")):
                unknown = True
                continue
            problems = resource_problems(container.body.get("resources"))
            if problems:
                bad += 1
                results.append(fail(RESOURCES, f"{container.label}: {'; '.join(problems)}", repo, [container.at()]))
        if not bad and not unknown:
            results.append(
                passed(
                    RESOURCES,
                    f"{workload.ref}: every container requests CPU and memory and limits memory",
                    repo,
                    [workload.res.at()],
                )
            )
    return settle(RESOURCES, manifests.errors, results, "no workload with containers")


PROBES: tuple[RepoProbe, ...] = (yaml_probe(RESOURCES, run_resources),)
