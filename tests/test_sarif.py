"""`prr probe --format sarif` and `prr check --format sarif`: SARIF 2.1.0 that validates
and that GitHub code scanning accepts (rules, levels, file locations with lines, stable
fingerprints, a category per service)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ci_fixtures import (
    SIGNERS,
    assert_code_scanning_ready,
    failing_repo,
    make_stale,
    signed_repo,
    validated_sarif,
    write_pack,
)
from conftest import Run
from gitrepos import git
from records import allowed, keys, reviewed_repo
from sarif_kit.validate import validation_errors

from prr.cli.render_sarif import probe_sarif
from prr.domain.findings import Evidence, Finding, Location, Outcome
from prr.workflow.checklists import open_pack
from prr.workflow.probing import ItemEvidence, ProbeReport

Prr = Callable[..., Run]


@pytest.fixture
def pack(tmp_path: Path) -> str:
    return write_pack(tmp_path)


def probe_log(prr: Prr, *args: str, code: int = 1) -> dict[str, Any]:
    result = prr("probe", *args, "--format", "sarif")
    assert result.code == code, result.err
    log = validated_sarif(result.out)
    assert_code_scanning_ready(log)
    return log


def by_rule(log: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    results: dict[str, list[dict[str, Any]]] = {}
    for result in log["runs"][0]["results"]:
        results.setdefault(result["ruleId"], []).append(result)
    return results


def where(result: dict[str, Any]) -> tuple[str, int]:
    physical = result["locations"][0]["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"]


def test_asked_items_that_name_a_probe_are_the_rules(tmp_path: Path, prr: Prr, pack: str) -> None:
    log = probe_log(prr, str(failing_repo(tmp_path / "svc")), "--checklist", pack)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "prr"
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert list(rules) == ["alerting.runbook-links", "alerting.rules-sound", "runbooks.present", "health.endpoint"]
    links = rules["alerting.runbook-links"]
    assert links["shortDescription"] == {"text": "Every alert links its runbook"}
    assert links["fullDescription"] == {"text": "A page without a plan wastes the first minutes of an incident."}
    assert links["help"] == {"text": "Add a runbook_url annotation to each alert rule."}
    assert links["properties"]["tags"] == ["alerting", "oncall"]
    assert links["defaultConfiguration"] == {"level": "error"}  # required at tier 1
    assert rules["alerting.rules-sound"]["defaultConfiguration"] == {"level": "warning"}  # recommended at tier 1


def test_a_failure_is_an_error_where_required_and_a_warning_where_recommended(
    tmp_path: Path, prr: Prr, pack: str
) -> None:
    results = by_rule(probe_log(prr, str(failing_repo(tmp_path / "svc")), "--checklist", pack))
    [links] = results["alerting.runbook-links"]
    assert links["level"] == "error"
    assert where(links) == ("alerts/payments.rules.yaml", 4)
    assert links["message"]["text"].startswith("alerts-have-runbooks: alert HighErrorRate")
    assert " Fix: " in links["message"]["text"]
    [sound] = results["alerting.rules-sound"]
    assert (sound["level"], where(sound)) == ("warning", ("alerts/payments.rules.yaml", 4))


def test_the_tier_changes_the_level_with_the_requirement(tmp_path: Path, prr: Prr, pack: str) -> None:
    log = probe_log(prr, str(failing_repo(tmp_path / "svc")), "--checklist", pack, "--tier", "0")
    [sound] = by_rule(log)["alerting.rules-sound"]
    assert sound["level"] == "error"  # required at tier 0


def test_a_probe_that_could_not_run_is_one_level_lower_and_says_so(tmp_path: Path, prr: Prr, pack: str) -> None:
    log = probe_log(prr, str(failing_repo(tmp_path / "svc")), "--checklist", pack)
    [unreadable] = by_rule(log)["runbooks.present"]
    assert unreadable["level"] == "warning"  # required item: an error would be a failure
    assert unreadable["message"]["text"] == "runbook-present could not run: runbooks/payments.md: binary"
    assert unreadable["properties"]["outcome"] == "error"
    assert where(unreadable) == ("runbooks/payments.md", 1)  # about the whole file: its first line
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_passing_and_waiting_items_give_no_results(tmp_path: Path, prr: Prr, pack: str) -> None:
    log = probe_log(prr, str(failing_repo(tmp_path / "svc")), "--checklist", pack)
    assert "health.endpoint" not in by_rule(log)  # waits for an endpoint: nothing proven


def test_a_finding_with_no_file_points_at_the_service_config(tmp_path: Path, prr: Prr, pack: str) -> None:
    repo = failing_repo(tmp_path / "svc", service="services/payments")
    (repo / "services/payments/runbooks/payments.md").unlink()
    git(repo, "commit", "-qam", "no runbook")
    log = probe_log(prr, str(repo / "services/payments"), "--checklist", pack)
    [missing] = by_rule(log)["runbooks.present"]
    assert where(missing) == ("services/payments/.prr/config.toml", 1)
    [links] = by_rule(log)["alerting.runbook-links"]
    assert where(links) == ("services/payments/alerts/payments.rules.yaml", 4)  # relative to the repository
    assert log["runs"][0]["automationDetails"] == {"id": "prr/probe/services/payments/"}


def test_the_run_names_the_commit_and_its_category(tmp_path: Path, prr: Prr, pack: str) -> None:
    repo = failing_repo(tmp_path / "svc")
    run = probe_log(prr, str(repo), "--checklist", pack)["runs"][0]
    commit = git(repo, "rev-parse", "HEAD").strip()
    [provenance] = run["versionControlProvenance"]
    assert provenance["revisionId"] == commit
    assert provenance["repositoryUri"] == repo.resolve().as_uri()
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    assert run["automationDetails"] == {"id": "prr/probe/"}
    assert run["properties"]["checklist"] == {"id": "small", "version": "1"}


def test_fingerprints_are_stable_across_runs_and_distinct_per_result(tmp_path: Path, prr: Prr, pack: str) -> None:
    repo = failing_repo(tmp_path / "svc")
    first = probe_log(prr, str(repo), "--checklist", pack, "--no-cache")["runs"][0]["results"]
    again = probe_log(prr, str(repo), "--checklist", pack, "--no-cache")["runs"][0]["results"]
    prints = [r["partialFingerprints"] for r in first]
    assert prints == [r["partialFingerprints"] for r in again]
    assert len({p["prrFinding/v1"] for p in prints}) == len(prints)


@pytest.mark.parametrize("fmt", ["sarif", "junit"])
def test_the_format_never_changes_the_exit_code(tmp_path: Path, prr: Prr, pack: str, fmt: str) -> None:
    repo = failing_repo(tmp_path / "svc")
    text = prr("probe", str(repo), "--checklist", pack)
    assert (text.code, prr("probe", str(repo), "--checklist", pack, "--format", fmt).code) == (1, 1)


def test_a_non_utf8_path_is_a_percent_encoded_uri(tmp_path: Path, prr: Prr, pack: str) -> None:
    repo = failing_repo(tmp_path / "svc")
    (repo / "runbooks" / "payments.md").rename(repo / "runbooks" / "pay ments\udcff.md")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "odd name")
    probe_log(prr, str(repo), "--checklist", pack)  # fills the cache: the odd name must survive it
    [unreadable] = by_rule(probe_log(prr, str(repo), "--checklist", pack))["runbooks.present"]
    assert where(unreadable)[0] == "runbooks/pay%20ments%FF.md"
    assert unreadable["message"]["text"].endswith("runbooks/pay ments\\xff.md: binary")


def test_where_a_finding_points_without_a_line_or_a_file(tmp_path: Path, pack: str) -> None:
    """Its evidence's file when it has no location; the service config for an endpoint
    finding (only a URL); further locations as related ones."""
    item = open_pack(pack).item("alerting.runbook-links")
    findings = (
        Finding("alerts-have-runbooks", Outcome.FAIL, "a", evidence=(Evidence(path="alerts/a.yaml", blob="1"),)),
        Finding("alerts-have-runbooks", Outcome.FAIL, "b", evidence=(Evidence(url="https://x.example/", status=500),)),
        Finding("alerts-have-runbooks", Outcome.FAIL, "c", (Location("a.yaml", 3), Location("b.yaml", 7))),
    )
    report = ProbeReport(tmp_path, "services/pay", "0" * 40, open_pack(pack), 1)
    report.items.append(ItemEvidence(item, item.requirement(1), findings, ()))
    log = probe_sarif(report)
    assert validation_errors(log) == []
    assert_code_scanning_ready(log)
    evidence, endpoint, several = log["runs"][0]["results"]
    assert where(evidence) == ("alerts/a.yaml", 1)
    assert where(endpoint) == ("services/pay/.prr/config.toml", 1)
    assert where(several) == ("a.yaml", 3)
    [related] = several["relatedLocations"]
    assert (related["id"], related["physicalLocation"]["artifactLocation"]["uri"]) == (1, "b.yaml")
    assert related["physicalLocation"]["region"] == {"startLine": 7}


def test_the_validation_has_teeth() -> None:
    """A misspelt key, an unknown level or a missing message fail the schema check the
    tests above rely on."""
    good = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "prr"}}, "results": [{"ruleId": "a", "message": {"text": "m"}}]}],
    }
    assert validation_errors(good) == []
    for key, value in [("ruleid", "a"), ("level", "fatal"), ("message", {})]:
        bad = copy.deepcopy(good)
        bad["runs"][0]["results"][0][key] = value
        assert validation_errors(bad), key


# --- prr check ----------------------------------------------------------------------


def check_log(prr: Prr, repo: Path, allowed_signers: Path, code: int) -> dict[str, Any]:
    result = prr("check", str(repo), "--allowed-signers", str(allowed_signers), "--format", "sarif")
    assert result.code == code, result.err
    log = validated_sarif(result.out)
    assert_code_scanning_ready(log)
    return log


def test_check_a_fresh_review_has_the_rule_and_no_results(tmp_path: Path, prr: Prr) -> None:
    repo, _, allowed_signers = signed_repo(tmp_path)
    run = check_log(prr, repo, allowed_signers, 0)["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["prr.review-record"]
    assert run["results"] == []
    assert run["properties"]["passed"] is True
    assert run["automationDetails"] == {"id": "prr/check/"}


def test_check_a_stale_review_is_an_error_on_its_record(tmp_path: Path, prr: Prr) -> None:
    repo, record, allowed_signers = signed_repo(tmp_path)
    make_stale(repo)
    [stale] = check_log(prr, repo, allowed_signers, 1)["runs"][0]["results"]
    assert (stale["ruleId"], stale["level"]) == ("prr.review-record", "error")
    assert stale["message"]["text"] == "stale: 1 file changed since the review of 2026-11-01"
    assert where(stale) == (f".prr/records/{record.parent.name}/record.toml", 1)


def test_check_an_invalid_record_gives_a_result_per_failure(tmp_path: Path, prr: Prr) -> None:
    repo, _, _ = signed_repo(tmp_path)
    strangers = allowed(tmp_path / "other", keys(tmp_path / "other", *SIGNERS))
    results = check_log(prr, repo, strangers, 1)["runs"][0]["results"]
    assert len(results) >= 2  # each signature is refused on its own
    assert all(r["message"]["text"].startswith("invalid: ") for r in results)


def test_check_without_a_record_points_at_the_service_config(tmp_path: Path, prr: Prr) -> None:
    repo, record = reviewed_repo(tmp_path)
    record.unlink()
    [missing] = check_log(prr, repo, allowed(tmp_path, keys(tmp_path, *SIGNERS)), 1)["runs"][0]["results"]
    assert where(missing) == (".prr/config.toml", 1)
    assert missing["message"]["text"].startswith("no review record of this repository")
