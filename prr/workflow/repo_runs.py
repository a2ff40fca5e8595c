"""Run a pack's repository probe calls over one commit, reusing what the cache holds.

Cheapest answer first:
1. the scope record for the commit's tree ids (GitSnapshot.scope_id) names each call's
   probe-run key, so an unchanged tree is answered without listing its files;
2. else the commit is listed (a whole repository's by patching the listing an earlier
   run kept, when only files' contents changed since), each call's files selected and
   its key computed from the selected blobs: a run over the same blobs is reused. A
   listing of the same paths as before selects the same files, so those are remembered
   by its shape (a change of contents alone needs no probe imported and no path
   tested); otherwise files are selected once per distinct selection, in a large
   repository only in folders whose tree changed;
3. else the probe runs, over blobs fetched in one batch per selection, and its run is
   stored under that key. What it derived per file (`Repo.derived`) and which files it
   read whole are stored too: when it runs again after a change, it is answered from
   what it derived from unchanged files, and only what it will read is fetched.
Steps 2 and 3 go by probe family (whose probes share what they parse), the heaviest
first, on several cores when the caller allows (see prr.workflow.forked): selecting,
fetching and probing a big repository all take CPU. The findings and notes are the same
whichever way they were found."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from prr import __version__
from prr import probes as probes_package
from prr.adapters.git_snapshot import EntryKind, GitSnapshot
from prr.adapters.probe_cache import ProbeCache, ProbeRun, ScopeRecord
from prr.adapters.selection import Selection, Selector
from prr.adapters.snapshot_view import READ, Derived, SnapshotView
from prr.domain.findings import Finding, probe_failed
from prr.domain.text import printable
from prr.probes.api import RepoProbe
from prr.probes.repo import family_of
from prr.workflow.forked import map_forked

UNAVAILABLE = "object not available"  # a partial clone may fetch it later: such runs are not stored
# A call to run, over its selection, stored under its key, with what it derived last time.
Task = tuple["RepoCall", RepoProbe, Selection, str, Derived | None]
FORK_FROM_FILES = 5_000  # a review of fewer files runs in this process: a fork would cost more than it saves


@dataclass(frozen=True)
class RepoCall:
    key: str  # the probe and its parameters (probing.ProbeCall.key)
    probe: str
    params: Mapping[str, Any]


@dataclass
class RepoRuns:
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # by call key
    unavailable: list[str] = field(default_factory=list)  # call keys whose probe this prr does not have
    run: int = 0
    cached: int = 0
    notes: list[str] = field(default_factory=list)  # cache problems, links and submodules, skipped reads


@dataclass(frozen=True)
class _Answer:
    """One call's findings, from whichever process found them."""

    call: RepoCall
    found: ProbeRun
    key: str  # the probe-run key it is stored under; "" when it could not be stored
    cached: bool


