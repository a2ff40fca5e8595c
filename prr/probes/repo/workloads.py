"""Workload health probes over Kubernetes manifests: readiness and liveness probes,
resources, disruption budgets, autoscalers, rollout history and mesh timeouts.

Each probe validates what it finds and says where: one `fail` per offending container,
workload, autoscaler or route (at its line), one `pass` per workload or resource that is
sound, `not_applicable` when there is nothing to ask about, and `error` for files it
needed but could not read or parse. Values prr could not render from a Helm template are
never judged either way."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from prr.domain.findings import Finding, Outcome
from prr.probes.api import Params, Repo, RepoProbe, finding
from prr.probes.registry import PROBES as SPECS
from prr.probes.repo.k8s_manifests import (
    YAML_CANDIDATES,
    Manifests,
    Resource,
    YMap,
    as_int,
    get,
    items,
    load,
    mapping,
    selects_yaml,
    shown,
    templated,
)

READINESS = "readiness-probes"
LIVENESS = "liveness-distinct"
RESOURCES = "resource-limits"
BUDGETS = "disruption-budgets"
AUTOSCALERS = "autoscaler-sane"
HISTORY = "deployment-revision-history"
MESH = "mesh-resilience"

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
SERVED_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Rollout")
REPLICATED_KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "Rollout")
HANDLERS = ("httpGet", "tcpSocket", "grpc", "exec")


def _fail(probe: str, message: str, repo: Repo, at: list[tuple[str, int | None]]) -> Finding:
    return finding(probe, Outcome.FAIL, message, repo, at, SPECS[probe].remediation)


def _pass(probe: str, message: str, repo: Repo, at: list[tuple[str, int | None]]) -> Finding:
    return finding(probe, Outcome.PASS, message, repo, at)


def _settle(probe: str, manifests: Manifests, results: list[Finding], nothing: str) -> list[Finding]:
    """Errors first, then results; not_applicable only when nothing went unread."""
    if results or manifests.errors:
        return [*manifests.errors, *results]
    return [finding(probe, Outcome.NOT_APPLICABLE, nothing)]


# --- workloads and containers ------------------------------------------------------------------


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


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _same_namespace(a: Resource, b: Resource) -> bool:
    return not a.namespace or not b.namespace or a.namespace == b.namespace


def _concrete(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and not templated(value)


def selector_matches(selector: Any, expressions: Any, owner: Resource, workload: Workload) -> bool:
    """Whether a label selector (matchLabels and matchExpressions) picks the workload's pods.
    Where Helm helpers prr cannot render made the labels or the selector unknown, a
    selector from the same chart is taken to match: that is how chart helpers are used."""
    if not _same_namespace(owner, workload.res):
        return False
    labels = workload.labels
    known = _concrete(labels) and (selector is None or _concrete(selector) or selector == {})
    if not known or templated(expressions):
        return owner.chart is not None and owner.chart == workload.res.chart
    selector = selector or {}
    if not all(k in labels and _label(labels[k]) == _label(v) for k, v in selector.items()):
        return False
    for _, expression in items(expressions):
        if not _expression_matches(expression, labels):
            return False
    return bool(selector) or bool(items(expressions))


class SelectorIndex:
    """Owners (Services, PodDisruptionBudgets) indexed by one label of their selector, so
    finding those that select a workload tests a few candidates, not every owner: across a
    monorepo of thousands of services, the all-pairs test was quadratic."""

    def __init__(self, owners: list[tuple[Resource, Any, Any]]) -> None:
        self.owners = owners
        self.by_label: dict[tuple[str, str], list[int]] = {}
        self.always: list[int] = []  # templated or expression-only selectors: always tested
        for index, (_, selector, expressions) in enumerate(owners):
            if _concrete(selector) and expressions is None:
                key, value = next(iter(selector.items()))
                self.by_label.setdefault((key, _label(value)), []).append(index)
            else:
                self.always.append(index)

    def selecting(self, workload: Workload) -> list[Resource]:
        labels = workload.labels
        candidates = set(self.always)
        if _concrete(labels):
            for key, value in labels.items():
                candidates.update(self.by_label.get((key, _label(value)), ()))
        else:
            candidates.update(range(len(self.owners)))
        found = []
        for index in sorted(candidates):
            owner, selector, expressions = self.owners[index]
            if selector_matches(selector, expressions, owner, workload):
                found.append(owner)
        return found


def _expression_matches(expression: Any, labels: dict) -> bool:
    if not isinstance(expression, dict):
        return False
    key, operator = expression.get("key"), expression.get("operator")
    values = [_label(v) for _, v in items(expression.get("values"))]
    present = key in labels
    if operator == "In":
        return present and _label(labels[key]) in values
    if operator == "NotIn":
        return not present or _label(labels[key]) not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    return False


def service_index(manifests: Manifests) -> SelectorIndex:
    """The Services whose selector picks pods (not ExternalName, not selector-less)."""
    owners = []
    for service in manifests.of_kind("Service"):
        if service.group or service.kind != "Service":
            continue
        selector = get(service.body, "spec", "selector")
        if get(service.body, "spec", "type") == "ExternalName":
            continue
        if selector is None and service.chart is None:
            continue  # a Service without a selector has its endpoints managed elsewhere
        owners.append((service, selector, None))
    return SelectorIndex(owners)


def served_because(services: SelectorIndex, workload: Workload) -> str | None:
    for container in workload.containers():
        for _, port in items(container.body.get("ports")):
            if isinstance(port, dict) and port.get("containerPort") is not None:
                return f"container {container.name} declares containerPort {port['containerPort']}"
    selecting = services.selecting(workload)
    if selecting:
        return f"selected by {selecting[0].ref}"
    return None


# --- readiness-probes -------------------------------------------------------------------------


def _handler_problem(probe: Any, container: Container, key: str) -> str | None:
    """What is wrong with a probe definition, or None when it is sound or not knowable."""
    if templated(probe):
        return None
    kinds = [h for h in HANDLERS if isinstance(probe.get(h), dict)]
    if not kinds:
        return f"{key} has no handler (httpGet, tcpSocket, grpc or exec)"
    port = get(probe, kinds[0], "port")
    if isinstance(port, str) and not port.isdigit() and port not in container.ports():
        return f"{key} uses port {port!r}, which is not a named port of the container"
    return None


def run_readiness(repo: Repo, params: Params) -> list[Finding]:
    manifests = load(repo, READINESS)
    services = service_index(manifests)
    results: list[Finding] = []
    for workload in workloads(manifests, SERVED_KINDS):
        reason = served_because(services, workload)
        if reason is None:
            continue
        bad, unknown = [], False
        for container in workload.containers():
            probe = container.body.get("readinessProbe")
            if templated(probe):
                unknown = True  # rendered from values prr could not read
                continue
            if not isinstance(probe, dict) or not probe:
                bad.append((container, f"{container.label} has no readinessProbe, but the workload serves traffic"))
                continue
            problem = _handler_problem(probe, container, "readinessProbe")
            if problem:
                bad.append((container, f"{container.label}: {problem}"))
        for container, message in bad:
            at = container.at("readinessProbe") if "readinessProbe" in container.body else container.at()
            results.append(_fail(READINESS, f"{message} ({reason})", repo, [at]))
        if not bad and not unknown:
            results.append(
                _pass(
                    READINESS,
                    f"{workload.ref}: every container has a readinessProbe ({reason})",
                    repo,
                    [workload.res.at()],
                )
            )
    return _settle(
        READINESS,
        manifests,
        results,
        "no served workload: no Deployment, StatefulSet, DaemonSet or Rollout with a containerPort "
        "or selected by a Service",
    )


# --- liveness-distinct ------------------------------------------------------------------------


def _port(value: Any, container: Container) -> Any:
    if isinstance(value, str) and value in container.ports():
        value = container.ports()[value]
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def handler(probe: Any, container: Container) -> tuple | None:
    """What a probe checks (its handler, normalised), ignoring timings and thresholds."""
    for kind in HANDLERS:
        spec = probe.get(kind) if isinstance(probe, dict) else None
        if not isinstance(spec, dict):
            continue
        if kind == "httpGet":
            scheme = str(spec.get("scheme") or "HTTP").upper()
            return (kind, str(spec.get("path") or "/"), _port(spec.get("port"), container), spec.get("host"), scheme)
        if kind == "exec":
            command = spec.get("command")
            return (kind, tuple(str(c) for c in command) if isinstance(command, list) else None)
        if kind == "grpc":
            return (kind, _port(spec.get("port"), container), spec.get("service") or "")
        return (kind, _port(spec.get("port"), container), spec.get("host"))
    return None


def _describe(check: tuple) -> str:
    if check[0] == "httpGet":
        return f"httpGet {check[1]} on port {check[2]}"
    if check[0] == "exec":
        return "exec " + " ".join(check[1] or ())
    return f"{check[0]} on port {check[1]}"


def run_liveness(repo: Repo, params: Params) -> list[Finding]:
    manifests = load(repo, LIVENESS)
    results: list[Finding] = []
    for workload in workloads(manifests):
        live = [c for c in workload.containers() if isinstance(c.body.get("livenessProbe"), dict)]
        if not live:
            continue
        failed = judged = 0
        for container in live:
            liveness, readiness = container.body["livenessProbe"], container.body.get("readinessProbe")
            if templated(liveness) or templated(readiness):
                continue  # rendered from values prr could not read
            judged += 1
            check = handler(liveness, container)
            if not isinstance(readiness, dict) or check is None or check != handler(readiness, container):
                continue
            failed += 1
            results.append(
                _fail(
                    LIVENESS,
                    f"{container.label}: livenessProbe is the same check as readinessProbe ({_describe(check)}); "
                    "when it fails the pod is restarted instead of only taken out of rotation",
                    repo,
                    [container.at("livenessProbe")],
                )
            )
        if judged and not failed:
            results.append(
                _pass(
                    LIVENESS, f"{workload.ref}: liveness probes differ from readiness probes", repo, [workload.res.at()]
                )
            )
    return _settle(LIVENESS, manifests, results, "no container declares a livenessProbe")


# --- resource-limits --------------------------------------------------------------------------

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": "1e-9", "u": "1e-6", "m": "1e-3", "": "1", "k": "1e3", "M": "1e6", "G": "1e9", "T": "1e12"}
_DECIMAL |= {"P": "1e15", "E": "1e18"}
_QUANTITY = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?")


def quantity(value: Any) -> Decimal | None:
    """A Kubernetes resource quantity ("500m", "1Gi", 2), or None when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    match = _QUANTITY.fullmatch(str(value).strip())
    if match is None:
        return None
    number, suffix = match.group(1), match.group(2) or ""
    try:
        if suffix in _BINARY:
            return Decimal(number) * _BINARY[suffix]
        if suffix in _DECIMAL:
            return Decimal(number) * Decimal(_DECIMAL[suffix])
        return Decimal(number + suffix)
    except InvalidOperation:
        return None


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
                results.append(_fail(RESOURCES, f"{container.label}: {'; '.join(problems)}", repo, [container.at()]))
        if not bad and not unknown:
            results.append(
                _pass(
                    RESOURCES,
                    f"{workload.ref}: every container requests CPU and memory and limits memory",
                    repo,
                    [workload.res.at()],
                )
            )
    return _settle(RESOURCES, manifests, results, "no workload with containers")


