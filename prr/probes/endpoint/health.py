"""health-endpoint: the service answers its health check, and the body agrees with the code.

The first configured path that answers anything but 404 decides. A body that says "fail"
served with 200 is the dangerous case: load balancers read the status code and keep
sending traffic to an instance that knows it is broken."""

from __future__ import annotations

import json
from typing import Any

from prr.domain.findings import Finding, Outcome
from prr.probes.endpoint._shared import (
    evidence,
    fetch_failed,
    finding,
    is_json_type,
    media_type,
    ok,
    shown_at,
)
from prr.probes.endpoint_api import EndpointContext, EndpointProbe, Fetcher, FetchError, Params, Response, join

PROBE = "health-endpoint"
ACCEPT = "application/health+json, application/json;q=0.9, */*;q=0.1"
HEALTH_JSON = "application/health+json"

# draft-inadarei-api-health-check names pass/warn/fail (with ok/up and error/down as
# aliases); Spring Boot and others say UP/DOWN/OUT_OF_SERVICE.
HEALTHY = frozenset({"pass", "ok", "up", "warn"})
UNHEALTHY = frozenset({"fail", "down", "error", "out_of_service"})


async def health_endpoint(fetcher: Fetcher, context: EndpointContext, params: Params) -> list[Finding]:
    endpoint = context.endpoint
    paths = [str(p) for p in params["paths"]]
    budget = float(params["latency_budget_ms"])
    if not paths:
        return [finding(PROBE, Outcome.ERROR, f"{endpoint.shown}: no health paths configured")]
    not_found: list[Response] = []
    for path in paths:
        got = await fetcher.get(join(endpoint, path), accept=ACCEPT)
        if isinstance(got, FetchError):
            return [fetch_failed(PROBE, shown_at(endpoint, path), got)]
        if got.status == 404:
            not_found.append(got)
            continue
        return [_judge(got, budget)]
    tried = ", ".join(paths)
    return [
        finding(
            PROBE,
            Outcome.FAIL,
            f"no health endpoint at {shown_at(endpoint, '/')}: {tried} all answered 404",
            [evidence(r) for r in not_found],
        )
    ]


def _judge(response: Response, budget_ms: float) -> Finding:
    status, body_note, body_problem = _body_status(response)
    head = f"{response.url} answered HTTP {response.status} in {response.elapsed_ms:.0f} ms"
    problems: list[str] = []
    if not ok(response.status):
        if status in HEALTHY:
            problems.append(f"not 2xx, though the body says {status}")
        else:
            problems.append("not 2xx" + (f" (body says {status})" if status in UNHEALTHY else ""))
    else:
        if status in UNHEALTHY:
            problems.append(f"body says {status} but HTTP {response.status}: load balancers will keep sending traffic")
        if body_problem:
            problems.append(body_problem)
    if response.elapsed_ms > budget_ms:
        problems.append(f"answered in {response.elapsed_ms:.0f} ms, over the {budget_ms:.0f} ms budget")
    if problems:
        return finding(PROBE, Outcome.FAIL, f"{head}: " + "; ".join(problems), [evidence(response)])
    if status == "warn":
        note = "; note: body says warn (degraded but serving)"
    elif status in HEALTHY:
        note = f"; body says {status}"
    else:
        note = body_note
    return finding(PROBE, Outcome.PASS, head + note, [evidence(response)])


def _body_status(response: Response) -> tuple[str | None, str, str]:
    """(the body's status, lower case, when it has a recognised one; a note for a pass;
    a problem that fails a 2xx answer)."""
    media, _ = media_type(response)
    declared = media == HEALTH_JSON
    if not (declared or is_json_type(media)):
        return None, "", ""
    document = _json(response.body)
    if not isinstance(document, dict):
        if declared:
            if response.truncated:
                return None, "", f"{HEALTH_JSON} body was cut off at {len(response.body)} bytes; status unreadable"
            return None, "", f"declares {HEALTH_JSON} but the body is not a JSON object"
        return None, "", ""
    raw = document.get("status")
    if raw is None:
        return None, "", f"{HEALTH_JSON} body has no status" if declared else ""
    status = raw.strip().lower() if isinstance(raw, str) else None
    if status in HEALTHY or status in UNHEALTHY:
        return status, "", ""
    if declared:
        return None, "", f"{HEALTH_JSON} status is not pass, warn or fail"
    return None, "; body status not understood (the status code decides)", ""


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


PROBES: tuple[EndpointProbe, ...] = (EndpointProbe(PROBE, health_endpoint),)
