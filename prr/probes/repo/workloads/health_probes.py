"""readiness-probes and liveness-distinct: containers that serve traffic say when they are
ready, and a liveness probe does not restart a pod for what only takes it out of rotation."""

from __future__ import annotations

from typing import Any

from prr.domain.findings import Finding
from prr.probes.api import Params, Repo, RepoProbe
from prr.probes.repo.k8s import get, items, load, templated, yaml_probe
from prr.probes.repo.k8s.pods import Container, Workload, workloads
from prr.probes.repo.k8s.selectors import SelectorIndex, service_index
from prr.probes.repo.outcomes import fail, passed, settle

READINESS = "readiness-probes"
LIVENESS = "liveness-distinct"
SERVED_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Rollout")
HANDLERS = ("httpGet", "tcpSocket", "grpc", "exec")


def served_because(services: SelectorIndex, workload: Workload) -> str | None:
    """Why the workload serves traffic (a containerPort, a selecting Service), or None."""
    for container in workload.containers():
        for _, port in items(container.body.get("ports")):
            if isinstance(port, dict) and port.get("containerPort") is not None:
                return f"container {container.name} declares containerPort {port['containerPort']}"
    selecting = services.selecting(workload)
    if selecting:
        return f"selected by {selecting[0].ref}"
    return None


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
            results.append(fail(READINESS, f"{message} ({reason})", repo, [at]))
        if not bad and not unknown:
            results.append(
                passed(
                    READINESS,
                    f"{workload.ref}: every container has a readinessProbe ({reason})",
                    repo,
                    [workload.res.at()],
                )
            )
    return settle(
        READINESS,
        manifests.errors,
        results,
        "no served workload: no Deployment, StatefulSet, DaemonSet or Rollout with a containerPort "
        "or selected by a Service",
    )


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
                fail(
                    LIVENESS,
                    f"{container.label}: livenessProbe is the same check as readinessProbe ({_describe(check)}); "
                    "when it fails the pod is restarted instead of only taken out of rotation",
                    repo,
                    [container.at("livenessProbe")],
                )
            )
        if judged and not failed:
            results.append(
                passed(
                    LIVENESS, f"{workload.ref}: liveness probes differ from readiness probes", repo, [workload.res.at()]
                )
            )
    return settle(LIVENESS, manifests.errors, results, "no container declares a livenessProbe")


PROBES: tuple[RepoProbe, ...] = (
    yaml_probe(READINESS, run_readiness),
    yaml_probe(LIVENESS, run_liveness),
)