# --- replicas and autoscalers -----------------------------------------------------------------


def _names_match(owner: Resource, name: Any, target: Resource) -> bool:
    if not _same_namespace(owner, target):
        return False
    if isinstance(name, str) and not templated(name) and target.name and not templated(target.name):
        return name == target.name
    return owner.chart is not None and owner.chart == target.chart  # Helm helpers: same chart


@dataclass(frozen=True)
class Scaler:
    res: Resource
    target_kind: Any
    target_name: Any
    min: int | None  # None when templated

    def governs(self, target: Resource) -> bool:
        return self.target_kind == target.kind and _names_match(self.res, self.target_name, target)


def scalers(manifests: Manifests) -> list[Scaler]:
    out = []
    for res in manifests.of_kind("HorizontalPodAutoscaler", group="autoscaling"):
        spec = mapping(get(res.body, "spec")) or {}
        minimum = spec.get("minReplicas", 1)
        out.append(
            Scaler(res, get(spec, "scaleTargetRef", "kind"), get(spec, "scaleTargetRef", "name"), as_int(minimum))
        )
    for res in manifests.of_kind("ScaledObject", group="keda.sh"):
        spec = mapping(get(res.body, "spec")) or {}
        kind = get(spec, "scaleTargetRef", "kind") or "Deployment"
        out.append(Scaler(res, kind, get(spec, "scaleTargetRef", "name"), as_int(spec.get("minReplicaCount", 0))))
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


