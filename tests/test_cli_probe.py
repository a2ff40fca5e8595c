"""`prr probe`: the pack's repository probes over one commit, as a user and CI see it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO_ROOT, Run
from gitrepos import git, make_repo

from prr.domain.errors import InputError
from prr.workflow.review_session import ReviewSession

Prr = Callable[..., Run]

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

## Rollback

1. Run `kubectl rollout undo deployment/payments`.
2. Watch the error rate fall back below one percent.
"""

PACK = """\
id: small
version: "1"
title: Small
description: Two probed items.
scorer: gate
sections:
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
      - id: runbooks.rollback
        title: Rollback is documented
        why: A bad release must be undone quickly.
        how: Add a rollback section with the commands.
        required: [0, 1, 2, 3]
        evidence: automatic
        probes: [rollback-documented]
"""


@pytest.fixture
def cache_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("PRR_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def pack(tmp_path: Path) -> str:
    path = tmp_path / "small.yaml"
    path.write_text(PACK)
    return str(path)


def probe_json(prr: Prr, *args: str) -> tuple[int, dict]:
    result = prr("probe", *args, "--format", "json")
    assert "Traceback" not in result.err
    return result.code, json.loads(result.out)


def test_passing_probes_exit_0_with_evidence_by_file_line_and_blob(
    tmp_path: Path, prr: Prr, pack: str, cache_env: Path
) -> None:
    repo = make_repo(tmp_path / "svc", {"runbooks/payments.md": RUNBOOK})
    code, report = probe_json(prr, str(repo), "--checklist", pack)
    assert code == 0
    assert report["schema"] == "prr.probe/1"
    assert report["commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert [(i["id"], i["outcome"]) for i in report["items"]] == [
        ("runbooks.present", "pass"),
        ("runbooks.rollback", "pass"),
    ]
    [finding] = report["items"][0]["findings"]
    assert finding["evidence"] == [
        {"path": "runbooks/payments.md", "blob": git(repo, "rev-parse", "HEAD:runbooks/payments.md").strip()}
    ]
    rollback = report["items"][1]["findings"][0]
    assert rollback["locations"][0] == {"path": "runbooks/payments.md", "line": 17}


def test_a_failing_probe_exits_1_and_text_shows_the_fix(tmp_path: Path, prr: Prr, pack: str, cache_env: Path) -> None:
    repo = make_repo(tmp_path / "svc", {"runbooks/payments.md": "# Runbook\n\nTODO\n"})
    result = prr("probe", str(repo), "--checklist", pack)
    assert result.code == 1
    assert "FAIL  runbooks.present" in result.out
    assert "fix: Write a runbook under runbooks/" in result.out
    assert result.out.splitlines()[1] == "Evidence comes from the commit, not the working tree."


def test_a_second_run_reuses_the_cache_and_a_change_reruns_only_what_it_touches(
    tmp_path: Path, prr: Prr, pack: str, cache_env: Path
) -> None:
    repo = make_repo(tmp_path / "svc", {"runbooks/payments.md": RUNBOOK, "src/app.py": "print('hi')\n"})
    first = probe_json(prr, str(repo), "--checklist", pack)[1]
    assert (first["probes_run"], first["probes_cached"]) == (2, 0)
    second = probe_json(prr, str(repo), "--checklist", pack)[1]
    assert (second["probes_run"], second["probes_cached"]) == (0, 2)
    assert second["items"] == first["items"]
    make_repo(repo, {"src/app.py": "print('bye')\n"})
    unrelated = probe_json(prr, str(repo), "--checklist", pack)[1]
    assert (unrelated["probes_run"], unrelated["probes_cached"]) == (0, 2)
    make_repo(repo, {"runbooks/payments.md": RUNBOOK + "\nMore notes.\n"})
    touched = probe_json(prr, str(repo), "--checklist", pack)[1]
    assert (touched["probes_run"], touched["probes_cached"]) == (2, 0)


def test_no_cache_reruns_everything(tmp_path: Path, prr: Prr, pack: str, cache_env: Path) -> None:
    repo = make_repo(tmp_path / "svc", {"runbooks/payments.md": RUNBOOK})
    probe_json(prr, str(repo), "--checklist", pack)
    report = probe_json(prr, str(repo), "--checklist", pack, "--no-cache")[1]
    assert (report["probes_run"], report["probes_cached"]) == (2, 0)


def test_a_file_over_the_size_cap_is_an_error_until_the_config_raises_the_cap(
    tmp_path: Path, prr: Prr, pack: str, cache_env: Path
) -> None:
    big = RUNBOOK + "\n## Appendix\n\n" + "A long record of past incidents and what was learnt. " * 25_000
    repo = make_repo(tmp_path / "svc", {"runbooks/payments.md": big})
    code, capped = probe_json(prr, str(repo), "--checklist", pack)
    assert code == 3
    [finding] = capped["items"][0]["findings"]
    assert finding["outcome"] == "error"
    assert finding["message"].endswith("-byte cap (max_file_bytes in .prr/config.toml raises it)")
    make_repo(repo, {".prr/config.toml": "[service]\nmax_file_bytes = 4194304\n"})
    code, raised = probe_json(prr, str(repo), "--checklist", pack)  # the same cache: nothing stale reused
    assert code == 0, raised
    assert (raised["probes_run"], [i["outcome"] for i in raised["items"]]) == (2, ["pass", "pass"])


def test_a_size_cap_outside_its_range_is_an_input_error(tmp_path: Path, prr: Prr, pack: str, cache_env: Path) -> None:
    repo = make_repo(
        tmp_path / "svc", {"runbooks/payments.md": RUNBOOK, ".prr/config.toml": "[service]\nmax_file_bytes = 10\n"}
    )
    result = prr("probe", str(repo), "--checklist", pack)
    assert result.code == 2
    assert "service.max_file_bytes must be a whole number of bytes from 65,536 to 67,108,864, got 10" in result.err


def test_a_pack_file_the_config_names_is_the_service_folders_wherever_prr_runs(
    tmp_path: Path, prr: Prr, cache_env: Path
) -> None:
    config = '[service]\nname = "payments"\nchecklist = "packs/small.yaml"\n'
    repo = make_repo(
        tmp_path / "mono",
        {"services/pay/packs/small.yaml": PACK, "services/pay/.prr/config.toml": config, "packs/small.yaml": "x: 1\n"},
    )
    code, report = probe_json(prr, str(repo / "services" / "pay"))  # run from elsewhere: tmp_path
    assert code == 1
    assert report["checklist"]["sources"][0]["name"] == "services/pay/packs/small.yaml"


@pytest.mark.parametrize("named", ["../../outside.yaml", "/etc/passwd", "packs/missing.yaml"])
def test_a_config_naming_a_pack_outside_the_repository_or_nowhere_is_refused(
    tmp_path: Path, prr: Prr, cache_env: Path, named: str
) -> None:
    (tmp_path / "outside.yaml").write_text(PACK)
    repo = make_repo(tmp_path / "svc", {".prr/config.toml": f'[service]\nchecklist = "{named}"\n'})
    result = prr("probe", str(repo))
    assert result.code == 2
    assert result.err.startswith(
        f"prr: .prr/config.toml: checklist = '{named}' names no pack file inside the repository"
    )


def test_uncommitted_changes_to_evidence_are_named(tmp_path: Path, prr: Prr, pack: str, cache_env: Path) -> None:
    repo = make_repo(tmp_path / "svc", {"runbooks/payments.md": RUNBOOK})
    (repo / "runbooks" / "payments.md").write_text("# gutted\n")
    code, report = probe_json(prr, str(repo), "--checklist", pack)
    assert code == 0  # evidence comes from the commit
    assert report["uncommitted_evidence"] == ["runbooks/payments.md"]


def test_ref_selects_the_commit_probed(tmp_path: Path, prr: Prr, pack: str, cache_env: Path) -> None:
    repo = make_repo(tmp_path / "svc", {"runbooks/payments.md": RUNBOOK})
    make_repo(repo, {"runbooks/payments.md": "# Runbook\n\nTBD\n"})
    assert probe_json(prr, str(repo), "--checklist", pack)[0] == 1
    assert probe_json(prr, str(repo), "--checklist", pack, "--ref", "HEAD~1")[0] == 0


def test_tier_and_checklist_come_from_the_committed_config(tmp_path: Path, prr: Prr, cache_env: Path) -> None:
    config = '[service]\nname = "payments"\ntier = 3\nchecklist = "migration"\n'
    repo = make_repo(tmp_path / "svc", {".prr/config.toml": config})
    report = probe_json(prr, str(repo))[1]
    assert (report["checklist"]["id"], report["tier"]) == ("migration", 3)


def test_a_malformed_config_is_an_input_error_with_its_line(tmp_path: Path, prr: Prr, cache_env: Path) -> None:
    repo = make_repo(tmp_path / "svc", {".prr/config.toml": '[service]\nname = "payments"\ntier = \n'})
    result = prr("probe", str(repo))
    assert result.code == 2
    assert result.err.startswith(".prr/config.toml:3:")
    assert "Traceback" not in result.err


def test_endpoint_probes_are_listed_as_not_run(tmp_path: Path, prr: Prr, cache_env: Path) -> None:
    repo = make_repo(tmp_path / "svc", {"README.md": "hi\n"})
    report = probe_json(prr, str(repo), "--tier", "3")[1]
    health = next(i for i in report["items"] if i["id"] == "observability.health-endpoint")
    assert health["outcome"] is None
    assert health["not_run"] == ["health-endpoint: needs an endpoint (--endpoint URL or [service] endpoints)"]


def test_outside_a_repository_is_a_usage_error(tmp_path: Path, prr: Prr, cache_env: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    result = prr("probe", str(plain))
    assert (result.code, result.err) == (2, f"prr: {plain}: not inside a git repository\n")


def test_an_unknown_ref_is_a_usage_error(tmp_path: Path, prr: Prr, cache_env: Path) -> None:
    repo = make_repo(tmp_path / "svc", {"README.md": "hi\n"})
    result = prr("probe", str(repo), "--ref", "no-such-branch")
    assert (result.code, result.err) == (2, "prr: no-such-branch: no such commit in this repository\n")


def uncommitted_service(tmp_path: Path) -> tuple[Path, str]:
    """A repository with a service folder only in the working tree, and the refusal it gets."""
    repo = make_repo(tmp_path / "svc", {"README.md": "hi\n"})
    (repo / "services" / "new").mkdir(parents=True)
    (repo / "services" / "new" / "app.py").write_text("print('new')\n")
    head = git(repo, "rev-parse", "HEAD").strip()
    refusal = f"services/new: not in commit {head[:12]} (commit it first, or pick another --ref)"
    return repo / "services" / "new", refusal


@pytest.mark.parametrize("command", [["probe"], ["review", "--no-tui", "--template"]])
def test_a_service_folder_missing_from_the_commit_is_a_usage_error(
    tmp_path: Path, prr: Prr, cache_env: Path, command: list[str]
) -> None:
    folder, refusal = uncommitted_service(tmp_path)
    result = prr(command[0], str(folder), *command[1:])
    assert (result.code, result.out, result.err) == (2, "", f"prr: {refusal}\n")


def test_a_service_folder_missing_from_the_commit_is_refused_when_the_app_opens_its_review(tmp_path: Path) -> None:
    folder, refusal = uncommitted_service(tmp_path)
    with pytest.raises(InputError) as caught:
        ReviewSession.open(folder)
    assert caught.value.lines() == [refusal]


def test_a_repository_without_commits_is_told_to_commit_first(tmp_path: Path, prr: Prr, cache_env: Path) -> None:
    repo = tmp_path / "svc"
    repo.mkdir()
    git(repo, "init", "-q")
    result = prr("probe", str(repo))
    assert (result.code, result.err) == (2, f"prr: {repo}: no commits yet: commit the service first\n")


def test_a_bare_repository_is_a_usage_error_asking_for_a_checkout(tmp_path: Path, prr: Prr, cache_env: Path) -> None:
    make_repo(tmp_path / "svc", {"README.md": "hi\n"})
    git(tmp_path, "clone", "-q", "--bare", str(tmp_path / "svc"), str(tmp_path / "svc.git"))
    result = prr("probe", "svc.git")
    assert result.code == 2
    assert result.err == (
        "prr: svc.git: a bare repository: prr reviews a checkout (a working tree); clone it and run prr in the clone\n"
    )


def test_a_usage_error_is_one_line_naming_the_command_and_its_help(tmp_path: Path, prr: Prr) -> None:
    result = prr("probe", str(tmp_path), "--tier", "9")
    assert result.code == 2
    assert result.err.splitlines() == [
        "prr probe: Invalid value for '--tier': 9 is not in the range 0<=x<=3 (see prr probe --help)"
    ]


def test_an_interrupt_exits_130_with_one_line(tmp_path: Path, cache_env: Path) -> None:
    """Interrupted while an endpoint keeps it waiting (a server that never answers)."""
    repo = make_repo(tmp_path / "svc", {"runbooks/payments.md": RUNBOOK})
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), PRR_CACHE_DIR=str(cache_env))
        argv = [sys.executable, "-m", "prr", "probe", str(repo), "--endpoint", url, "--allow-private"]
        running = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        silent.settimeout(60)
        connection, _ = silent.accept()  # prr is asking the endpoint now
        with connection:
            running.send_signal(signal.SIGINT)
            _, err = running.communicate(timeout=30)
    assert running.returncode == 130
    assert err.splitlines() == ["prr: interrupted"]
