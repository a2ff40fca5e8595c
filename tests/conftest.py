"""Shared fixtures: run the real `prr` command, and write pack files."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let `map_forked` fork although the session's endpoint-server thread runs (once an
    endpoint test started it): it rightly keeps a process with other threads from
    forking, but what these tests fork touches none of that thread's locks. Without this,
    tests of forked workers would run everything in one process in a full test run."""
    from prr.workflow import forked

    monkeypatch.setattr(forked, "may_fork", lambda: True)


@pytest.fixture
def prr(tmp_path: Path) -> Callable[..., Run]:
    """Run `python -m prr ARGS` in a subprocess, from tmp_path, the way a user would."""

    def run(*args: str, cwd: Path | None = None) -> Run:
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), NO_COLOR="1")
        env.setdefault("PRR_CACHE_DIR", str(tmp_path / "prr-cache"))  # never the developer's own cache
        done = subprocess.run(
            [sys.executable, "-m", "prr", *args],
            cwd=cwd or tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a text file under tmp_path and return its path."""

    def write_file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write_file