def replicas(workload: Workload, all_scalers: list[Scaler]) -> Replicas:
    spec = mapping(get(workload.res.body, "spec")) or {}
    declared = as_int(spec["replicas"]) if "replicas" in spec else 1
    scaler = next((s for s in all_scalers if s.governs(workload.res)), None)
    return Replicas(declared, scaler.min if scaler else None, scaler)


def _describe_replicas(count: Replicas) -> str:
    if count.scaler is not None and count.scaled_min is not None and count.scaled_min > 1:
        return f"scales from {count.scaled_min} replicas ({count.scaler.res.ref})"
    return f"runs {count.declared} replicas"


# --- disruption-budgets -----------------------------------------------------------------------

_PERCENT = re.compile(r"(\d+)%")


def _budget_value(value: Any) -> tuple[str, int] | None:
    """("count", n) or ("percent", p), or None when invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return ("count", value)
    if isinstance(value, str):
        match = _PERCENT.fullmatch(value.strip())
        if match and int(match.group(1)) <= 100:
            return ("percent", int(match.group(1)))
        if value.strip().isdigit():
            return ("count", int(value.strip()))
    return None


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
    parsed = _budget_value(value)
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
            message = f"{workload.ref} {_describe_replicas(count)} but no PodDisruptionBudget selects its pods"
            results.append(_fail(BUDGETS, message, repo, [workload.res.at()]))
            continue
        if len(selecting) > 1:
            names = ", ".join(p.ref for p in selecting)
            message = f"{workload.ref} is selected by several PodDisruptionBudgets ({names}): evictions fail"
            results.append(_fail(BUDGETS, message, repo, [p.at() for p in selecting]))
            continue
        pdb = selecting[0]
        problem = budget_problem(pdb, count.floor)
        if problem:
            message, where = problem
            results.append(_fail(BUDGETS, f"{workload.ref}: {message}", repo, [where, workload.res.at()]))
        else:
            message = f"{workload.ref} {_describe_replicas(count)} and is covered by {pdb.ref}"
            results.append(_pass(BUDGETS, message, repo, [workload.res.at(), pdb.at()]))
    return _settle(BUDGETS, manifests, results, "no workload runs more than one replica")


# --- autoscaler-sane --------------------------------------------------------------------------

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


def _hpa_problems(res: Resource, minimum: int, targets: list[Resource]) -> list[tuple[str, tuple]]:
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


def _target_problems(res: Resource, ref: Any, targets: list[Resource], key: str) -> list[tuple[str, tuple]]:
    kind = get(ref, "kind") if res.kind != "ScaledObject" else get(ref, "kind") or "Deployment"
    name = get(ref, "name")
    if not kind or not name:
        return [(f"{key} does not name a kind and a name", res.at("spec", key))]
    if templated(name) or templated(kind):
        return []
    if not any(t.kind == kind and _names_match(res, name, t) for t in targets):
        return [(f"{key} names {kind}/{name}, which is not in the repository", res.at("spec", key, "name"))]
    return []


def _scaled_object_problems(res: Resource, minimum: int, targets: list[Resource]) -> list[tuple[str, tuple]]:
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
    targets = [r for r in manifests.resources if r.kind in POD_TEMPLATES or r.kind == "Rollout"]
    results: list[Finding] = []
    checks: list[tuple[Resource, Callable]] = [
        *((r, _hpa_problems) for r in manifests.of_kind("HorizontalPodAutoscaler", group="autoscaling")),
        *((r, _scaled_object_problems) for r in manifests.of_kind("ScaledObject", group="keda.sh")),
    ]
    for res, check in checks:
        problems = check(res, minimum, targets)
        if problems:
            message = f"{res.ref}: " + "; ".join(p for p, _ in problems)
            results.append(_fail(AUTOSCALERS, message, repo, [problems[0][1]]))
        else:
            results.append(_pass(AUTOSCALERS, f"{res.ref} is sane (minimum {minimum} replicas)", repo, [res.at()]))
    return _settle(AUTOSCALERS, manifests, results, "no HorizontalPodAutoscaler or KEDA ScaledObject")


# --- deployment-revision-history --------------------------------------------------------------


def _zero(value: Any) -> bool:
    parsed = _budget_value(value)
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
        elif count.replicated and _budget_value(unavailable) == ("percent", 100):
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
            results.append(_fail(HISTORY, message, repo, [problems[0][1]]))
        else:
            message = f"{workload.ref} keeps old revisions and rolls pods gradually"
            results.append(_pass(HISTORY, message, repo, [workload.res.at()]))
    return _settle(HISTORY, manifests, results, "no Deployment")


# --- mesh-resilience --------------------------------------------------------------------------

_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration(value: Any) -> float | None:
    """A Go/protobuf duration ("1.5s", "1m30s", "250ms") in seconds, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text == "0":
        return 0.0
    pos, total = 0, 0.0
    while pos < len(text):
        match = _DURATION.match(text, pos)
        if match is None:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    return total


