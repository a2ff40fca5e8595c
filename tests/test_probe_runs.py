"""The probe pipeline's caches: an unchanged tree is answered by tree id without listing
it, a changed one reuses every probe run whose selected blobs did not change, and the
report is the same cold, warm or without a cache. A damaged cache entry is a miss."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gitrepos import git, make_repo

from prr.adapters.git_snapshot import GitSnapshot
from prr.adapters.probe_cache import ProbeCache
from prr.cli.render_probe import _counts, render_json
from prr.domain.findings import Finding
from prr.domain.text import printable
from prr.probes.repo import family_of
from prr.workflow import repo_runs
from prr.workflow.probing import ProbeReport, probe_repository

RUNBOOK = "# Runbook\n\n## Diagnosis\n\nLook at the dashboard.\n\n## Mitigation\n\nRoll back.\n\n## Rollback\n\nUndo.\n"
SERVICE = {
    "runbooks/payments.md": RUNBOOK * 8,
    "runbooks/diagram.md": b"\x89PNG\r\n\x1a\n\0\0",  # binary: read, skipped, noted
    "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: payments\n",
    "catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\n",
}


def monorepo(tmp_path: Path, services: tuple[str, ...] = ("payments", "search")) -> Path:
    files: dict[str, str | bytes] = {"CODEOWNERS": "* @org/platform\n", "docs/policy.md": "# Policy\n"}
    for service in services:
        files |= {f"services/{service}/{path}": content for path, content in SERVICE.items()}
    repo = make_repo(tmp_path / "mono", files)
    (repo / "link.md").symlink_to("CODEOWNERS")
    git(repo, "add", "link.md")
    git(repo, "commit", "-q", "-m", "a link")
    return repo


def probe(path: Path, cache: ProbeCache | None) -> ProbeReport:
    return probe_repository(path, cache=cache, config_endpoints=False)


def items(report: ProbeReport) -> list[tuple[str, tuple[object, ...], tuple[str, ...]]]:
    return [(ev.item.id, ev.findings, ev.waiting) for ev in report.items]


def no_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(snapshot: GitSnapshot) -> None:
        raise AssertionError("listed the commit")

    monkeypatch.setattr(GitSnapshot, "_list", refuse)


@pytest.mark.parametrize("folder", ["", "services/payments"])
def test_an_unchanged_tree_is_answered_by_tree_id_without_listing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    repo = monorepo(tmp_path)
    cache = ProbeCache(tmp_path / "cache")
    cold = probe(repo / folder, cache)
    assert cold.probes_run > 0 and cold.probes_cached == 0
    no_listing(monkeypatch)
    warm = probe(repo / folder, cache)
    assert (warm.probes_run, warm.probes_cached) == (0, cold.probes_run)
    assert items(warm) == items(cold)
    assert warm.notes == cold.notes


def test_a_change_outside_a_service_folder_leaves_its_review_answered_by_tree_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = monorepo(tmp_path)
    cache = ProbeCache(tmp_path / "cache")
    cold = probe(repo / "services" / "payments", cache)
    make_repo(repo, {"services/search/runbooks/payments.md": RUNBOOK})
    no_listing(monkeypatch)
    warm = probe(repo / "services" / "payments", cache)
    assert warm.probes_run == 0
    assert items(warm) == items(cold)


def test_a_change_to_a_shared_file_is_seen_by_every_service_folder(tmp_path: Path) -> None:
    repo = monorepo(tmp_path)
    cache = ProbeCache(tmp_path / "cache")
    before = probe(repo / "services" / "payments", cache)
    make_repo(repo, {"CODEOWNERS": "* @org/payments\n"})
    after = probe(repo / "services" / "payments", cache)
    assert after.probes_run > 0
    assert after.commit != before.commit
    assert items(after) == items(probe(repo / "services" / "payments", None))


def test_a_changed_tree_reuses_the_runs_whose_files_did_not_change(tmp_path: Path) -> None:
    repo = monorepo(tmp_path)
    cache = ProbeCache(tmp_path / "cache")
    cold = probe(repo, cache)
    make_repo(repo, {"services/search/k8s/deployment.yaml": SERVICE["k8s/deployment.yaml"] + "  labels: {}\n"})
    warm = probe(repo, cache)
    assert 0 < warm.probes_run < cold.probes_run
    assert warm.probes_cached == cold.probes_run - warm.probes_run
    assert items(warm) == items(probe(repo, None))


def test_the_report_is_the_same_cold_warm_and_without_a_cache(tmp_path: Path) -> None:
    repo = monorepo(tmp_path)
    cache = ProbeCache(tmp_path / "cache")
    runs = [probe(repo, None), probe(repo, cache), probe(repo, cache)]
    assert [r.probes_cached for r in runs] == [0, 0, runs[0].probes_run]
    documents = [json.loads(render_json(r)) for r in runs]
    for document in documents:
        del document["probes_run"], document["probes_cached"]
    assert documents[0] == documents[1] == documents[2]
    assert "link.md: symbolic link, not followed" in runs[2].notes
    assert "services/payments/runbooks/diagram.md: skipped (binary)" in runs[2].notes


@pytest.mark.usefixtures("forking")
def test_forked_workers_find_what_one_process_finds_cold_and_after_a_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forked: list[int] = []
    fork = repo_runs.map_forked

    def counted(tasks: Any, work: Any, workers: int) -> Any:
        forked.append(workers)
        return fork(tasks, work, workers)

    monkeypatch.setattr(repo_runs, "FORK_FROM_FILES", 0)  # this small repository is probed on two cores
    monkeypatch.setattr(repo_runs, "map_forked", counted)
    repo = monorepo(tmp_path)
    cache = ProbeCache(tmp_path / "cache")
    for change in ({}, {"services/search/runbooks/payments.md": RUNBOOK + "\n## Escalation\n\nPage the lead.\n"}):
        make_repo(repo, change)
        alone = probe_repository(repo, cache=None, config_endpoints=False, workers=1)
        shared = probe_repository(repo, cache=cache, config_endpoints=False, workers=2)
        assert items(shared) == items(alone)
        assert shared.notes == alone.notes
        assert shared.probes_run > 0
    assert forked.count(2) == 2


def test_probes_whose_test_ignores_their_parameters_share_one_selection_and_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups: list[list[str]] = []
    answer = repo_runs._answer
    monkeypatch.setattr(
        repo_runs,
        "_answer",
        lambda snapshot, group, *rest: groups.append([c.probe for c in group]) or answer(snapshot, group, *rest),
    )
    probe(monorepo(tmp_path), cache=None)
    dashboards = [group for group in groups if {"dashboards-valid", "dashboard-golden-signals"} & set(group)]
    assert dashboards == [["dashboards-valid", "dashboard-golden-signals"]]  # their parameters differ
    runbooks = [group for group in groups if {"runbook-present", "rollback-documented"} & set(group)]
    assert len(runbooks) == 2  # these select by their `paths` parameters, which differ


def test_a_probe_familys_groups_are_one_task_for_one_process_where_its_memos_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks: list[list[str]] = []
    fork = repo_runs.map_forked

    def spied(ordered: Any, work: Any, workers: int) -> Any:
        tasks.extend([call.probe for group in task for call in group] for task in ordered)
        return fork(ordered, work, workers)

    monkeypatch.setattr(repo_runs, "map_forked", spied)
    probe(monorepo(tmp_path), cache=None)
    alerting = [task for task in tasks if "alert-rules-sound" in task]
    assert alerting and set(alerting[0]) == {"alerts-have-runbooks", "alert-rules-sound", "alerts-page-a-human"}
    assert len(tasks) == len({family_of(task[0]) for task in tasks}) > 1  # one task per family, shared out


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"",
        lambda raw: raw[: len(raw) // 2],
        lambda raw: raw[:-2] + bytes([raw[-2] ^ 1]) + raw[-1:],  # the checksum no longer matches
        lambda raw: b"0" * 64 + b"\n" + raw.partition(b"\n")[2],
        lambda raw: _signed(b'{"findings": [["x"]], "skipped": {}, "calls": {"a": 1}, "notes": 3}'),
        lambda raw: _signed(b"[1, 2, 3]"),
        lambda raw: _signed(b"\xff\xfe not json"),
    ],
)
def test_a_damaged_cache_entry_is_a_miss(tmp_path: Path, damage: Callable[[bytes], bytes]) -> None:
    repo = monorepo(tmp_path)
    cache = ProbeCache(tmp_path / "cache")
    cold = probe(repo, cache)
    for entry in (tmp_path / "cache").rglob("*.json"):
        entry.write_bytes(damage(entry.read_bytes()))
    again = probe(repo, cache)
    assert again.probes_run == cold.probes_run
    assert items(again) == items(cold)
    assert again.notes == cold.notes


def _packed(*positions: int) -> bytes:
    """Positions as the cache keeps them: little-endian unsigned 32-bit numbers."""
    numbers = array("I", positions)
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers.tobytes()


def _signed(body: bytes) -> bytes:
    return hashlib.sha256(body).hexdigest().encode() + b"\n" + body


@pytest.mark.parametrize(
    ("stored", "size"),
    [
        (b"another-key\n" + _packed(1, 2), 10),  # written for another call
        (b"k\n" + _packed(2, 1), 10),  # not ascending
        (b"k\n" + _packed(1, 10), 10),  # past the listing
        (b"k\n" + _packed(1, 2)[:-1], 10),  # torn mid-number
    ],
)
def test_remembered_positions_that_do_not_fit_are_a_miss(tmp_path: Path, stored: bytes, size: int) -> None:
    cache = ProbeCache(tmp_path / "cache")
    assert cache.put_positions("k", [0, 3, 9]) is None
    assert cache.get_positions("k", 10) == [0, 3, 9]
    [entry] = (tmp_path / "cache").rglob("*.json")
    entry.write_bytes(_signed(stored))
    assert cache.get_positions("k", size) is None


def test_an_unwritable_cache_costs_a_note_not_the_review(tmp_path: Path) -> None:
    repo = monorepo(tmp_path)
    (tmp_path / "cache").write_text("a file where the cache folder should be\n")
    report = probe(repo, ProbeCache(tmp_path / "cache"))
    assert report.probes_run > 0
    assert any(note.startswith("probe cache ") and "not writable" in note for note in report.notes)


def test_a_run_that_met_a_missing_object_is_not_kept(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"runbooks/payments.md": RUNBOOK})
    oid = git(repo, "rev-parse", "HEAD:runbooks/payments.md").strip()
    (repo / ".git" / "objects" / oid[:2] / oid[2:]).unlink()  # a partial clone may fetch it later
    cache = ProbeCache(tmp_path / "cache")
    first = probe(repo, cache)
    assert "runbooks/payments.md: skipped (object not available)" in first.notes
    second = probe(repo, cache)
    assert second.probes_run > 0
    assert items(second) == items(first)


def test_json_output_is_the_documented_document_with_printable_paths(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    (repo / "dashboards").mkdir(parents=True)
    dashboard = {"uid": "x", "title": "Overview", "panels": [{"title": "p", "targets": [{"expr": "up"}]}]}
    with open(os.fsencode(repo) + b"/dashboards/over\xffview.json", "w") as handle:
        json.dump(dashboard, handle)
    os.symlink("CODEOWNERS", os.fsencode(repo) + b"/link-\xff")
    make_repo(repo, {"CODEOWNERS": "* @org/sre\n"})
    report = probe(repo, None)
    text = render_json(report)
    assert json.loads(text) == _expected(report)
    assert '"path": "dashboards/over\\\\xffview.json"' in text
    assert "link-\\xff: symbolic link, not followed" in json.loads(text)["notes"]


def _expected(report: ProbeReport) -> dict[str, object]:
    """The document as docs/probe-output.md describes it, built field by field."""

    def finding(f: Finding) -> dict[str, object]:
        return {
            "probe": f.probe,
            "outcome": f.outcome.value,
            "message": f.message,
            "locations": [{"path": printable(loc.path), "line": loc.line} for loc in f.locations],
            "evidence": [
                {k: (printable(v) if k == "path" else v) for k, v in vars(ev).items() if v is not None}
                for ev in f.evidence
            ],
            "remediation": f.remediation,
        }

    return {
        "schema": "prr.probe/1",
        "repository": str(report.top),
        "service_folder": report.prefix,
        "commit": report.commit,
        "checklist": {
            "id": report.pack.id,
            "version": report.pack.version,
            "sources": [{"name": s.name, "sha256": s.sha256} for s in report.pack.sources],
        },
        "tier": report.tier,
        "summary": _counts(report),
        "items": [
            {
                "id": ev.item.id,
                "section": ev.item.section,
                "title": ev.item.title,
                "requirement": ev.requirement.value,
                "evidence_mode": ev.item.evidence.value,
                "outcome": ev.outcome.value if ev.outcome else None,
                "findings": [finding(f) for f in ev.findings],
                "not_run": list(ev.waiting),
            }
            for ev in report.items
            if ev.item.probes
        ],
        "probes_run": report.probes_run,
        "probes_cached": report.probes_cached,
        "notes": report.notes,
        "uncommitted_evidence": report.uncommitted,
    }


@pytest.fixture
def tested(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Remember selections folder by folder even in a small repository, and record the
    paths the runbook probe's `selects` test is asked about."""
    from prr.adapters import selection
    from prr.probes.repo import REPOSITORY_PROBES
    from prr.workflow import probing

    monkeypatch.setattr(selection, "MEMO_MIN_PATHS", 0)
    asked: list[str] = []
    runbooks = REPOSITORY_PROBES["runbook-present"]

    def counting(path: str, params: object) -> bool:
        asked.append(path)
        return runbooks.selects(path, params)  # type: ignore[arg-type]

    probes = dict(REPOSITORY_PROBES) | {"runbook-present": dataclasses.replace(runbooks, selects=counting)}
    monkeypatch.setattr(probing, "_repository_probes", lambda: probes)
    return asked


