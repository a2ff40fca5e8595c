"""`prr check`'s policy: which records may cover the service. The tier CI pins (or the
stricter of the config's at the ref and at the reviewed commit), the pack the config names
(a pack file included), the newest review of the code deciding, and waivers lapsing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from gitrepos import git, make_repo
from records import NOW, allowed, answers_file, commit_all, keys, sign_all
from signing.sshkeys import Key

from prr.workflow.checklists import open_pack
from prr.workflow.gate import check
from prr.workflow.review import review
from prr.workflow.verifying import VerifyOptions

Prr = Callable[..., Run]
Keys = dict[str, Key]
ALICE, BOB = "alice@example.com", "bob@example.com"
CONFIG = '[service]\nname = "payments"\n{tier}owner = "team-payments"\nchecklist = "{checklist}"\n'
MINI_PACK = """\
format: 1
id: acme-launch
version: "1.0.0"
title: ACME launch review
description: What ACME asks.
scorer: gate
signoff: {0: 1, 1: 1, 2: 1, 3: 1}
sections:
  - id: ownership
    title: Ownership
    items:
      - id: ownership.oncall
        title: On-call named
        why: Pages need a person.
        how: Name the rotation.
        required: [0, 1, 2, 3]
"""


def config(tier: int | None, checklist: str = "launch") -> str:
    return CONFIG.format(tier="" if tier is None else f"tier = {tier}\n", checklist=checklist)


def service(tmp_path: Path, tier: int | None, files: dict[str, str] | None = None, checklist: str = "launch") -> Path:
    files = {"src/app.py": "print('payments')\n", ".prr/config.toml": config(tier, checklist)} | (files or {})
    return make_repo(tmp_path / "repo", files)


@pytest.fixture
def keyring(tmp_path: Path) -> Keys:
    return keys(tmp_path, ALICE, BOB)


@pytest.fixture
def trusted(tmp_path: Path, keyring: Keys) -> str:
    """The allowed_signers file CI names: ALICE and BOB, from outside the repository."""
    return str(allowed(tmp_path, keyring))


def signed_review(repo: Path, answers: Path, signers: Keys, now: dt.datetime = NOW, pack: Path | None = None) -> str:
    """Review the committed code, sign the record by SIGNERS and commit it; the record's id."""
    written = review(repo, answers, pack_ref=str(pack) if pack else None, now=now)
    sign_all(written.path, signers)
    commit_all(repo, f"record {written.record.id}")
    return written.record.id


def alice(keyring: Keys) -> Keys:
    return {ALICE: keyring[ALICE]}


def set_tier(repo: Path, tier: int) -> None:
    """A commit touching only .prr/: the service's config claims another tier."""
    path = repo / ".prr" / "config.toml"
    path.write_text(config(tier))
    commit_all(repo, f"now tier {tier}")


# --- the tier -------------------------------------------------------------------------


def test_a_config_without_a_tier_requires_the_documented_default_tier_1(
    tmp_path: Path, prr: Prr, keyring: Keys, trusted: str
) -> None:
    repo = service(tmp_path, tier=None)
    signed_review(repo, answers_file(tmp_path, tier=3), alice(keyring))  # tier 3 needs one signer
    result = prr("check", str(repo), "--allowed-signers", trusted)
    assert result.code == 1, result.out
    lines = result.out.splitlines()
    assert lines[0] == "FAIL no review record of this repository for checklist launch at tier 1: run prr review"
    assert lines[1] == (
        "required: tier 1 (the default: .prr/config.toml at HEAD names no tier); pin the tier in CI with --tier"
    )


def test_a_prr_only_commit_raising_the_tier_number_does_not_relax_the_policy(
    tmp_path: Path, prr: Prr, keyring: Keys, trusted: str
) -> None:
    repo = service(tmp_path, tier=1)
    signed_review(repo, answers_file(tmp_path, tier=3), alice(keyring))
    assert prr("check", str(repo), "--allowed-signers", trusted).code == 1
    reviewed = git(repo, "rev-parse", "HEAD~1").strip()  # the commit before the record's
    set_tier(repo, 3)
    result = prr("check", str(repo), "--allowed-signers", trusted)
    assert result.code == 1, result.out
    lines = result.out.splitlines()
    assert lines[0] == "FAIL no review record of this repository for checklist launch at tier 1: run prr review"
    assert lines[1] == (
        f"required: tier 1 (.prr/config.toml at the reviewed commit {reviewed[:12]}, stricter than tier 3 "
        "at HEAD); pin the tier in CI with --tier"
    )