def _istio_route_problems(route: dict) -> list[str]:
    timeout = route.get("timeout")
    if templated(timeout) or templated(route.get("retries")):
        return []
    problems = []
    seconds = duration(timeout) if timeout is not None else None
    if timeout is None:
        problems.append("no timeout")
    elif seconds is None:
        problems.append(f"timeout {timeout!r} is not a duration")
    elif seconds == 0:
        problems.append("timeout 0s disables the timeout")
    retries = route.get("retries")
    if isinstance(retries, dict):
        attempts = as_int(retries.get("attempts"))
        per_try = retries.get("perTryTimeout")
        if attempts is not None and attempts > 0:
            per_seconds = duration(per_try)
            if per_try is None:
                problems.append(f"{attempts} retries without perTryTimeout: each try may use the whole timeout")
            elif per_seconds is None:
                problems.append(f"perTryTimeout {per_try!r} is not a duration")
            elif seconds and attempts * per_seconds > seconds + 1e-9:
                problems.append(
                    f"retries do not fit in the timeout: {attempts} attempts x {per_try} "
                    f"= {attempts * per_seconds:g}s > timeout {timeout}"
                )
    return problems


def _route_name(route: Any, kind: str, index: int) -> str:
    name = route.get("name") if isinstance(route, dict) else None
    return f"route {name!r}" if name else f"{kind}[{index}]"