def run_calls(
    snapshot: GitSnapshot,
    calls: list[RepoCall],
    cache: ProbeCache | None,
    probes: Callable[[], Mapping[str, RepoProbe]],
    started: Callable[[RepoCall], None],
    workers: int = 1,
) -> RepoRuns:
    """Findings for every call; `probes` gives the implementations (imported only when a
    probe must select or run), `started` is told of each call as it is answered. With
    `workers` over 1, the calls the scope record does not answer share that many forked
    processes (only from a process without other threads)."""
    runs = RepoRuns()
    keys: dict[str, str] = {}
    skipped: dict[str, str] = {}
    scope_key = (
        ProbeCache.key(__version__, _probes_digest(), _cap(snapshot), snapshot.prefix, snapshot.scope_id())
        if cache
        else ""
    )
    record = cache.get_scope(scope_key) if cache else None
    if cache is not None and not snapshot.prefix:  # read only if the listing is needed
        snapshot.earlier = functools.partial(cache.get_listing, _listing_key(snapshot))
    groups: dict[tuple[object, ...], list[RepoCall]] = {}
    chosen: dict[str, Selection] = {}  # selections remembered by the listing's shape, by call key
    made: dict[int, Any] = {}  # their entries, shared
    alike: dict[tuple[int, ...], Selection] = {}  # one object per distinct selection: its digest is made once
    for call in calls:
        key = record.calls.get(call.key) if record else None
        found = cache.get(key) if cache and key else None
        if found is None and cache is not None:
            selection = _same_shape(snapshot, cache, call, made, alike)
            if selection is not None:
                key = _run_key(snapshot, call, selection)
                found = cache.get(key)
                chosen[call.key] = selection
        if found is not None:
            started(call)
            _take(runs, skipped, call, found, cached=True)
            keys[call.key] = key or ""
            continue
        probe = probes().get(call.probe)
        if probe is None:
            runs.unavailable.append(call.key)
            keys[call.key] = ""
            continue
        # Calls that select alike share one selection, so they go to one process together
        # (the Kubernetes probes also share what they parse).
        groups.setdefault(Selector.key_of(probe, call.params), []).append(call)
    selector = Selector(snapshot, cache)

    def answer(task: list[list[RepoCall]]) -> tuple[list[_Answer], list[str]]:
        answers, notes = [], []
        for group in task:
            found, problems = _answer(snapshot, group, cache, probes(), selector, started, chosen)
            answers += found
            notes += problems
        return answers, notes

    # One task per probe family: a family's probes share what they parse (the alert rule
    # files, the manifests), which only helps inside one process. The heaviest go first.
    tasks: dict[str, list[tuple[list[RepoCall], int]]] = {}
    for group in groups.values():
        weight = len(group) * _weight(snapshot, probes(), group, chosen)
        tasks.setdefault(family_of(group[0].probe), []).append((group, weight))
    ordered = [
        [group for group, _ in task] for task in sorted(tasks.values(), key=lambda task: -sum(w for _, w in task))
    ]
    worth_forking = bool(ordered) and len(snapshot.listing) >= FORK_FROM_FILES
    for answers, notes in map_forked(ordered, answer, workers if worth_forking else 1):
        for found in answers:
            _take(runs, skipped, found.call, found.found, found.cached)
            if found.key:
                keys[found.call.key] = found.key
        for problem in notes:
            _note(runs, problem)
    if cache is not None and snapshot.listed_in_full:  # (only a whole repository's is kept)
        # A patched listing is not stored: the next run patches the same earlier one
        # (git compares the two trees, however far apart, in one short call).
        _note(runs, cache.put_listing(_listing_key(snapshot), snapshot.root_tree, snapshot.listing))
    tree_notes = record.notes if record else _tree_notes(snapshot)
    known = record.calls if record else {}
    if cache is not None and len(keys) == len(calls) and (record is None or keys.items() - known.items()):
        _note(runs, cache.put_scope(scope_key, ScopeRecord(known | keys, tree_notes)))
    runs.notes += tree_notes
    runs.notes += [f"{printable(path)}: skipped ({why})" for path, why in sorted(skipped.items())]
    return runs


def _answer(
    snapshot: GitSnapshot,
    group: list[RepoCall],
    cache: ProbeCache | None,
    probes: Mapping[str, RepoProbe],
    selector: Selector,
    started: Callable[[RepoCall], None],
    chosen: Mapping[str, Selection],
) -> tuple[list[_Answer], list[str]]:
    """The group's calls answered (from the cache by their selected blobs, else run), and
    the cache problems met on the way. CHOSEN holds selections already known."""
    answers: list[_Answer] = []
    tasks: list[Task] = []
    notes: list[str] = []
    for call in group:
        probe = probes[call.probe]
        selection = chosen.get(call.key)
        if selection is None:
            # Per repository: any folder with the same path and tree selects the same files,
            # but two large repositories sharing one memo would keep overwriting each other's.
            memo_key = ProbeCache.key("folders", __version__, _probes_digest(), str(snapshot.git_dir), call.key)
            selection = selector.select(probe, call.params, memo_key)
            if cache is not None:
                notes.append(cache.put_positions(_shape_key(snapshot, call), selection.positions) or "")
        key = _run_key(snapshot, call, selection)
        found = cache.get(key) if cache else None
        if found is not None:
            started(call)
            answers.append(_Answer(call, found, key, cached=True))
        else:
            known = cache.get_derived(_derived_key(snapshot, call)) if cache else None
            tasks.append((call, probe, selection, key, known))
    snapshot.prefetch_blobs(_to_prefetch(tasks))
    notes += selector.notes
    for call, probe, selection, key, known in tasks:
        started(call)
        found, derived = _run(snapshot, probe, call.params, selection, known)
        stored = ""
        if cache is not None and UNAVAILABLE not in found.skipped.values():
            notes.append(cache.put(key, found) or "")
            stored = key
        if cache is not None and derived is not None:
            notes.append(cache.put_derived(_derived_key(snapshot, call), derived) or "")
        answers.append(_Answer(call, found, stored, cached=False))
    return answers, [note for note in notes if note]


