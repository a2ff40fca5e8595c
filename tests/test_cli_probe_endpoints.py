"""`prr probe --endpoint`: the live service asked over real sockets on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import Run
from gitrepos import make_repo

if TYPE_CHECKING:
    from endpoint_servers import Servers

pytest_plugins = ("endpoint_servers",)
Prr = Callable[..., Run]

PACK = """\
id: live
version: "1"
title: Live checks
description: The endpoint probes only.
scorer: gate
sections:
  - id: live
    title: Live
    items:
      - {id: live.health, title: Health, why: Traffic needs it., how: Serve /healthz., required: [0, 1],
         evidence: automatic, probes: [health-endpoint]}
      - {id: live.metrics, title: Metrics, why: Alerts need it., how: Serve /metrics., required: [0, 1],
         evidence: automatic, probes: [metrics-endpoint]}
      - {id: live.slo-metrics, title: SLO metrics, why: SLOs need them., how: Export them., required: [0, 1],
         evidence: automatic, probes: [slo-metrics-exposed]}
      - {id: live.tls, title: TLS, why: Browsers need it., how: Serve a valid chain., required: [0, 1],
         evidence: automatic, probes: [tls-valid, tls-expiry]}
"""
RULES = """\
groups:
  - name: api
    rules:
      - alert: ApiDown
        expr: sum(rate({metric}[5m])) == 0
        for: 5m
        labels: {{severity: critical}}
        annotations: {{summary: The API answers nothing}}