def _check_virtual_service(res: Resource, repo: Repo) -> list[Finding]:
    results, judged = [], 0
    for i, route in items(get(res.body, "spec", "http")):
        if not isinstance(route, dict) or any(k in route for k in ("delegate", "redirect", "directResponse")):
            continue  # no upstream of its own: timeouts belong to the delegate
        judged += 1
        problems = _istio_route_problems(route)
        if problems:
            message = f"{res.ref} {_route_name(route, 'http', i)}: " + "; ".join(problems)
            results.append(_fail(MESH, message, repo, [res.at("spec", "http", i)]))
    if judged and not results:
        results.append(
            _pass(MESH, f"{res.ref}: every HTTP route has a timeout that bounds its retries", repo, [res.at()])
        )
    return results


def _check_service_profile(res: Resource, repo: Repo) -> list[Finding]:
    results, judged, retryable = [], 0, False
    for i, route in items(get(res.body, "spec", "routes")):
        if not isinstance(route, dict) or templated(route.get("timeout")):
            continue
        judged += 1
        retryable = retryable or route.get("isRetryable") is True
        timeout = route.get("timeout")
        problem = None
        if timeout is None:
            problem = "no timeout"
        elif duration(timeout) is None:
            problem = f"timeout {timeout!r} is not a duration"
        elif duration(timeout) == 0:
            problem = "timeout 0 disables the timeout"
        if problem:
            message = f"{res.ref} {_route_name(route, 'routes', i)}: {problem}"
            results.append(_fail(MESH, message, repo, [res.at("spec", "routes", i)]))
    budget = get(res.body, "spec", "retryBudget")
    if retryable and not templated(budget):
        problem = None
        if not isinstance(budget, dict):
            problem = "retryable routes but no retryBudget"
        else:
            ratio = budget.get("retryRatio")
            if not isinstance(ratio, int | float) or isinstance(ratio, bool) or not 0 < ratio <= 1:
                problem = f"retryBudget.retryRatio {ratio!r} is not between 0 and 1"
            elif budget.get("ttl") is not None and duration(budget.get("ttl")) is None:
                problem = f"retryBudget.ttl {budget.get('ttl')!r} is not a duration"
        if problem:
            results.append(_fail(MESH, f"{res.ref}: {problem}", repo, [res.at("spec", "retryBudget")]))
    if judged and not results:
        results.append(_pass(MESH, f"{res.ref}: every route has a timeout, retries are budgeted", repo, [res.at()]))
    return results


