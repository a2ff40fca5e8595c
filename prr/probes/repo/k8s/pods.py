"""Workloads (resources with a pod template) and their containers, with where each sits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prr.probes.repo.k8s.fields import get, items, shown, templated
from prr.probes.repo.k8s.resources import Manifests, Resource
from prr.probes.repo.k8s.yaml_lines import YMap

# kind -> (API groups, keys from the resource to its pod template)
POD_TEMPLATES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Deployment": (("apps", "extensions"), ("spec", "template")),
    "StatefulSet": (("apps",), ("spec", "template")),
    "DaemonSet": (("apps", "extensions"), ("spec", "template")),
    "ReplicaSet": (("apps", "extensions"), ("spec", "template")),
    "Rollout": (("argoproj.io",), ("spec", "template")),
    "Job": (("batch",), ("spec", "template")),
    "CronJob": (("batch",), ("spec", "jobTemplate", "spec", "template")),
    "Pod": (("",), ()),
}


@dataclass(frozen=True)
class Container:
    workload: Workload
    body: YMap
    index: int
    init: bool

    @property
    def name(self) -> str:
        name = self.body.get("name")
        return shown(name) if name is not None else f"#{self.index + 1}"

    @property
    def label(self) -> str:
        return f"{self.workload.res.ref} {'init container' if self.init else 'container'} {self.name}"

    def at(self, *keys: str) -> tuple[str, int | None]:
        field = "initContainers" if self.init else "containers"
        return self.workload.res.at(*self.workload.spec_keys, field, self.index, *keys)

    def ports(self) -> dict[str, Any]:
        """Named container ports -> number."""
        named = {}
        for _, port in items(self.body.get("ports")):
            if isinstance(port, dict) and isinstance(port.get("name"), str):
                named[port["name"]] = port.get("containerPort")
        return named


@dataclass(frozen=True)
class Workload:
    res: Resource
    template_keys: tuple[str, ...]

    @property
    def spec_keys(self) -> tuple[str, ...]:
        return (*self.template_keys, "spec")

    @property
    def kind(self) -> str:
        return self.res.kind

    @property
    def ref(self) -> str:
        return self.res.ref

    @property
    def labels(self) -> Any:
        return get(self.res.body, *self.template_keys, "metadata", "labels")

    def containers(self, init: bool = False) -> list[Container]:
        out = [
            Container(self, body, i, False)
            for i, body in items(get(self.res.body, *self.spec_keys, "containers"))
            if isinstance(body, YMap)
        ]
        if init:
            out += [
                Container(self, body, i, True)
                for i, body in items(get(self.res.body, *self.spec_keys, "initContainers"))
                if isinstance(body, YMap)
            ]
        return out

    def helm_test(self) -> bool:
        hooks = self.res.annotations().get("helm.sh/hook")
        return isinstance(hooks, str) and any(h.strip().startswith("test") for h in hooks.split(","))


def workloads(manifests: Manifests, kinds: tuple[str, ...] = tuple(POD_TEMPLATES)) -> list[Workload]:
    """Resources with a pod template that lists containers (patches and workloadRef
    Rollouts have none, so they are left out)."""
    out = []
    for res in manifests.resources:
        spec = POD_TEMPLATES.get(res.kind)
        if spec is None or res.kind not in kinds or not _in_group(res, spec[0]):
            continue
        workload = Workload(res, spec[1])
        if workload.containers():
            out.append(workload)
    return out


def _in_group(res: Resource, groups: tuple[str, ...]) -> bool:
    if templated(res.api_version):
        return True  # `apiVersion: {{ include "capabilities..." . }}`
    return res.group in groups or any(g and res.group.endswith("." + g) for g in groups)
