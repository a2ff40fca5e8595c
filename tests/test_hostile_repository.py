"""A repository built to attack its reviewer: prr runs nothing from it, reads nothing
outside it, and ends with findings and notes, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO_ROOT, Run
from gitrepos import git, git_children, make_repo, open_fds
from records import allowed, keys, sign_all

from prr.workflow.probing import probe_repository

# A real runbook (prose, diagnosis, mitigation) whose committed name is not UTF-8: evidence
# the probes cite, so its name reaches every message, output and record.
EVIDENCE_NAME = b"runbooks/caf\xe9.md"
EVIDENCE_SHOWN = "runbooks/caf\\xe9.md"
RUNBOOK = (
    "# Checkout runbook\n\nThe checkout service takes payments for the web shop and the mobile apps. "
    "When it is slow, customers abandon their baskets, so treat a sustained rise in latency as an "
    "incident. It depends on the payments gateway, the orders database and the session cache; most "
    "incidents start in one of those three. Check each in turn before you restart anything, and write "
    "down what you saw in the incident channel so the next responder does not repeat it.\n\n"
    "## Diagnosis\n\nLook at the latency panel first.\n\n"
    "## Mitigation\n\nScale the deployment out, then fail over the cache.\n\n"
    "## Rollback\n\nAsk.\n"  # no steps: rollback-documented fails, quoting the name
)


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    sentinels = tmp_path / "sentinels"
    sentinels.mkdir()
    repo = tmp_path / "hostile"
    repo.mkdir()
    (repo / "passwd").symlink_to("/etc/passwd")
    with open(os.fsencode(repo) + b"/runbook-\xff.md", "wb") as handle:
        handle.write(b"# Runbook\n")
    os.mkdir(os.fsencode(repo) + b"/runbooks")
    with open(os.fsencode(repo) + b"/" + EVIDENCE_NAME, "wb") as handle:
        handle.write(RUNBOOK.encode())
    big = repo / "huge.yaml"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    inner_bare = repo / "inner.git"
    make_repo(tmp_path / "seed", {"x": "x\n"})
    git(tmp_path, "clone", "-q", "--bare", str(tmp_path / "seed"), str(inner_bare))
    (inner_bare / "config").write_text(f"[core]\n\tbare = true\n\tfsmonitor = touch {sentinels}/inner-fsmonitor\n")
    files = {
        ".gitattributes": "* filter=evil diff=evil\n",
        "CODEOWNERS": "* @org/sre\n",
        "gone.md": "this blob will be deleted\n",
        "catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\n",
    }
    make_repo(repo, files)
    submodule_source = make_repo(tmp_path / "sub", {"s": "s\n"})
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(submodule_source), "vendor/sub")
    git(repo, "commit", "-q", "-m", "submodule")
    oid = git(repo, "rev-parse", "HEAD:gone.md").strip()
    (repo / ".git" / "objects" / oid[:2] / oid[2:]).unlink()
    hooks = repo / ".git" / "hooks"
    for hook in ("pre-commit", "post-checkout", "post-index-change", "reference-transaction", "fsmonitor-watchman"):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch {sentinels}/hook-{hook}\n")
        (hooks / hook).chmod(0o755)
    with (repo / ".git" / "config").open("a") as config:
        config.write(
            f"[core]\n\tfsmonitor = touch {sentinels}/fsmonitor\n\tpager = touch {sentinels}/pager\n"
            f'[filter "evil"]\n\tclean = touch {sentinels}/clean\n\tsmudge = touch {sentinels}/smudge\n'
            f'[diff "evil"]\n\ttextconv = touch {sentinels}/textconv\n'
            f"[diff]\n\texternal = touch {sentinels}/diff-external\n"
            f"[core]\n\thooksPath = {hooks}\n"
        )
    (repo / "CODEOWNERS").write_text("* @org/changed-in-working-tree\n")
    return repo, sentinels


def test_a_full_probe_run_executes_nothing_and_reads_nothing_outside(
    hostile: tuple[Path, Path], prr: Callable[..., Run]
) -> None:
    repo, sentinels = hostile
    result = prr("probe", str(repo), "--format", "json", "--no-cache")
    assert "Traceback" not in result.err
    assert result.code in (0, 1, 3)
    report = json.loads(result.out)
    assert list(sentinels.iterdir()) == []
    assert "root:x:0:0" not in result.out
    notes = report["notes"]
    assert "passwd: symbolic link, not followed" in notes
    assert "vendor/sub: submodule, not entered" in notes


def test_probing_from_inside_an_embedded_bare_repository_runs_nothing(
    hostile: tuple[Path, Path], prr: Callable[..., Run]
) -> None:
    repo, sentinels = hostile
    result = prr("probe", str(repo / "inner.git"), "--no-cache")
    assert "Traceback" not in result.err
    assert list(sentinels.iterdir()) == []
    assert result.code in (1, 2, 3)


def run_bytes(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """`python -m prr ARGS` with its output as bytes, as a pipe or a file receives it."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), NO_COLOR="1", PRR_CACHE_DIR=str(cwd / "prr-cache"))
    return subprocess.run([sys.executable, "-m", "prr", *args], cwd=cwd, env=env, capture_output=True, timeout=60)


