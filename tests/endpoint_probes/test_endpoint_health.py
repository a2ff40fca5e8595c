"""health-endpoint: the first path that answers decides; the body must agree with the code."""

from __future__ import annotations

import hashlib
import json

from prr.domain.findings import Evidence, Outcome
from prr.probes.registry import PROBES

from .fakes import FakeFetcher, failure, one, reply

PROBE = "health-endpoint"
HEALTH_JSON = "application/health+json"
ACCEPT = "application/health+json, application/json;q=0.9, */*;q=0.1"
NOT_FOUND = reply(404, "not found", content_type="text/plain")


def health(status: str, code: int = 200, *, content_type: str = HEALTH_JSON, elapsed_ms: float = 12):
    return reply(code, json.dumps({"status": status}), content_type=content_type, elapsed_ms=elapsed_ms)


def test_a_2xx_health_json_pass_within_budget_passes_with_evidence():
    answer = health("pass")
    found = one(PROBE, FakeFetcher({"/healthz": answer}))
    assert found.outcome is Outcome.PASS
    assert found.message == "https://svc.example.com/healthz answered HTTP 200 in 12 ms; body says pass"
    digest = "sha256:" + hashlib.sha256(answer.body).hexdigest()
    assert found.evidence == (Evidence(url="https://svc.example.com/healthz", status=200, digest=digest),)
    assert found.locations == ()
    assert found.remediation == ""


def test_paths_are_tried_in_order_with_the_health_accept_header_until_one_is_not_404():
    fetcher = FakeFetcher({"/healthz": NOT_FOUND, "/readyz": health("ok"), "/livez": health("pass")})
    found = one(PROBE, fetcher)
    assert found.outcome is Outcome.PASS
    assert found.message == "https://svc.example.com/readyz answered HTTP 200 in 12 ms; body says ok"
    assert fetcher.urls() == ["https://svc.example.com/healthz", "https://svc.example.com/readyz"]
    assert {call.accept for call in fetcher.calls} == {ACCEPT}


def test_the_paths_param_replaces_the_default_paths():
    fetcher = FakeFetcher({"/status": health("up")})
    found = one(PROBE, fetcher, paths=["/status"])
    assert found.outcome is Outcome.PASS
    assert fetcher.urls() == ["https://svc.example.com/status"]


def test_the_first_path_that_answers_decides_even_when_it_fails():
    fetcher = FakeFetcher({"/healthz": reply(500, content_type="text/plain", elapsed_ms=3), "/readyz": health("pass")})
    found = one(PROBE, fetcher)
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/healthz answered HTTP 500 in 3 ms: not 2xx"
    assert fetcher.urls() == ["https://svc.example.com/healthz"]
    assert found.remediation == PROBES[PROBE].remediation


