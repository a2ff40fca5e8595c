"""What probes derive per file (`Repo.derived`) is kept with the probe cache, so that after
a one-file change a probe re-run reads that file alone; and the findings are exactly those
of a run without any cache."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from gitrepos import make_repo

from prr.adapters.git_snapshot import GitSnapshot, TreeEntry
from prr.adapters.probe_cache import ProbeCache
from prr.domain.findings import Finding
from prr.probes.registry import PROBES
from prr.probes.repo import REPOSITORY_PROBES
from prr.workflow.repo_runs import RepoCall, run_calls

RULES = """groups:
  - name: {service}
    rules:
      - alert: {service}Down
        expr: up == 0
        for: 5m
        labels: {{severity: page}}
        annotations:
          summary: down
          runbook_url: ../runbooks/{service}.md#diagnosis
"""
RUNBOOK = """# {service}

## Diagnosis

Look at the dashboard.

## Mitigation

Roll back to the previous release:

1. `kubectl rollout undo deployment/{service}`

## Error budget policy

When the budget is spent we freeze releases; the owner decides.

RTO 1h, RPO 5 minutes.
"""
# Probes that derive per file (the others re-read what they need when they run again).
DERIVING = ("alerts-have-runbooks", "error-budget-policy", "rollback-documented", "dr-plan")


def services(names: Iterable[str]) -> dict[str, str]:
    files = {}
    for name in names:
        files[f"services/{name}/alerts/rules.yaml"] = RULES.format(service=name)
        files[f"services/{name}/runbooks/{name}.md"] = RUNBOOK.format(service=name)
        files[f"services/{name}/docs/disaster-recovery.md"] = RUNBOOK.format(service=name)
        files[f"services/{name}/k8s/configmap.yaml"] = f"kind: ConfigMap\nmetadata: {{name: {name}}}\n"
    return files


def calls() -> list[RepoCall]:
    found = []
    for probe in DERIVING:
        params = {p.name: p.default for p in PROBES[probe].params}
        found.append(RepoCall(probe, probe, params))
    return found


def run(repo: Path, cache: ProbeCache | None) -> dict[str, list[Finding]]:
    with GitSnapshot.open(repo) as snapshot:
        runs = run_calls(snapshot, calls(), cache, lambda: REPOSITORY_PROBES, lambda call: None)
    return runs.findings


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every blob read from git, whether fetched in a batch beforehand or one by one."""
    found: list[str] = []
    prefetch, load = GitSnapshot.prefetch_blobs, GitSnapshot.load

    def prefetch_blobs(self: GitSnapshot, blobs: Iterable[str]) -> None:
        blobs = list(dict.fromkeys(blobs))
        found.extend(blob for blob in blobs if blob not in self._loaded)
        prefetch(self, blobs)

    def load_one(self: GitSnapshot, entry: TreeEntry) -> tuple[bytes | None, str | None]:
        if entry.oid not in self._loaded:
            found.append(entry.oid)
        return load(self, entry)

    monkeypatch.setattr(GitSnapshot, "prefetch_blobs", prefetch_blobs)
    monkeypatch.setattr(GitSnapshot, "load", load_one)
    return found


def blob_of(repo: Path, path: str) -> str:
    with GitSnapshot.open(repo) as snapshot:
        entry = snapshot.find(path)
        assert entry is not None
        return entry.oid


def test_after_one_file_changes_a_rerun_reads_that_file_alone(tmp_path: Path, reads: list[str]) -> None:
    repo = make_repo(tmp_path / "mono", services(["a", "b", "c"]))
    cache = ProbeCache(tmp_path / "cache")
    run(repo, cache)
    assert set(reads) == {blob_of(repo, path) for path in services(["a", "b", "c"])}  # every file, cold
    changed = "services/b/runbooks/b.md"
    make_repo(repo, {changed: RUNBOOK.format(service="b").replace("## Diagnosis", "## Triage")})
    reads.clear()
    warm = run(repo, cache)
    assert reads == [blob_of(repo, changed)]
    assert warm == run(repo, None)
    assert any("has no heading for #diagnosis" in f.message for f in warm["alerts-have-runbooks"])


def test_an_unchanged_file_is_answered_from_what_was_derived_even_under_another_probe_run(
    tmp_path: Path, reads: list[str]
) -> None:
    repo = make_repo(tmp_path / "mono", services(["a", "b"]))
    cache = ProbeCache(tmp_path / "cache")
    run(repo, cache)
    make_repo(repo, services(["c"]))  # a new service: its files are new, the others are not
    reads.clear()
    warm = run(repo, cache)
    new_blobs = {blob_of(repo, path) for path in services(["c"])}
    assert set(reads) <= new_blobs
    assert warm == run(repo, None)


def test_a_damaged_derivation_entry_costs_a_read_not_a_wrong_answer(tmp_path: Path, reads: list[str]) -> None:
    repo = make_repo(tmp_path / "mono", services(["a", "b"]))
    cache = ProbeCache(tmp_path / "cache")
    run(repo, cache)
    for entry in cache.derivations.rglob("*.json"):
        entry.write_bytes(entry.read_bytes()[:-20])
    make_repo(repo, {"services/a/runbooks/a.md": RUNBOOK.format(service="a") + "\nMore.\n"})
    reads.clear()
    assert run(repo, cache) == run(repo, None)
    assert len(reads) > 1  # the entry was a miss: the probes read their files again


def test_an_unwritable_cache_keeps_the_findings(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "mono", services(["a"]))
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    assert run(repo, ProbeCache(blocked)) == run(repo, None)
