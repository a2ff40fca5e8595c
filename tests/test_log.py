"""`prr log`: every review in the history, newest first, with its status and lapsing waivers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from conftest import Run
from gitrepos import git, make_repo
from records import SERVICE_FILES, allowed, answers_file, commit_all, keys, reviewed_repo, sign_all

from prr.workflow.review import review

Prr = Callable[..., Run]


def test_the_log_lists_each_record_with_signers_and_status(tmp_path: Path, prr: Prr) -> None:
    repo, record = reviewed_repo(tmp_path, tier=3)
    keyring = keys(tmp_path, "alice@example.com")
    sign_all(record, keyring)
    commit_all(repo)
    (repo / "src" / "app.py").write_text("print('v2')\n")
    commit_all(repo, "code")
    result = prr("log", str(repo), "--allowed-signers", str(allowed(tmp_path, keyring)))
    assert result.code == 0, result.err
    header, row = result.out.splitlines()[:2]
    assert header.split() == ["DATE", "SERVICE", "TIER", "VERDICT", "STATUS", "SIGNED", "BY", "RECORD"]
    assert row.split() == ["2026-11-01", "payments", "3", "ready", "stale", "alice@example.com", record.parent.name]


def test_a_record_removed_later_is_still_in_the_log(tmp_path: Path, prr: Prr) -> None:
    repo, record = reviewed_repo(tmp_path, tier=3)
    keyring = keys(tmp_path, "alice@example.com")
    sign_all(record, keyring)
    commit_all(repo)
    git(repo, "rm", "-rq", ".prr/records")
    git(repo, "commit", "-qm", "remove")
    result = prr("log", str(repo), "--allowed-signers", str(allowed(tmp_path, keyring)), "--format", "json")
    records = json.loads(result.out)["records"]
    assert [(r["id"], r["removed"], r["status"]) for r in records] == [(record.parent.name, True, "valid")]


def waived_answers(folder: Path, item: str, lapses: dt.date) -> Path:
    """The launch pack at tier 3, every item passed but ITEM, waived until LAPSES."""
    path = answers_file(folder, tier=3)
    lines = [
        f"  {item}: {{answer: waived, reason: vendor fix pending, approver: carol@example.com, expires: {lapses}}}"
        if line.startswith(f"  {item}:")
        else line
        for line in path.read_text().splitlines()
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_waiver_carried_into_a_re_review_is_listed_once_from_the_newest_record(tmp_path: Path, prr: Prr) -> None:
    now = dt.datetime.now(dt.UTC)  # `prr log` lists what lapses within 30 days of the real today
    lapses = (now + dt.timedelta(days=10)).date()
    repo = make_repo(tmp_path / "repo", {n: t.replace("tier = 1", "tier = 3") for n, t in SERVICE_FILES.items()})
    keyring = keys(tmp_path, "alice@example.com")
    first = review(repo, waived_answers(tmp_path, "ownership.codeowners", lapses), now=now - dt.timedelta(days=2))
    sign_all(first.path, keyring)
    commit_all(repo)
    (repo / "src" / "app.py").write_text("print('v2')\n")
    commit_all(repo, "code")
    second = review(repo, waived_answers(tmp_path, "ownership.codeowners", lapses), now=now - dt.timedelta(days=1))
    sign_all(second.path, keyring)
    commit_all(repo, "re-review")
    trusted = str(allowed(tmp_path, keyring))
    result = prr("log", str(repo), "--allowed-signers", trusted)
    assert result.code == 0, result.err
    listed = result.out.split("Waivers lapsing within 30 days", 1)[1].splitlines()[1:]
    assert listed == [
        f"  {lapses}  payments  ownership.codeowners  approved by carol@example.com  (record {second.path.parent.name})"
    ]
    records = json.loads(prr("log", str(repo), "--allowed-signers", trusted, "--format", "json").out)["records"]
    assert [(r["id"], r["superseded_by"]) for r in records] == [
        (second.path.parent.name, None),
        (first.path.parent.name, second.path.parent.name),
    ]