def test_health_json_fail_served_with_200_fails_because_load_balancers_keep_sending_traffic():
    found = one(PROBE, FakeFetcher({"/healthz": health("fail")}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/healthz answered HTTP 200 in 12 ms: "
        "body says fail but HTTP 200: load balancers will keep sending traffic"
    )
    assert found.remediation == PROBES[PROBE].remediation


def test_plain_json_with_a_status_field_saying_down_served_with_200_fails():
    found = one(PROBE, FakeFetcher({"/healthz": health("DOWN", content_type="application/json")}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/healthz answered HTTP 200 in 12 ms: "
        "body says down but HTTP 200: load balancers will keep sending traffic"
    )


def test_a_non_2xx_answer_fails_even_when_the_body_says_pass():
    found = one(PROBE, FakeFetcher({"/healthz": health("pass", 503)}))
    assert found.outcome is Outcome.FAIL
    assert (
        found.message
        == "https://svc.example.com/healthz answered HTTP 503 in 12 ms: not 2xx, though the body says pass"
    )


def test_a_non_2xx_answer_with_a_fail_body_fails_and_says_so():
    found = one(PROBE, FakeFetcher({"/healthz": health("fail", 503)}))
    assert found.outcome is Outcome.FAIL
    assert found.message == "https://svc.example.com/healthz answered HTTP 503 in 12 ms: not 2xx (body says fail)"


def test_warn_with_2xx_passes_with_a_note():
    found = one(PROBE, FakeFetcher({"/healthz": health("warn")}))
    assert found.outcome is Outcome.PASS
    assert found.message == (
        "https://svc.example.com/healthz answered HTTP 200 in 12 ms; note: body says warn (degraded but serving)"
    )


def test_latency_over_the_default_500_ms_budget_fails_naming_the_latency():
    found = one(PROBE, FakeFetcher({"/healthz": health("pass", elapsed_ms=900.4)}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/healthz answered HTTP 200 in 900 ms: answered in 900 ms, over the 500 ms budget"
    )


def test_the_latency_budget_param_is_honoured():
    fetcher = FakeFetcher({"/healthz": health("pass", elapsed_ms=900)})
    assert one(PROBE, fetcher, latency_budget_ms=1000).outcome is Outcome.PASS
    assert one(PROBE, fetcher, latency_budget_ms=100).outcome is Outcome.FAIL


def test_a_fail_body_and_a_slow_answer_are_both_named():
    found = one(PROBE, FakeFetcher({"/healthz": health("fail", elapsed_ms=700)}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/healthz answered HTTP 200 in 700 ms: "
        "body says fail but HTTP 200: load balancers will keep sending traffic; "
        "answered in 700 ms, over the 500 ms budget"
    )


def test_all_paths_404_fails_no_health_endpoint():
    fetcher = FakeFetcher({"/healthz": NOT_FOUND, "/readyz": NOT_FOUND, "/livez": NOT_FOUND})
    found = one(PROBE, fetcher)
    assert found.outcome is Outcome.FAIL
    assert found.message == "no health endpoint at https://svc.example.com/: /healthz, /readyz, /livez all answered 404"
    assert [e.url for e in found.evidence] == [
        "https://svc.example.com/healthz",
        "https://svc.example.com/readyz",
        "https://svc.example.com/livez",
    ]
    assert found.remediation == PROBES[PROBE].remediation


def test_a_fetch_error_is_an_error_never_a_fail():
    fetcher = FakeFetcher({"/healthz": failure("connect", "connection refused")})
    found = one(PROBE, fetcher)
    assert found.outcome is Outcome.ERROR
    assert found.message == "could not fetch https://svc.example.com/healthz: connect: connection refused"
    assert found.remediation == ""
    assert fetcher.urls() == ["https://svc.example.com/healthz"]


def test_a_plain_text_200_is_judged_by_its_status_code():
    found = one(PROBE, FakeFetcher({"/healthz": reply(200, "OK", content_type="text/plain", elapsed_ms=5)}))
    assert found.outcome is Outcome.PASS
    assert found.message == "https://svc.example.com/healthz answered HTTP 200 in 5 ms"


def test_health_json_that_does_not_parse_fails():
    found = one(PROBE, FakeFetcher({"/healthz": reply(200, "{not json", content_type=HEALTH_JSON)}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/healthz answered HTTP 200 in 10 ms: "
        "declares application/health+json but the body is not a JSON object"
    )


def test_health_json_without_a_status_fails():
    found = one(PROBE, FakeFetcher({"/healthz": reply(200, '{"checks": {}}', content_type=HEALTH_JSON)}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/healthz answered HTTP 200 in 10 ms: application/health+json body has no status"
    )


def test_health_json_with_an_unknown_status_fails():
    found = one(PROBE, FakeFetcher({"/healthz": health("green")}))
    assert found.outcome is Outcome.FAIL
    assert found.message == (
        "https://svc.example.com/healthz answered HTTP 200 in 12 ms: "
        "application/health+json status is not pass, warn or fail"
    )


def test_plain_json_without_a_status_field_is_judged_by_its_status_code():
    found = one(PROBE, FakeFetcher({"/healthz": reply(200, '{"db": "fine"}', content_type="application/json")}))
    assert found.outcome is Outcome.PASS
    assert found.message == "https://svc.example.com/healthz answered HTTP 200 in 10 ms"


def test_plain_json_with_an_unrecognised_status_passes_on_the_code_and_says_so():
    found = one(PROBE, FakeFetcher({"/healthz": health("UNKNOWN", content_type="application/json")}))
    assert found.outcome is Outcome.PASS
    assert found.message == (
        "https://svc.example.com/healthz answered HTTP 200 in 12 ms; "
        "body status not understood (the status code decides)"
    )


def test_an_empty_paths_param_is_an_error():
    found = one(PROBE, FakeFetcher(), paths=[])
    assert found.outcome is Outcome.ERROR
    assert found.message == "https://svc.example.com: no health paths configured"
