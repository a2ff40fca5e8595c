"""How many pods a workload runs: its declared replicas, or the autoscaler that governs it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prr.probes.repo.k8s.fields import as_int, get, mapping
from prr.probes.repo.k8s.pods import Workload
from prr.probes.repo.k8s.references import ByKindAndName, names_match
from prr.probes.repo.k8s.resources import Manifests, Resource


@dataclass(frozen=True)
class Scaler:
    res: Resource
    target_kind: Any
    target_name: Any
    min: int | None  # None when templated

    def governs(self, target: Resource) -> bool:
        return self.target_kind == target.kind and names_match(self.res, self.target_name, target)


def scalers(manifests: Manifests) -> ByKindAndName[Scaler]:
    """The autoscalers, under the kind and name they target, in manifest order."""
    out: ByKindAndName[Scaler] = ByKindAndName()
    for res in manifests.of_kind("HorizontalPodAutoscaler", group="autoscaling"):
        spec = mapping(get(res.body, "spec")) or {}
        kind, name = get(spec, "scaleTargetRef", "kind"), get(spec, "scaleTargetRef", "name")
        out.add(Scaler(res, kind, name, as_int(spec.get("minReplicas", 1))), kind, name, res)
    for res in manifests.of_kind("ScaledObject", group="keda.sh"):
        spec = mapping(get(res.body, "spec")) or {}
        kind, name = get(spec, "scaleTargetRef", "kind") or "Deployment", get(spec, "scaleTargetRef", "name")
        out.add(Scaler(res, kind, name, as_int(spec.get("minReplicaCount", 0))), kind, name, res)
    return out


@dataclass(frozen=True)
class Replicas:
    declared: int | None  # spec.replicas (1 when absent), None when templated
    scaled_min: int | None  # an autoscaler's minimum, when one governs the workload
    scaler: Scaler | None

    @property
    def replicated(self) -> bool:
        return any(n is not None and n > 1 for n in (self.declared, self.scaled_min))

    @property
    def floor(self) -> int | None:
        """The fewest pods the workload may run."""
        return self.scaled_min if self.scaler is not None else self.declared


def replicas(workload: Workload, all_scalers: ByKindAndName[Scaler]) -> Replicas:
    spec = mapping(get(workload.res.body, "spec")) or {}
    declared = as_int(spec["replicas"]) if "replicas" in spec else 1
    res = workload.res
    scaler = next((s for s in all_scalers.candidates(res.kind, res.name, res) if s.governs(res)), None)
    return Replicas(declared, scaler.min if scaler else None, scaler)


def describe_replicas(count: Replicas) -> str:
    if count.scaler is not None and count.scaled_min is not None and count.scaled_min > 1:
        return f"scales from {count.scaled_min} replicas ({count.scaler.res.ref})"
    return f"runs {count.declared} replicas"
