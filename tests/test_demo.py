"""`prr demo`'s example service: a committed repository and a live endpoint that the real
probes judge as intended, passes, failures and open items alike."""

from __future__ import annotations

import json
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run

from prr.demo.repository import build_demo_repository
from prr.demo.server import DemoServer
from prr.workflow.demo import demo_service

Prr = Callable[..., Run]
ENDPOINT = "http://127.0.0.1:8080"

# What the demo is built to show at tier 1 of the launch pack.
PASSING = {
    "ownership.codeowners",
    "ownership.catalog-entry",
    "ownership.oncall-rotation",
    "slo.defined",
    "slo.metrics-exposed",
    "dashboards.as-code",
    "dashboards.golden-signals",
    "observability.health-endpoint",
    "observability.metrics-endpoint",
    "alerting.rules-sound",
    "alerting.routes-to-pager",
    "runbooks.present",
    "deployment.rollback-documented",
    "deployment.revision-history",
    "deployment.migrations-reversible",
    "capacity.resource-requests",
    "resilience.readiness-probes",
    "resilience.liveness-distinct",
    "resilience.disruption-budgets",
    "resilience.autoscaling",
    "dr.backups-scheduled",
    "security.no-plain-secrets",
    "security.disclosure-policy",
    "security.headers",
}
FAILING = {
    "alerting.runbook-links",  # one alert has no runbook_url
    "slo.error-budget-policy",
    "deployment.progressive-delivery",
    "capacity.load-tested",
    "dr.plan",
    "deployment.automated-rollback",  # recommended at tier 1: the same missing canary
    "security.security-txt",  # recommended at tier 1: not served
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def port_closed(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers["Content-Type"], refused.read()


def test_the_repository_is_committed_clean_by_the_demo_identity(tmp_path: Path) -> None:
    root = build_demo_repository(tmp_path, ENDPOINT)
    assert root == tmp_path / "checkout-api"
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(root, "rev-list", "--count", "HEAD") == "1"
    assert git(root, "log", "-1", "--format=%an <%ae> %cn %aI") == (
        "Checkout Team <checkout-team@acme.example> Checkout Team 2025-03-03T09:00:00+00:00"
    )
    assert f'endpoints = ["{ENDPOINT}"]' in (root / ".prr" / "config.toml").read_text()
    committed = git(root, "ls-files").splitlines()
    assert "runbooks/checkout-api.md" in committed
    assert not any("error-budget" in path or "disaster" in path for path in committed)


def test_the_users_git_setup_never_reaches_the_demo_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Real Person\n\temail = me@example.com\n[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = false\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_DIR", str(elsewhere / ".git"))  # would redirect a careless git call
    root = build_demo_repository(tmp_path / "demo", ENDPOINT)
    monkeypatch.delenv("GIT_DIR")
    assert git(root, "log", "-1", "--format=%an %G?") == "Checkout Team N"
    assert list(elsewhere.iterdir()) == []


def test_building_twice_gives_the_same_commit(tmp_path: Path) -> None:
    first = build_demo_repository(tmp_path / "one", ENDPOINT)
    second = build_demo_repository(tmp_path / "two", ENDPOINT)
    assert git(first, "rev-parse", "HEAD^{tree}") == git(second, "rev-parse", "HEAD^{tree}")
    assert git(first, "rev-parse", "HEAD") == git(second, "rev-parse", "HEAD")


def test_the_probes_find_passes_failures_and_open_items(tmp_path: Path, prr: Prr) -> None:
    with demo_service(tmp_path) as demo:
        result = prr("probe", str(demo.path), "--endpoint", demo.url, "--allow-private", "--format", "json")
    assert "Traceback" not in result.err
    assert result.code == 1  # some required evidence is missing
    report = json.loads(result.out)
    outcomes = {item["id"]: item["outcome"] for item in report["items"]}
    assert {item for item, outcome in outcomes.items() if outcome == "pass"} == PASSING
    assert {item for item, outcome in outcomes.items() if outcome == "fail"} == FAILING
    assert "error" not in outcomes.values()
    assert report["summary"]["not_applicable"] > 0  # no mesh, no HTTPS, no feature flags
    assert report["summary"]["manual"] > 0  # what only the owner can answer
    runbook_links = next(item for item in report["items"] if item["id"] == "alerting.runbook-links")
    failed = [f["message"] for f in runbook_links["findings"] if f["outcome"] == "fail"]
    assert failed == ["alert CheckoutDatabasePoolExhausted (monitoring/alerts.yaml:29) has no runbook_url annotation"]
    assert report["uncommitted_evidence"] == []


def test_the_configured_endpoint_is_the_live_demo_server(tmp_path: Path, prr: Prr) -> None:
    with demo_service(tmp_path) as demo:
        result = prr("probe", str(demo.path), "--allow-private", "--format", "json")
    health = next(item for item in json.loads(result.out)["items"] if item["id"] == "observability.health-endpoint")
    assert health["outcome"] == "pass"
    assert health["findings"][0]["evidence"][0]["url"] == f"{demo.url}/healthz"


def test_the_server_answers_health_readiness_and_metrics_and_nothing_else() -> None:
    with DemoServer() as server:
        assert get(f"{server.url}/healthz") == (200, "application/health+json", b'{"status": "pass"}')
        status, media, body = get(f"{server.url}/readyz")
        assert (status, media, json.loads(body)["status"]) == (200, "application/health+json", "pass")
        status, media, body = get(f"{server.url}/metrics")
        assert (status, media) == (200, "text/plain; version=0.0.4; charset=utf-8")
        assert b"# TYPE http_request_duration_seconds histogram" in body
        assert get(f"{server.url}/")[0] == 404
        assert get(f"{server.url}/admin")[0] == 404
    assert port_closed(server.url)


def test_leaving_the_demo_stops_the_server_and_deletes_the_repository(tmp_path: Path) -> None:
    with demo_service(tmp_path) as demo:
        assert demo.path.is_relative_to(tmp_path)
        assert get(f"{demo.url}/healthz")[0] == 200
    assert not demo.path.exists()
    assert list(tmp_path.iterdir()) == []
    assert port_closed(demo.url)


def test_a_failure_inside_the_demo_still_cleans_up(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), demo_service(tmp_path) as demo:
        raise RuntimeError("the review crashed")
    assert list(tmp_path.iterdir()) == []
    assert port_closed(demo.url)
