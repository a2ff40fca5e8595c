"""Which committed files each probe is handed: its `selects` test over the listing.

Probes that share a `selects` test, candidates and parameters (the ten Kubernetes probes
all take the YAML files) share one selection, made once. In a large repository the
selection is also remembered folder by folder: a folder two levels down (a monorepo's
`services/payments`) whose tree id has not changed since the last run selects the files
it selected then, so after a one-file change one folder's paths are tested again, not
100,000 of them."""

from __future__ import annotations

import functools
import hashlib
import json
from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import Protocol, overload

from prr.adapters.git_snapshot import EntryKind, GitSnapshot, TreeEntry
from prr.adapters.tree_listing import Listing, fits
from prr.probes.api import Params, RepoFile, RepoProbe

MEMO_MIN_PATHS = 10_000  # below this, testing every path is cheaper than reading what was remembered
_REWRITE_AFTER = 32  # the memo is written again once 1 folder in 32 was tested afresh

Folders = dict[str, tuple[str, list[int]]]  # folder -> (tree id, selected positions relative to its first path)
Made = tuple[TreeEntry, RepoFile]


class FolderMemo(Protocol):
    """Where remembered selections live (the probe cache)."""

    def get_folders(self, key: str) -> Folders | None: ...

    def put_folders(self, key: str, folders: Folders) -> str | None: ...


class Selection(Sequence[TreeEntry]):
    """Regular files selected for probes, in path order. The digest (part of the probe
    cache's key) comes from the listing's columns; the entries, the probe's file list and
    the lookup table are made only when a probe runs over them."""

    def __init__(self, listing: Listing, positions: list[int], made: dict[int, Made] | None = None) -> None:
        self._listing = listing
        self._positions = positions
        self._made = {} if made is None else made  # by position, shared by one snapshot's selections

    @classmethod
    def of(cls, entries: Sequence[TreeEntry]) -> Selection:
        kinds = {n: e.kind for n, e in enumerate(entries) if e.kind is not EntryKind.FILE}
        return cls(Listing([e.path for e in entries], [e.oid for e in entries], kinds), list(range(len(entries))))

    def __len__(self) -> int:
        return len(self._positions)

    @property
    def positions(self) -> list[int]:
        """The selected positions in the listing (what `remembered` keeps)."""
        return self._positions

    @overload
    def __getitem__(self, index: int) -> TreeEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[TreeEntry]: ...

    def __getitem__(self, index: int | slice) -> TreeEntry | list[TreeEntry]:
        return self.entries[index]

    @functools.cached_property
    def entries(self) -> list[TreeEntry]:
        return [entry for entry, _ in self._pairs]

    @functools.cached_property
    def files(self) -> list[RepoFile]:
        return [file for _, file in self._pairs]

    @functools.cached_property
    def by_path(self) -> dict[str, TreeEntry]:
        return {e.path: e for e in self.entries}

    def blobs(self) -> list[str]:
        oids = self._listing.oids
        return [oids[p] for p in self._positions]

    @functools.cached_property
    def digest(self) -> str:
        """The selected paths and blobs: what a probe's findings may depend on."""
        paths, oids = self._listing.paths, self._listing.oids
        listing = "".join([f"{oids[p]} {paths[p]}\n" for p in self._positions])
        return hashlib.sha256(listing.encode("utf-8", "surrogateescape")).hexdigest()

    @functools.cached_property
    def _pairs(self) -> list[Made]:
        made, entry = self._made, self._listing.entry
        pairs = []
        for position in self._positions:
            found = made.get(position)
            if found is None:
                e = entry(position)
                found = made[position] = (e, RepoFile(e.path, e.oid))
            pairs.append(found)
        return pairs


class Selector:
    """One snapshot's selections, made once per `selects` function, candidates and
    parameters; with a memo, remembered per folder under the key the caller gives."""

    def __init__(self, snapshot: GitSnapshot, memo: FolderMemo | None = None) -> None:
        self._snapshot = snapshot
        self._memo = memo
        self._made: dict[tuple[object, ...], Selection] = {}
        self._files: dict[int, Made] = {}  # by listing position, shared by selections
        self._cut: list[tuple[int, int, str, str]] | None = None
        self.notes: list[str] = []  # why the memo could not be written

    @staticmethod
    def key_of(probe: RepoProbe, params: Params) -> tuple[object, ...]:
        """What decides a selection: probes with the same key select the same files."""
        by_params = json.dumps(params, sort_keys=True) if probe.selects_by_params else None
        return (probe.selects, probe.candidates, by_params)

    def select(self, probe: RepoProbe, params: Params, memo_key: str = "") -> Selection:
        key = self.key_of(probe, params)
        found = self._made.get(key)
        if found is None:
            listing = self._snapshot.listing
            paths, selects, keys = listing.paths, probe.selects, probe.candidates

            def test(start: int, end: int) -> list[int]:
                return [p for p in listing.candidates(keys, start, end) if selects(paths[p], params)]

            remembered = self._remembered(test, memo_key)
            found = Selection(listing, test(0, len(listing)) if remembered is None else remembered, self._files)
            self._made[key] = found
        return found

    def _remembered(self, test: Callable[[int, int], list[int]], key: str) -> list[int] | None:
        """The selection, folder by folder: remembered where the folder's tree is unchanged,
        tested elsewhere (everywhere at once when much changed); None when there is no
        memo to use. The memo is written again when it lacked more than a few folders."""
        spans = self._spans()
        if self._memo is None or not key or not spans:
            return None
        before = self._memo.get_folders(key) or {}
        known = {}
        for start, end, folder, tree in spans:
            found = before.get(folder)
            if folder and found and found[0] == tree and fits(found[1], end - start):
                known[start] = [start + offset for offset in found[1]]
        size = len(self._snapshot.listing)
        unknown = sum(end - start for start, end, _, _ in spans if start not in known)
        if unknown * 4 > size:
            chosen = test(0, size)
        else:
            chosen = []
            for start, end, _, _ in spans:
                chosen += known[start] if start in known else test(start, end)
        stale = sum(1 for start, _, folder, _ in spans if folder and start not in known)
        if stale * _REWRITE_AFTER > len(spans):
            after: Folders = {}
            for start, end, folder, tree in spans:
                if folder:
                    inside = chosen[bisect_left(chosen, start) : bisect_left(chosen, end)]
                    after[folder] = (tree, [p - start for p in inside])
            problem = self._memo.put_folders(key, after)
            if problem and problem not in self.notes:
                self.notes.append(problem)
        return chosen

    def _spans(self) -> list[tuple[int, int, str, str]]:
        """The listing cut into (start, end, folder, tree id) spans in path order: the
        folders two levels down, and between them the other paths (folder ""); none for
        a small listing."""
        if self._cut is None:
            listing = self._snapshot.listing
            self._cut = self._cut_at(self._snapshot.folders_two_down()) if len(listing) >= MEMO_MIN_PATHS else []
        return self._cut

    def _cut_at(self, folders: dict[str, str]) -> list[tuple[int, int, str, str]]:
        if not folders:
            return []
        paths, spans, cursor = self._snapshot.listing.paths, [], 0
        for folder in sorted(folders, key=lambda f: f + "/"):  # the order of their paths
            start = bisect_left(paths, folder + "/", cursor)
            end = bisect_left(paths, folder + "0", start)  # "0" follows "/"
            if start > cursor:
                spans.append((cursor, start, "", ""))
            spans.append((start, end, folder, folders[folder]))
            cursor = end
        if cursor < len(paths):
            spans.append((cursor, len(paths), "", ""))
        return spans