def test_after_a_file_is_added_only_its_folders_paths_are_tested_again(tmp_path: Path, tested: list[str]) -> None:
    repo = monorepo(tmp_path, ("payments", "search", "orders", "users", "carts", "mail", "auth", "audit"))
    cache = ProbeCache(tmp_path / "cache")
    probe(repo, cache)
    assert "services/search/runbooks/payments.md" in tested
    make_repo(repo, {"services/payments/runbooks/escalation.md": RUNBOOK})
    tested.clear()
    warm = probe(repo, cache)
    assert {path.split("/")[1] for path in tested if path.count("/") > 1} == {"payments"}
    assert items(warm) == items(probe(repo, None))


def test_after_a_change_of_contents_alone_no_path_is_tested_again(tmp_path: Path, tested: list[str]) -> None:
    repo = monorepo(tmp_path)
    cache = ProbeCache(tmp_path / "cache")
    probe(repo, cache)
    make_repo(repo, {"services/payments/runbooks/payments.md": RUNBOOK})  # the same paths: the same selections
    tested.clear()
    warm = probe(repo, cache)
    assert tested == []
    assert warm.probes_run > 0
    assert items(warm) == items(probe(repo, None))


@pytest.mark.parametrize(
    "change",
    [
        {"services/search/runbooks/new.md": RUNBOOK},  # a file added to a folder
        {"services/orders/runbooks/orders.md": RUNBOOK},  # a new folder
        {"runbooks/top.md": RUNBOOK, "README.md": "hi\n"},  # files outside the folders two down
        {"services/payments/k8s/deployment.yaml": "kind: Deployment\n"},  # a file the runbook probes skip
    ],
)
def test_remembered_selections_equal_fresh_ones_after_any_change(
    tmp_path: Path, tested: list[str], change: dict[str, str]
) -> None:
    repo = monorepo(tmp_path)
    cache = ProbeCache(tmp_path / "cache")
    probe(repo, cache)
    make_repo(repo, change)
    assert items(probe(repo, cache)) == items(probe(repo, None))
    git(repo, "rm", "-r", "-q", "services/search")
    git(repo, "commit", "-q", "-m", "a folder removed")
    assert items(probe(repo, cache)) == items(probe(repo, None))


@pytest.mark.parametrize(
    "memo",
    [
        b'{"services/payments": ["0000", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 99]]}',  # offsets past the folder
        b'{"services/payments": ["0000", [-1]], "services/search": "x"}',
        b'{"services/payments": ["0000", ["a"]]}',
        b'{"services/payments": ["0000", [0, 9999, 1]]}',
        b'{"services/payments": ["0000", [0, "a", 1]]}',
        b"[]",
    ],
)
def test_a_remembered_selection_that_does_not_fit_is_tested_afresh(
    tmp_path: Path, tested: list[str], memo: bytes
) -> None:
    repo = monorepo(tmp_path)
    cache = ProbeCache(tmp_path / "cache")
    cold = probe(repo, cache)
    for entry in (tmp_path / "cache" / "selections-v1").rglob("*.json"):
        trees = json.loads(entry.read_bytes().partition(b"\n")[2])
        forged = memo.replace(b"0000", trees["services/payments"][0].encode())
        entry.write_bytes(_signed(forged))
    for entry in (tmp_path / "cache" / "probes-v2").rglob("*.json"):
        entry.unlink()
    again = probe(repo, cache)
    assert items(again) == items(cold)