def _same_shape(
    snapshot: GitSnapshot,
    cache: ProbeCache,
    call: RepoCall,
    made: dict[int, Any],
    alike: dict[tuple[int, ...], Selection],
) -> Selection | None:
    """The call's selection as remembered for a listing of this shape, if it was; calls
    that select alike (the Kubernetes probes) get one Selection."""
    listing = snapshot.listing
    positions = cache.get_positions(_shape_key(snapshot, call), len(listing))
    if positions is None:
        return None
    key = tuple(positions)
    if key not in alike:
        alike[key] = Selection(listing, positions, made)
    return alike[key]


def _shape_key(snapshot: GitSnapshot, call: RepoCall) -> str:
    return ProbeCache.key(
        "selected", __version__, _probes_digest(), _cap(snapshot), snapshot.prefix, call.key, snapshot.listing.shape
    )


def _run_key(snapshot: GitSnapshot, call: RepoCall, selection: Selection) -> str:
    return ProbeCache.key(__version__, call.key, _probes_digest(), _cap(snapshot), snapshot.prefix, selection.digest)


def _cap(snapshot: GitSnapshot) -> str:
    """The largest file the probes read: a file over it is skipped, so results differ with it."""
    return f"cap={snapshot.max_blob_bytes}"


def _weight(
    snapshot: GitSnapshot, probes: Mapping[str, RepoProbe], group: list[RepoCall], chosen: Mapping[str, Selection]
) -> int:
    """How many files the group's selection holds (when remembered) or tests: the heaviest
    groups go first, so that no worker is left with one at the end. A remembered selection
    spares indexing the whole listing's names, which nothing else may need."""
    selection = chosen.get(group[0].key)
    if selection is not None:
        return len(selection)
    return len(snapshot.listing.candidates(probes[group[0].probe].candidates))


def _run(
    snapshot: GitSnapshot, probe: RepoProbe, params: Mapping[str, Any], selection: Selection, known: Derived | None
) -> tuple[ProbeRun, Derived | None]:
    view = SnapshotView(snapshot, selection, known)
    try:
        findings = probe.run(view, params)
    except Exception as exc:  # a probe bug must cost one finding, not the whole review
        findings = [probe_failed(probe.id, exc)]
        return ProbeRun(findings, view.skipped_reads()), None
    return ProbeRun(list(findings), view.skipped_reads()), view.to_keep()


def _to_prefetch(tasks: list[Task]) -> list[str]:
    """Every blob of a selection the probe has not run over before; of one it has, those
    at paths it read whole last time, and those it derived something from that changed
    since (any others it needs it reads one by one)."""
    blobs: list[str] = []
    fetched: set[int] = set()
    for _, _, selection, _, known in tasks:
        if known is None and id(selection) not in fetched:
            fetched.add(id(selection))
            blobs.extend(selection.blobs())
    for _, _, selection, _, known in tasks:
        if known is None or id(selection) in fetched:
            continue
        by_path = selection.by_path
        for kind, by_kind in known.items():
            for path, (blob, _) in by_kind.items():
                entry = by_path.get(path)
                if entry is not None and (kind == READ or entry.oid != blob):
                    blobs.append(entry.oid)
    return blobs


def _listing_key(snapshot: GitSnapshot) -> str:
    # One per repository: the last listing is what the next run most likely patches.
    return ProbeCache.key("listing", __version__, str(snapshot.git_dir))


def _derived_key(snapshot: GitSnapshot, call: RepoCall) -> str:
    # Per repository and service folder, like the selection memo: two reviews of one
    # repository keep their own, rather than overwriting each other's on every run.
    return ProbeCache.key("derived", __version__, _probes_digest(), str(snapshot.git_dir), snapshot.prefix, call.key)


def _take(runs: RepoRuns, skipped: dict[str, str], call: RepoCall, found: ProbeRun, cached: bool) -> None:
    runs.findings[call.key] = found.findings
    skipped.update(found.skipped)
    if cached:
        runs.cached += 1
    else:
        runs.run += 1


def _note(runs: RepoRuns, problem: str | None) -> None:
    if problem and problem not in runs.notes:
        runs.notes.append(problem)


def _tree_notes(snapshot: GitSnapshot) -> list[str]:
    listing = snapshot.listing
    notes = []
    for position, kind in sorted(listing.kinds.items()):
        path = printable(listing.paths[position])
        if kind is EntryKind.SYMLINK:
            notes.append(f"{path}: symbolic link, not followed")
        elif kind is EntryKind.SUBMODULE:
            notes.append(f"{path}: submodule, not entered")
    return notes


@cache
def _probes_digest() -> str:
    """The source of every probe module and what they share: changed probe code never
    reuses findings cached by the old code."""
    digest = hashlib.sha256()
    for source in sorted(Path(probes_package.__file__).parent.rglob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()
