"""What the SARIF, JUnit and CI-integration tests share: a small pack whose probes fail in
known ways on a known repository, signed review records, and SARIF checked by the
official SARIF 2.1.0 schema, a SARIF object model and GitHub code scanning's own rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gitrepos import make_repo
from records import allowed, commit_all, keys, reviewed_repo, sign_all
from sarif_kit.validate import validation_errors
from sarif_pydantic import Sarif

SIGNERS = ("alice@example.com", "bob@example.com")

PACK = """\
id: small
version: "1"
title: Small
description: Probed items at both strengths, one waiting for an endpoint, one a person answers.
scorer: gate
sections:
  - id: alerting
    title: Alerting
    items:
      - id: alerting.runbook-links
        title: Every alert links its runbook
        why: A page without a plan wastes the first minutes of an incident.
        how: Add a runbook_url annotation to each alert rule.
        required: [0, 1, 2, 3]
        evidence: automatic
        probes: [alerts-have-runbooks]
        tags: [alerting, oncall]
      - id: alerting.rules-sound
        title: Alert rules are well formed
        why: A rule without a severity routes nowhere.
        how: Give each rule expr, for, labels.severity and annotations.
        required: [0]
        recommended: [1, 2, 3]
        evidence: automatic
        probes: [alert-rules-sound]
  - id: runbooks
    title: Runbooks
    items:
      - id: runbooks.present
        title: A runbook exists
        why: Pages need a plan written down.
        how: Write a runbook with diagnosis and mitigation sections.
        required: [0, 1, 2, 3]
        evidence: automatic
        probes: [runbook-present]
      - id: runbooks.rehearsed
        title: The runbook was rehearsed
        why: A plan nobody tried fails when it is needed.
        how: Walk through it in a game day.
        required: [0, 1, 2, 3]
        evidence: manual
  - id: health
    title: Health
    items:
      - id: health.endpoint
        title: The service answers health checks
        why: Load balancers need to know.
        how: Serve /healthz.
        required: [0, 1, 2, 3]
        evidence: automatic
        probes: [health-endpoint]
"""

ALERTS = """\
groups:
  - name: payments
    rules:
      - alert: HighErrorRate
        expr: rate(errors_total[5m]) > 1
        for: 5m
        labels: {severity: page}
        annotations: {summary: errors}
"""

# Fails alerting.runbook-links at alerts/payments.rules.yaml:4 (required: level error),
# fails alerting.rules-sound there too (recommended at tier 1: warning), and cannot read
# the binary runbook (runbooks.present could not run: required, so warning).
FAILING = {"alerts/payments.rules.yaml": ALERTS, "runbooks/payments.md": b"\x00\x01 not text"}


RUNBOOK = """\
# Payments runbook

The payments API takes card payments for the shop and talks to the card processor. When it
misbehaves, customers cannot pay, so every page for it is urgent and handled by the on-call
engineer of the payments team. This page explains how to find the cause and how to stop the
bleeding, step by step, with the commands to run and what to expect from each of them.

## Diagnosis

Check the error rate panel on the payments dashboard first, then the processor status page,
then the most recent deploys; the cause is almost always one of those three things.

## Mitigation

Roll back the last release, fail over to the secondary processor, or shed load at the gateway.
"""

# Every probe of the pack that can run here passes (the health endpoint only waits).
PASSING = {
    "alerts/payments.rules.yaml": ALERTS.replace("severity: page", "severity: critical").replace(
        "{summary: errors}", "{summary: errors, runbook_url: 'https://runbooks.example/payments'}"
    ),
    "runbooks/payments.md": RUNBOOK,
}


def write_pack(folder: Path) -> str:
    path = folder / "small.yaml"
    path.write_text(PACK)
    return str(path)


def failing_repo(root: Path, service: str = "") -> Path:
    prefix = f"{service}/" if service else ""
    return make_repo(root, {f"{prefix}{name}": content for name, content in FAILING.items()})


def signed_repo(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A committed, signed, ready review of a service: (repository, record.toml, allowed_signers)."""
    repo, record = reviewed_repo(tmp_path)
    keyring = keys(tmp_path, *SIGNERS)
    sign_all(record, keyring)
    commit_all(repo)
    return repo, record, allowed(tmp_path, keyring)


def make_stale(repo: Path) -> None:
    """Change the reviewed code: the record no longer covers HEAD."""
    (repo / "src" / "app.py").write_text("print('v2')\n")
    commit_all(repo, "code changed after the review")


def validated_sarif(text: str) -> dict[str, Any]:
    """The SARIF log in `text`, after the official OASIS SARIF 2.1.0 schema (shipped by
    sarif-kit: unknown keys, bad enums and missing required fields fail) and the
    sarif-pydantic object model both accepted it."""
    log = json.loads(text)
    assert validation_errors(log) == []
    Sarif.model_validate(log)
    return log


def assert_code_scanning_ready(log: dict[str, Any]) -> None:
    """What GitHub code scanning needs of each run and result, or it rejects the upload
    (every result needs a file location) or shows nothing useful."""
    assert log["version"] == "2.1.0"
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert driver["name"] == "prr" and driver["version"]
        rule_ids = [rule["id"] for rule in driver["rules"]]
        assert len(rule_ids) == len(set(rule_ids))
        for rule in driver["rules"]:
            assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
            assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert run["automationDetails"]["id"].startswith("prr/")
        for result in run["results"]:
            assert result["ruleId"] in rule_ids
            assert rule_ids[result["ruleIndex"]] == result["ruleId"]
            assert result["level"] in ("error", "warning", "note")
            assert result["message"]["text"]
            assert result["partialFingerprints"]
            assert 1 <= len(result["locations"]) <= 10
            for location in result["locations"] + result.get("relatedLocations", []):
                physical = location["physicalLocation"]
                uri = physical["artifactLocation"]["uri"]
                assert uri and not uri.startswith("/") and ":" not in uri  # relative to the checkout
                assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
                assert physical["region"]["startLine"] >= 1