def test_the_tier_option_pins_the_tier_whatever_the_repository_claims(
    tmp_path: Path, prr: Prr, keyring: Keys, trusted: str
) -> None:
    repo = service(tmp_path, tier=3)  # the repository claims tier 3 all along
    signed_review(repo, answers_file(tmp_path, tier=3), alice(keyring))
    assert prr("check", str(repo), "--allowed-signers", trusted).code == 0
    pinned = prr("check", str(repo), "--allowed-signers", trusted, "--tier", "1")
    assert pinned.code == 1
    assert pinned.out.splitlines()[0] == (
        "FAIL no review record of this repository for checklist launch at tier 1: run prr review"
    )
    assert "required:" not in pinned.out  # CI said which tier: nothing to explain


def test_a_review_at_a_more_critical_tier_covers_a_pinned_less_critical_one(
    tmp_path: Path, prr: Prr, keyring: Keys, trusted: str
) -> None:
    repo = service(tmp_path, tier=1)
    signed_review(repo, answers_file(tmp_path, tier=1), keyring)
    result = prr("check", str(repo), "--allowed-signers", trusted, "--tier", "2", "--format", "json")
    assert result.code == 0, result.out
    data = json.loads(result.out)
    assert (data["tier"], data["tier_from"], data["tier_pinned"]) == (2, "--tier", True)


def test_json_says_which_tier_was_required_and_where_it_came_from(
    tmp_path: Path, prr: Prr, keyring: Keys, trusted: str
) -> None:
    repo = service(tmp_path, tier=1)
    signed_review(repo, answers_file(tmp_path, tier=1), keyring)
    data = json.loads(prr("check", str(repo), "--allowed-signers", trusted, "--format", "json").out)
    assert data["passed"] is True
    assert (data["tier"], data["tier_from"], data["tier_pinned"]) == (1, ".prr/config.toml at HEAD", False)


def test_a_tier_outside_0_to_3_is_a_usage_error(tmp_path: Path, prr: Prr, keyring: Keys, trusted: str) -> None:
    repo = service(tmp_path, tier=1)
    result = prr("check", str(repo), "--allowed-signers", trusted, "--tier", "4")
    assert result.code == 2
    assert "'--tier': 4 is not in the range 0<=x<=3" in result.err and "Traceback" not in result.err


# --- the pack -------------------------------------------------------------------------


def mini_answers(tmp_path: Path) -> Path:
    path = tmp_path / "mini-answers.yaml"
    path.write_text("checklist: acme-launch\ntier: 1\nanswers:\n  ownership.oncall: {answer: pass, note: named}\n")
    return path


def mini_reviewed(tmp_path: Path, keyring: Keys) -> tuple[Path, Path]:
    """A service whose config names its own pack file, reviewed ready with it and signed by
    ALICE (one signer is the pack's policy): the repository and the pack file in it."""
    repo = service(tmp_path, tier=1, files={"packs/mini.yaml": MINI_PACK}, checklist="packs/mini.yaml")
    pack = repo / "packs" / "mini.yaml"
    signed_review(repo, mini_answers(tmp_path), alice(keyring), pack=pack)
    return repo, pack


def test_a_pack_file_named_in_the_config_is_matched_by_the_pack_id(
    tmp_path: Path, prr: Prr, keyring: Keys, trusted: str
) -> None:
    repo, pack = mini_reviewed(tmp_path, keyring)
    result = prr("check", str(repo), "--allowed-signers", trusted, "--checklist", str(pack))
    assert result.code == 0, result.out
    assert result.out.startswith("PASS ready: ")
    data = json.loads(
        prr("check", str(repo), "--allowed-signers", trusted, "--checklist", str(pack), "--format", "json").out
    )
    assert data["checklist"] == "acme-launch"


def test_a_trusted_copy_of_the_pack_file_anywhere_verifies_its_records_by_their_bytes(
    tmp_path: Path, prr: Prr, keyring: Keys, trusted: str
) -> None:
    """The auditor's copy lives at another path than the reviewer's: only the bytes bind."""
    repo, _ = mini_reviewed(tmp_path, keyring)
    copy = tmp_path / "board" / "acme.yaml"
    copy.parent.mkdir()
    copy.write_text(MINI_PACK)
    assert prr("check", str(repo), "--allowed-signers", trusted, "--checklist", str(copy)).code == 0
    copy.write_text(MINI_PACK.replace("Name the rotation.", "Name the rotation and its escalation."))
    changed = prr("check", str(repo), "--allowed-signers", trusted, "--checklist", str(copy))
    assert changed.code == 1
    assert "changed since the review" in changed.out.splitlines()[0]


