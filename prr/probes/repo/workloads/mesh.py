"""mesh-resilience: service-mesh routes (Istio, Linkerd, Consul) have timeouts, and
retries fit inside them or are budgeted."""

from __future__ import annotations

from typing import Any

from prr.domain.findings import Finding
from prr.probes.api import Params, Repo, RepoProbe
from prr.probes.repo.k8s import Resource, as_int, get, items, load, templated, yaml_probe
from prr.probes.repo.k8s.units import duration
from prr.probes.repo.outcomes import fail, passed, settle

MESH = "mesh-resilience"


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
            results.append(fail(MESH, message, repo, [res.at("spec", "http", i)]))
    if judged and not results:
        results.append(
            passed(MESH, f"{res.ref}: every HTTP route has a timeout that bounds its retries", repo, [res.at()])
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
            results.append(fail(MESH, message, repo, [res.at("spec", "routes", i)]))
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
            results.append(fail(MESH, f"{res.ref}: {problem}", repo, [res.at("spec", "retryBudget")]))
    if judged and not results:
        results.append(passed(MESH, f"{res.ref}: every route has a timeout, retries are budgeted", repo, [res.at()]))
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
            results.append(fail(MESH, message, repo, [res.at("spec", "routes", i)]))
    if judged and not results:
        results.append(passed(MESH, f"{res.ref}: every route has a request timeout", repo, [res.at()]))
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
    return settle(
        MESH,
        manifests.errors,
        results,
        "no service-mesh routes (Istio VirtualService, Linkerd ServiceProfile, Consul ServiceRouter)",
    )


PROBES: tuple[RepoProbe, ...] = (yaml_probe(MESH, run_mesh),)
