"""A repository built to attack its reviewer: prr runs nothing from it, reads nothing
outside it, and ends with findings and notes, never a traceback."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from gitrepos import git, make_repo


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    sentinels = tmp_path / "sentinels"
    sentinels.mkdir()
    repo = tmp_path / "hostile"
    repo.mkdir()
    (repo / "passwd").symlink_to("/etc/passwd")
    with open(os.fsencode(repo) + b"/runbook-\xff.md", "wb") as handle:
        handle.write(b"# Runbook\n")
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