def test_a_record_of_a_pack_file_without_the_file_is_invalid_not_missing(
    tmp_path: Path, prr: Prr, keyring: Keys, trusted: str
) -> None:
    repo, _ = mini_reviewed(tmp_path, keyring)
    result = prr("check", str(repo), "--allowed-signers", trusted)
    assert result.code == 1
    assert result.out.startswith("FAIL invalid: ") and "--checklist FILE" in result.out.splitlines()[0]


def test_a_pack_file_the_config_names_but_the_commit_lacks_is_an_input_error(
    tmp_path: Path, prr: Prr, keyring: Keys, trusted: str
) -> None:
    repo = service(tmp_path, tier=1, checklist="packs/missing.yaml")
    result = prr("check", str(repo), "--allowed-signers", trusted)
    assert result.code == 2
    assert result.out == ""
    assert result.err.strip().splitlines() == [
        "prr: .prr/config.toml: service.checklist names packs/missing.yaml, which is neither a built-in pack "
        "nor a file committed at HEAD: commit the pack, or name it with --checklist FILE"
    ]


def test_the_checklist_option_pins_the_pack_whatever_the_repository_configures(
    tmp_path: Path, prr: Prr, keyring: Keys, trusted: str
) -> None:
    """A repository could configure a pack that asks less: CI names the pack it requires."""
    repo, _ = mini_reviewed(tmp_path, keyring)
    pinned = prr("check", str(repo), "--allowed-signers", trusted, "--checklist", "launch")
    assert pinned.code == 1
    assert pinned.out.splitlines()[0] == (
        "FAIL no review record of this repository for checklist launch at tier 1: run prr review"
    )
    unknown = prr("check", str(repo), "--allowed-signers", trusted, "--checklist", "lunch")
    assert unknown.code == 2 and unknown.err.startswith("prr: lunch: no built-in pack and no file by that name")


# --- which record decides -------------------------------------------------------------


def test_the_newest_valid_review_of_the_code_decides_even_against_an_older_ready_one(
    tmp_path: Path, prr: Prr, keyring: Keys, trusted: str
) -> None:
    repo = service(tmp_path, tier=1)
    ready = signed_review(repo, answers_file(tmp_path, tier=1), keyring)
    a_day = dt.timedelta(days=1)
    not_ready = signed_review(repo, answers_file(tmp_path, tier=1, ready=False), keyring, now=NOW + a_day)
    result = prr("check", str(repo), "--allowed-signers", trusted)
    assert result.code == 1, result.out
    lines = result.out.splitlines()
    assert lines[0].startswith("FAIL not ready: the review of 2026-11-02 has blockers: ")
    assert f"decided by {not_ready}, the newest valid review of this code; it supersedes the ready {ready}" in lines
    data = json.loads(prr("check", str(repo), "--allowed-signers", trusted, "--format", "json").out)
    assert data["record"] == f".prr/records/{not_ready}/record.toml"
    assert data["superseded"] == [f".prr/records/{ready}/record.toml"]

    ready_again = signed_review(repo, answers_file(tmp_path, tier=1), keyring, now=NOW + 2 * a_day)
    result = prr("check", str(repo), "--allowed-signers", trusted)
    assert result.code == 0, result.out
    assert result.out.startswith(f"PASS ready: {ready_again} of 2026-11-03")


# --- waivers --------------------------------------------------------------------------


def waived_answers(tmp_path: Path, until: str) -> Path:
    """Every tier-1 item passes but `slo.defined`, waived until UNTIL."""
    items = [item.id for item in open_pack("launch").asked_items(1)]
    lines = ["checklist: launch", "tier: 1", "answers:"]
    lines += [
        f"  {item}: {{answer: waived, reason: SLO next quarter, approver: cto@example.com, expires: {until}}}"
        if item == "slo.defined"
        else f"  {item}: {{answer: pass, note: checked}}"
        for item in items
    ]
    path = tmp_path / "waived.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def gate_at(repo: Path, trusted: str, now: dt.datetime) -> tuple[bool, str]:
    result = check(repo, VerifyOptions(allowed_signers=Path(trusted), now=now))
    return result.passed, result.reason


def test_a_waiver_on_a_required_item_holds_through_its_expiry_day_and_then_fails_the_gate(
    tmp_path: Path, keyring: Keys, trusted: str
) -> None:
    repo = service(tmp_path, tier=1)
    reviewed = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)
    signed_review(repo, waived_answers(tmp_path, "2026-11-01"), keyring, now=reviewed)
    passed, reason = gate_at(repo, trusted, dt.datetime(2026, 11, 1, 23, 59, tzinfo=dt.UTC))
    assert passed, reason
    assert gate_at(repo, trusted, dt.datetime(2026, 11, 2, 0, 0, tzinfo=dt.UTC)) == (
        False,
        "waiver for slo.defined lapsed on 2026-11-01: review again or renew the waiver",
    )
