"""autoscaler-sane: HorizontalPodAutoscalers and KEDA ScaledObjects keep a floor of
replicas, have room to scale, something to scale on and a target that exists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prr.domain.findings import Finding
from prr.probes.api import Params, Repo, RepoProbe
from prr.probes.repo.k8s import Resource, as_int, get, load, mapping, templated, yaml_probe
from prr.probes.repo.k8s.pods import POD_TEMPLATES
from prr.probes.repo.k8s.references import ByKindAndName, names_match
from prr.probes.repo.outcomes import fail, passed, settle

AUTOSCALERS = "autoscaler-sane"
Targets = ByKindAndName[Resource]  # what a scaleTargetRef may name

_METRIC_SECTIONS = {
    "Resource": "resource",
    "Pods": "pods",
    "Object": "object",
    "External": "external",
    "ContainerResource": "containerResource",
}


def _metric_problem(metric: Any) -> str | None:
    if not isinstance(metric, dict):
        return "a metric is not a mapping"
    kind = metric.get("type")
    section = metric.get(_METRIC_SECTIONS.get(kind, "")) if isinstance(kind, str) else None
    if not isinstance(section, dict):
        return f"metric of type {kind!r} has no {_METRIC_SECTIONS.get(kind, 'matching')} section"
    target = section.get("target")
    if isinstance(target, dict):  # autoscaling/v2
        if not any(target.get(k) is not None for k in ("averageUtilization", "averageValue", "value")):
            return f"{kind} metric has no target value"
    elif not any(k.startswith("target") for k in section):  # v2beta1: targetAverageUtilization, ...
        return f"{kind} metric has no target"
    return None


def _hpa_problems(res: Resource, minimum: int, targets: Targets) -> list[tuple[str, tuple]]:
    spec = mapping(get(res.body, "spec")) or {}
    problems: list[tuple[str, tuple]] = []
    low = spec.get("minReplicas", 1)
    low_n = as_int(low)
    if "minReplicas" not in spec:
        problems.append((f"minReplicas is not set (defaults to 1, below {minimum})", res.at("spec")))
    elif low_n is not None and low_n < minimum:
        problems.append((f"minReplicas {low_n} is below {minimum}", res.at("spec", "minReplicas")))
    high = spec.get("maxReplicas")
    if high is None:
        problems.append(("maxReplicas is not set", res.at("spec")))
    elif as_int(high) is not None and low_n is not None and as_int(high) <= low_n:
        problems.append((f"maxReplicas {high} is not above minReplicas {low_n}", res.at("spec", "maxReplicas")))
    if res.api_version == "autoscaling/v1":
        target = spec.get("targetCPUUtilizationPercentage")
        if target is None:
            problems.append(("no targetCPUUtilizationPercentage", res.at("spec")))
        elif not templated(target) and (as_int(target) is None or as_int(target) <= 0):
            where = res.at("spec", "targetCPUUtilizationPercentage")
            problems.append((f"targetCPUUtilizationPercentage {target!r} is not a positive number", where))
    else:
        metrics = spec.get("metrics")
        if not isinstance(metrics, list) or not metrics:
            problems.append(("no metrics: nothing to scale on", res.at("spec", "metrics")))
        elif not templated(metrics):
            for i, metric in enumerate(metrics):
                problem = _metric_problem(metric)
                if problem:
                    problems.append((problem, res.at("spec", "metrics", i)))
    problems += _target_problems(res, spec.get("scaleTargetRef"), targets, "scaleTargetRef")
    return problems


def _target_problems(res: Resource, ref: Any, targets: Targets, key: str) -> list[tuple[str, tuple]]:
    kind = get(ref, "kind") if res.kind != "ScaledObject" else get(ref, "kind") or "Deployment"
    name = get(ref, "name")
    if not kind or not name:
        return [(f"{key} does not name a kind and a name", res.at("spec", key))]
    if templated(name) or templated(kind):
        return []
    if not any(t.kind == kind and names_match(res, name, t) for t in targets.candidates(kind, name, res)):
        return [(f"{key} names {kind}/{name}, which is not in the repository", res.at("spec", key, "name"))]
    return []


def _scaled_object_problems(res: Resource, minimum: int, targets: Targets) -> list[tuple[str, tuple]]:
    spec = mapping(get(res.body, "spec")) or {}
    problems: list[tuple[str, tuple]] = []
    low_n = as_int(spec.get("minReplicaCount", 0))
    if low_n is not None and low_n < minimum:
        where = res.at("spec", "minReplicaCount") if "minReplicaCount" in spec else res.at("spec")
        default = "" if "minReplicaCount" in spec else " (the default)"
        problems.append((f"minReplicaCount {low_n}{default} is below {minimum}", where))
    high_n = as_int(spec.get("maxReplicaCount", 100))
    if high_n is not None and low_n is not None and high_n <= low_n:
        problems.append(
            (f"maxReplicaCount {high_n} is not above minReplicaCount {low_n}", res.at("spec", "maxReplicaCount"))
        )
    triggers = spec.get("triggers")
    if not isinstance(triggers, list) or not triggers:
        problems.append(("no triggers: nothing to scale on", res.at("spec", "triggers")))
    else:
        for i, trigger in enumerate(triggers):
            if (
                not isinstance(trigger, dict)
                or not trigger.get("type")
                or not isinstance(trigger.get("metadata"), dict)
            ):
                problems.append(("a trigger has no type or metadata", res.at("spec", "triggers", i)))
    problems += _target_problems(res, spec.get("scaleTargetRef"), targets, "scaleTargetRef")
    return problems


def run_autoscalers(repo: Repo, params: Params) -> list[Finding]:
    manifests = load(repo, AUTOSCALERS)
    minimum = int(params.get("min_replicas", 2))
    targets: Targets = ByKindAndName()
    for target in manifests.resources:
        if target.kind in POD_TEMPLATES or target.kind == "Rollout":
            targets.add(target, target.kind, target.name, target)
    results: list[Finding] = []
    checks: list[tuple[Resource, Callable]] = [
        *((r, _hpa_problems) for r in manifests.of_kind("HorizontalPodAutoscaler", group="autoscaling")),
        *((r, _scaled_object_problems) for r in manifests.of_kind("ScaledObject", group="keda.sh")),
    ]
    for res, check in checks:
        problems = check(res, minimum, targets)
        if problems:
            message = f"{res.ref}: " + "; ".join(p for p, _ in problems)
            results.append(fail(AUTOSCALERS, message, repo, [problems[0][1]]))
        else:
            results.append(passed(AUTOSCALERS, f"{res.ref} is sane (minimum {minimum} replicas)", repo, [res.at()]))
    return settle(AUTOSCALERS, manifests.errors, results, "no HorizontalPodAutoscaler or KEDA ScaledObject")


PROBES: tuple[RepoProbe, ...] = (yaml_probe(AUTOSCALERS, run_autoscalers),)
