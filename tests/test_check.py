"""`prr check`, the CI gate: exit 0 only for a valid, approved, unexpired record that
covers the code at the ref."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from conftest import Run
from records import allowed, commit_all, keys, reviewed_repo, sign_all

Prr = Callable[..., Run]
TWO = ("alice@example.com", "bob@example.com")


def signed_repo(tmp_path: Path, ready: bool = True, tier: int = 1) -> tuple[Path, Path, Path]:
    repo, record = reviewed_repo(tmp_path, tier=tier, ready=ready)
    keyring = keys(tmp_path, *TWO)
    sign_all(record, keyring)
    commit_all(repo)
    return repo, record, allowed(tmp_path, keyring)


def test_a_fresh_signed_ready_review_passes(tmp_path: Path, prr: Prr) -> None:
    repo, record, allowed_signers = signed_repo(tmp_path)
    result = prr("check", str(repo), "--allowed-signers", str(allowed_signers))
    assert result.code == 0, result.out + result.err
    assert result.out.startswith(f"PASS ready: {record.parent.name} of 2026-11-01, signed by {', '.join(TWO)}")


def test_a_code_change_after_the_review_fails_as_stale(tmp_path: Path, prr: Prr) -> None:
    repo, _, allowed_signers = signed_repo(tmp_path)
    (repo / "src" / "app.py").write_text("print('v2')\n")
    (repo / "src" / "new.py").write_text("x = 1\n")
    commit_all(repo, "code")
    result = prr("check", str(repo), "--allowed-signers", str(allowed_signers))
    assert result.code == 1
    assert result.out.splitlines()[0] == "FAIL stale: 2 files changed since the review of 2026-11-01"


def test_a_commit_touching_only_prr_files_keeps_the_review_valid(tmp_path: Path, prr: Prr) -> None:
    repo, _, allowed_signers = signed_repo(tmp_path)
    (repo / ".prr" / "config.toml").write_text((repo / ".prr" / "config.toml").read_text() + "# reviewed\n")
    commit_all(repo, "prr only")
    assert prr("check", str(repo), "--allowed-signers", str(allowed_signers)).code == 0


def test_a_valid_review_that_is_not_ready_fails_naming_the_blockers(tmp_path: Path, prr: Prr) -> None:
    repo, _, allowed_signers = signed_repo(tmp_path, ready=False)
    result = prr("check", str(repo), "--allowed-signers", str(allowed_signers))
    assert result.code == 1
    assert result.out.splitlines()[0].startswith("FAIL not ready: the review of 2026-11-01 has blockers: ")


def test_no_record_fails_and_says_what_to_run(tmp_path: Path, prr: Prr) -> None:
    repo, record = reviewed_repo(tmp_path)
    record.unlink()
    result = prr("check", str(repo), "--allowed-signers", str(allowed(tmp_path, keys(tmp_path, *TWO))))
    assert result.code == 1
    assert result.out.splitlines()[0] == (
        "FAIL no review record of this repository for checklist launch at tier 1: run prr review"
    )


def test_a_review_at_a_less_critical_tier_does_not_cover_the_service(tmp_path: Path, prr: Prr) -> None:
    repo, _, allowed_signers = signed_repo(tmp_path, tier=3)
    config = repo / ".prr" / "config.toml"
    config.write_text(config.read_text().replace("tier = 3", "tier = 1"))
    commit_all(repo, "now tier 1")
    result = prr("check", str(repo), "--allowed-signers", str(allowed_signers))
    assert result.code == 1
    assert "no review record of this repository for checklist launch at tier 1" in result.out


def test_junit_output_has_the_gate_as_a_failing_test_case(tmp_path: Path, prr: Prr) -> None:
    repo, _, allowed_signers = signed_repo(tmp_path)
    (repo / "src" / "app.py").write_text("print('v2')\n")
    commit_all(repo, "code")
    result = prr("check", str(repo), "--allowed-signers", str(allowed_signers), "--format", "junit")
    assert result.code == 1
    suite = ET.fromstring(result.out).find("testsuite")
    assert suite is not None and suite.get("failures") == "1" and suite.get("tests") == "2"
    failure = suite.find("testcase/failure")
    assert failure is not None and failure.get("message") == "stale: 1 file changed since the review of 2026-11-01"


def test_json_output_carries_the_decision_and_every_record(tmp_path: Path, prr: Prr) -> None:
    import json

    repo, record, allowed_signers = signed_repo(tmp_path)
    result = prr("check", str(repo), "--allowed-signers", str(allowed_signers), "--format", "json")
    data = json.loads(result.out)
    assert data["passed"] is True and data["tier"] == 1 and data["checklist"] == "launch"
    assert [r["status"] for r in data["records"]] == ["valid"]
    assert data["record"] == f".prr/records/{record.parent.name}/record.toml"