def _check_service_router(res: Resource, repo: Repo) -> list[Finding]:
    results, judged = [], 0
    for i, route in items(get(res.body, "spec", "routes")):
        if not isinstance(route, dict) or templated(get(route, "destination", "requestTimeout")):
            continue
        judged += 1
        timeout = get(route, "destination", "requestTimeout")
        if timeout is None or not duration(timeout):
            problem = "no requestTimeout" if timeout is None else f"requestTimeout {timeout!r} is not a duration"
            message = f"{res.ref} routes[{i}]: {problem}"
            results.append(_fail(MESH, message, repo, [res.at("spec", "routes", i)]))
    if judged and not results:
        results.append(_pass(MESH, f"{res.ref}: every route has a request timeout", repo, [res.at()]))
    return results


def run_mesh(repo: Repo, params: Params) -> list[Finding]:
    manifests = load(repo, MESH)
    results: list[Finding] = []
    for res in manifests.of_kind("VirtualService", group="networking.istio.io"):
        results += _check_virtual_service(res, repo)
    for res in manifests.of_kind("ServiceProfile", group="linkerd.io"):
        results += _check_service_profile(res, repo)
    for res in manifests.of_kind("ServiceRouter", group="consul.hashicorp.com"):
        results += _check_service_router(res, repo)
    return _settle(
        MESH,
        manifests,
        results,
        "no service-mesh routes (Istio VirtualService, Linkerd ServiceProfile, Consul ServiceRouter)",
    )


PROBES: tuple[RepoProbe, ...] = (
    RepoProbe(READINESS, selects_yaml, run_readiness, YAML_CANDIDATES),
    RepoProbe(LIVENESS, selects_yaml, run_liveness, YAML_CANDIDATES),
    RepoProbe(RESOURCES, selects_yaml, run_resources, YAML_CANDIDATES),
    RepoProbe(BUDGETS, selects_yaml, run_budgets, YAML_CANDIDATES),
    RepoProbe(AUTOSCALERS, selects_yaml, run_autoscalers, YAML_CANDIDATES),
    RepoProbe(HISTORY, selects_yaml, run_history, YAML_CANDIDATES),
    RepoProbe(MESH, selects_yaml, run_mesh, YAML_CANDIDATES),
)