@pytest.mark.parametrize("output", ["text", "json"])
def test_probe_output_about_evidence_whose_name_is_not_utf8_is_utf8(
    hostile: tuple[Path, Path], tmp_path: Path, output: str
) -> None:
    repo, _ = hostile
    done = run_bytes("probe", str(repo), "--format", output, "--no-cache", cwd=tmp_path)
    assert b"Traceback" not in done.stderr
    text = done.stdout.decode("utf-8")  # strict: one raw byte of the name would raise here
    done.stderr.decode("utf-8")
    if output == "text":
        assert f"runbook-present: pass: {EVIDENCE_SHOWN} is a runbook" in text
    else:
        [runbook] = [
            f
            for item in json.loads(text)["items"]
            for f in item["findings"]
            if f["probe"] == "runbook-present" and f["outcome"] == "pass"
        ]
        assert runbook["message"].startswith(EVIDENCE_SHOWN)
        assert runbook["locations"] == [{"path": EVIDENCE_SHOWN, "line": None}]


def test_a_review_citing_evidence_whose_name_is_not_utf8_is_written_committed_and_verified(
    hostile: tuple[Path, Path], tmp_path: Path, prr: Callable[..., Run]
) -> None:
    repo, sentinels = hostile
    template = run_bytes("review", str(repo), "--no-tui", "--template", cwd=tmp_path)
    assert template.returncode == 0, template.stderr
    assert EVIDENCE_SHOWN in template.stdout.decode("utf-8")  # the failing rollback section's place
    answers = tmp_path / "answers.yaml"
    answers.write_bytes(template.stdout)
    written = prr("review", str(repo), "--no-tui", "--answers", str(answers))
    assert written.code == 1 and "Traceback" not in written.err, written.err  # answered nothing: not ready
    record = Path(written.out.splitlines()[-1].split()[-1])
    findings = [f for item in tomllib.loads(record.read_text("utf-8"))["items"] for f in item["findings"]]
    [runbook] = [f for f in findings if f["probe"] == "runbook-present" and f["outcome"] == "pass"]
    assert runbook["locations"] == [{"path": EVIDENCE_SHOWN}]
    assert runbook["evidence"][0]["path"] == EVIDENCE_SHOWN
    assert list(sentinels.iterdir()) == []
    keyring = keys(tmp_path, "alice@example.com", "bob@example.com")  # tier 1 needs two signers
    sign_all(record, keyring)
    committed = prr("commit", str(record))  # over HEAD's missing blob, and past its clean filter
    assert committed.code == 0, committed.err
    assert list(sentinels.iterdir()) == []
    verified = prr("verify", str(repo), "--allowed-signers", str(allowed(tmp_path, keyring)))
    assert verified.code == 0 and "1 valid" in verified.out, verified.out + verified.err


# Probes of every kind of file the hostile repository holds: markdown, alert rules,
# CODEOWNERS, secrets in config, dashboards, manifests.
FAMILIES = """\
id: families
version: "1"
title: One probe of each family
description: Runbooks, alerts, ownership, secrets, dashboards, workloads.
scorer: gate
sections:
  - id: all
    title: All
    items:
      - id: all.probed
        title: Probed
        why: Each family reads the repository its own way.
        how: Nothing to do.
        required: [0, 1, 2, 3]
        evidence: automatic
        probes: [runbook-present, alerts-have-runbooks, codeowners-present, no-plain-secrets, dashboards-valid,
                 readiness-probes]
"""


def test_500_probe_runs_in_one_process_leak_no_files_and_no_git_processes(
    hostile: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, sentinels = hostile
    pack = tmp_path / "families.yaml"
    pack.write_text(FAMILIES)
    first = probe_repository(repo, pack_ref=str(pack))  # imports, and anything made once per process
    before = (open_fds(), git_children())
    for _ in range(499):
        again = probe_repository(repo, pack_ref=str(pack))
        assert again.items == first.items
    assert (open_fds(), git_children()) == before
    assert list(sentinels.iterdir()) == []
