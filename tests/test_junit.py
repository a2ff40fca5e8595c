"""`prr probe --format junit`: one suite per section, one test case per probed item, so CI
test-report views (GitLab, Jenkins) show what failed, what could not run and what waits."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from ci_fixtures import failing_repo, write_pack
from conftest import Run
from gitrepos import git

Prr = Callable[..., Run]


@pytest.fixture
def pack(tmp_path: Path) -> str:
    return write_pack(tmp_path)


def junit(prr: Prr, repo: Path, pack: str, *args: str) -> ET.Element:
    result = prr("probe", str(repo), "--checklist", pack, "--format", "junit", *args)
    assert result.code == 1, result.err
    assert result.out.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(result.out)


def case(root: ET.Element, item: str) -> ET.Element:
    [found] = [c for c in root.iter("testcase") if c.get("name") == item]
    return found


def test_one_suite_per_section_and_one_case_per_probed_item(tmp_path: Path, prr: Prr, pack: str) -> None:
    root = junit(prr, failing_repo(tmp_path / "svc"), pack)
    assert root.tag == "testsuites"
    suites = {s.get("name"): [c.get("name") for c in s.iter("testcase")] for s in root.iter("testsuite")}
    assert suites == {
        "Alerting": ["alerting.runbook-links", "alerting.rules-sound"],
        "Runbooks": ["runbooks.present"],  # runbooks.rehearsed has no probe: a person answers it
        "Health": ["health.endpoint"],
    }
    assert case(root, "alerting.runbook-links").get("classname") == "small.alerting"


def test_a_failed_item_is_a_failure_with_its_reason_location_and_fix(tmp_path: Path, prr: Prr, pack: str) -> None:
    root = junit(prr, failing_repo(tmp_path / "svc"), pack)
    failure = case(root, "alerting.runbook-links").find("failure")
    assert failure is not None
    assert failure.get("type") == "required"
    assert failure.get("message") == "alert HighErrorRate (alerts/payments.rules.yaml:4) has no runbook_url annotation"
    assert "(alerts/payments.rules.yaml:4)" in (failure.text or "")
    assert "  fix: " in (failure.text or "")
    recommended = case(root, "alerting.rules-sound").find("failure")
    assert recommended is not None and recommended.get("type") == "recommended"


def test_a_probe_that_could_not_run_is_an_error(tmp_path: Path, prr: Prr, pack: str) -> None:
    root = junit(prr, failing_repo(tmp_path / "svc"), pack)
    runbook = case(root, "runbooks.present")
    assert runbook.find("failure") is None
    error = runbook.find("error")
    assert error is not None
    assert (error.get("type"), error.get("message")) == ("probe-error", "runbooks/payments.md: binary")


def test_an_item_waiting_for_an_endpoint_is_skipped(tmp_path: Path, prr: Prr, pack: str) -> None:
    root = junit(prr, failing_repo(tmp_path / "svc"), pack)
    skipped = case(root, "health.endpoint").find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "health-endpoint: needs an endpoint (--endpoint URL or [service] endpoints)"


def test_the_counts_add_up_per_suite_and_overall(tmp_path: Path, prr: Prr, pack: str) -> None:
    root = junit(prr, failing_repo(tmp_path / "svc"), pack)
    keys = ("tests", "failures", "errors", "skipped")
    counts = {suite.get("name"): [suite.get(k) for k in keys] for suite in root}
    assert counts == {
        "Alerting": ["2", "2", "0", "0"],
        "Runbooks": ["1", "0", "1", "0"],
        "Health": ["1", "0", "0", "1"],
    }
    assert [root.get(k) for k in keys] == ["4", "2", "1", "1"]


def test_a_passing_item_is_a_plain_case_with_its_evidence(tmp_path: Path, prr: Prr, pack: str) -> None:
    repo = failing_repo(tmp_path / "svc")
    rules = repo / "alerts" / "payments.rules.yaml"
    rules.write_text(rules.read_text().replace("{summary: errors}", "{runbook_url: 'https://runbooks.example/pay'}"))
    git(repo, "commit", "-qam", "runbook linked")
    links = case(junit(prr, repo, pack), "alerting.runbook-links")
    assert [child.tag for child in links] == ["system-out"]
    out = (links.findtext("system-out") or "").splitlines()
    assert out[0] == "Every alert links its runbook (required)"
    assert out[1].startswith("alerts-have-runbooks: pass: 1 alert rule(s) carry a runbook link")
    assert out[1].endswith("(alerts/payments.rules.yaml:4)")


def test_text_xml_cannot_carry_is_escaped(tmp_path: Path, prr: Prr, pack: str) -> None:
    repo = failing_repo(tmp_path / "svc")
    git(repo, "mv", "runbooks/payments.md", "runbooks/pay\x01ments\udcff.md")
    git(repo, "commit", "-qm", "odd name")
    error = case(junit(prr, repo, pack), "runbooks.present").find("error")
    assert error is not None
    assert error.get("message") == "runbooks/pay\\x01ments\\xff.md: binary"
