"""Real git repositories for tests, and a way to run one probe on them."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from prr.adapters.git_snapshot import GitSnapshot
from prr.adapters.snapshot_view import SnapshotView, selected_entries
from prr.domain.findings import Finding, Outcome
from prr.probes.registry import PROBES
from prr.probes.repo import REPOSITORY_PROBES

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Owner",
    "GIT_AUTHOR_EMAIL": "owner@example.test",
    "GIT_COMMITTER_NAME": "Test Owner",
    "GIT_COMMITTER_EMAIL": "owner@example.test",
    "GIT_AUTHOR_DATE": "2026-01-02T03:04:05Z",
    "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root: Path, *args: str) -> str:
    env = dict(os.environ, **GIT_ENV, HOME=str(root.parent))
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout


def make_repo(root: Path, files: Mapping[str, str | bytes], message: str = "init") -> Path:
    """`git init` ROOT, write FILES (path -> text or bytes), add everything and commit."""
    root.mkdir(parents=True, exist_ok=True)
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return root


def probe_findings(
    path: Path, probe_id: str, params: Mapping[str, Any] | None = None, ref: str = "HEAD"
) -> list[Finding]:
    """Run one repository probe on REF of the repository at PATH (a service folder inside
    it narrows the review to that folder), with the registry's defaults for PARAMS."""
    spec = PROBES[probe_id]
    merged = {p.name: p.default for p in spec.params} | dict(params or {})
    probe = REPOSITORY_PROBES[probe_id]
    with GitSnapshot.open(path, ref) as snapshot:
        entries = selected_entries(snapshot, probe, merged)
        snapshot.prefetch(entries)
        return probe.run(SnapshotView(snapshot, entries), merged)


def check(path: Path, probe_id: str, params: Mapping[str, Any] | None = None) -> list[tuple[str, str]]:
    """`summary` of one probe's findings, after asserting each is well formed: its probe
    id, a message, the registry's remediation on failure and none otherwise, 1-based
    lines, blob evidence."""
    findings = probe_findings(path, probe_id, params)
    for f in findings:
        assert f.probe == probe_id
        assert f.message
        assert f.remediation == (PROBES[probe_id].remediation if f.outcome is Outcome.FAIL else "")
        for loc in f.locations:
            assert loc.line is None or loc.line >= 1
        for proof in f.evidence:
            assert proof.blob
    return summary(findings)


def messages(path: Path, probe_id: str, params: Mapping[str, Any] | None = None) -> list[str]:
    return [f.message for f in probe_findings(path, probe_id, params)]


def repo_with(tmp_path: Path, files: Mapping[str, str | bytes]) -> Path:
    return make_repo(tmp_path / "r", files)


def summary(findings: list[Finding]) -> list[tuple[str, str]]:
    """[(outcome, first location 'path:line' or ''), ...] — the shape fixture tests assert on."""
    out = []
    for f in findings:
        where = ""
        if f.locations:
            loc = f.locations[0]
            where = loc.path if loc.line is None else f"{loc.path}:{loc.line}"
        out.append((f.outcome.value, where))
    return out


def open_fds() -> int:
    """Open file descriptors of this process (Linux)."""
    return len(os.listdir("/proc/self/fd"))


def git_children() -> int:
    """Git processes this process started that are still running (Linux)."""
    me = str(os.getpid())
    count = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            if stat.split(") ", 1)[1].split()[1] == me and "git" in stat.split(" (", 1)[1].split(")")[0]:
                count += 1
    return count