"""


@pytest.fixture
def service(tmp_path: Path) -> tuple[Path, str]:
    pack = tmp_path / "live.yaml"
    pack.write_text(PACK)
    return make_repo(tmp_path / "svc", {"alerts/rules.yaml": RULES.format(metric="prr_demo_requests_total")}), str(pack)


def probe(prr: Prr, repo: Path, pack: str, *args: str) -> tuple[int, dict, str]:
    result = prr("probe", str(repo), "--checklist", pack, "--tier", "0", "--format", "json", *args)
    assert "Traceback" not in result.err
    return result.code, json.loads(result.out), result.err


def outcomes(report: dict) -> dict[str, str | None]:
    return {item["id"]: item["outcome"] for item in report["items"]}


def test_a_healthy_service_passes_its_live_checks(
    endpoint_servers: Servers, service: tuple[Path, str], prr: Prr
) -> None:
    repo, pack = service
    code, report, _ = probe(prr, repo, pack, "--endpoint", endpoint_servers.url("healthy"), "--allow-private")
    found = outcomes(report)
    assert found["live.health"] == "pass"
    assert found["live.metrics"] == "pass"
    assert found["live.tls"] == "not_applicable"  # plain HTTP: nothing to verify
    health = report["items"][0]["findings"][0]
    assert health["evidence"][0]["status"] == 200
    assert health["evidence"][0]["url"].startswith(endpoint_servers.url("healthy", "/healthz"))
    assert code in (0, 1)  # slo-metrics-exposed decides (next test)


def test_metric_names_the_alerts_query_must_be_exposed_live(
    endpoint_servers: Servers, tmp_path: Path, prr: Prr
) -> None:
    pack = tmp_path / "live.yaml"
    pack.write_text(PACK)
    repo = make_repo(tmp_path / "svc", {"alerts/rules.yaml": RULES.format(metric="never_exposed_total")})
    code, report, _ = probe(prr, repo, str(pack), "--endpoint", endpoint_servers.url("healthy"), "--allow-private")
    assert outcomes(report)["live.slo-metrics"] == "fail"
    assert "never_exposed_total" in report["items"][2]["findings"][0]["message"]
    assert code == 1


def test_loopback_is_refused_unless_allowed(endpoint_servers: Servers, service: tuple[Path, str], prr: Prr) -> None:
    repo, pack = service
    code, report, _ = probe(prr, repo, pack, "--endpoint", endpoint_servers.url("healthy"))
    assert outcomes(report)["live.health"] == "error"
    assert code == 3


def test_a_health_body_saying_fail_with_200_fails(
    endpoint_servers: Servers, service: tuple[Path, str], prr: Prr
) -> None:
    repo, pack = service
    code, report, _ = probe(prr, repo, pack, "--endpoint", endpoint_servers.url("health_fail"), "--allow-private")
    assert outcomes(report)["live.health"] == "fail"
    assert code == 1


@pytest.mark.parametrize(
    ("server", "expected"), [("tls_valid", "pass"), ("tls_expired", "fail"), ("tls_expiring", "fail")]
)
def test_tls_chain_host_and_expiry_are_checked(
    endpoint_servers: Servers,
    service: tuple[Path, str],
    prr: Prr,
    monkeypatch: pytest.MonkeyPatch,
    server: str,
    expected: str,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(endpoint_servers.ca_file))  # trust the test CA, as an OS store would
    repo, pack = service
    url = endpoint_servers.url(server).replace("127.0.0.1", "localhost")
    _, report, _ = probe(prr, repo, pack, "--endpoint", url, "--allow-private")
    assert outcomes(report)["live.tls"] == expected


def test_secrets_in_the_url_and_headers_appear_nowhere(
    endpoint_servers: Servers, service: tuple[Path, str], prr: Prr
) -> None:
    repo, pack = service
    secret = "s3cr3t-7f4c2a9e"
    url = endpoint_servers.url("echo").replace("http://", f"http://robot:{secret}-pw@") + f"?token={secret}-q"
    result = prr(
        "probe", str(repo), "--checklist", pack, "--endpoint", url, "--header", f"Authorization: Bearer {secret}-h",
        "--allow-private", "--format", "json",
    )  # fmt: skip
    assert secret not in result.out
    assert secret not in result.err
    text = prr("probe", str(repo), "--checklist", pack, "--endpoint", url, "--allow-private")
    assert secret not in text.out + text.err


def test_a_bad_header_is_a_usage_error_that_does_not_echo_it(service: tuple[Path, str], prr: Prr) -> None:
    repo, pack = service
    result = prr("probe", str(repo), "--checklist", pack, "--header", "Bearer-only-s3cr3t")
    assert result.code == 2
    assert "s3cr3t" not in result.err


def test_a_proxy_from_the_environment_is_used_and_named(
    endpoint_servers: Servers, service: tuple[Path, str], prr: Prr, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = endpoint_servers.url("proxy")
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "")
    repo, pack = service
    _, report, _ = probe(prr, repo, pack, "--endpoint", "http://service.invalid/", "--allow-private")
    health = report["items"][0]["findings"][0]
    assert health["message"].endswith(f"(via proxy {proxy})")


def test_a_review_as_code_reaches_a_configured_loopback_endpoint_only_when_allowed(
    endpoint_servers: Servers, tmp_path: Path, prr: Prr
) -> None:
    pack = tmp_path / "live.yaml"
    pack.write_text(PACK)
    config = f'[service]\nname = "svc"\ntier = 0\nendpoints = ["{endpoint_servers.url("healthy")}"]\n'
    files = {"alerts/rules.yaml": RULES.format(metric="x_total"), ".prr/config.toml": config}
    repo = make_repo(tmp_path / "svc", files)
    refused = prr("review", str(repo), "--no-tui", "--template", "--checklist", str(pack))
    allowed = prr("review", str(repo), "--no-tui", "--template", "--checklist", str(pack), "--allow-private")
    assert allowed.code == 0, allowed.err
    health = "  # probes say: {}\n  live.health:"
    assert health.format("error") in refused.out  # loopback refused: the probe could not run
    assert health.format("pass") in allowed.out


def test_an_endpoint_without_a_host_is_a_usage_error(service: tuple[Path, str], prr: Prr) -> None:
    repo, pack = service
    result = prr("probe", str(repo), "--checklist", pack, "--endpoint", "http://")
    assert result.code == 2
    assert result.err.splitlines() == ["prr: http://: the URL names no host (--endpoint)"]
