"""`prr log`: every review in the history, newest first, with its status and lapsing waivers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import Run
from gitrepos import git
from records import allowed, commit_all, keys, reviewed_repo, sign_all

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
