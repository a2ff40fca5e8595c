"""The `Repo` a probe sees: a snapshot narrowed to the files the probe selected (views of
one selection share its lookup table and file list)."""

from __future__ import annotations

from collections.abc import Sequence

from prr.adapters.git_snapshot import GitSnapshot, TreeEntry
from prr.adapters.selection import Selection, Selector
from prr.probes.api import Params, RepoFile, RepoProbe


def selected_entries(snapshot: GitSnapshot, probe: RepoProbe, params: Params) -> Selection:
    """Regular files the probe asked for; links and submodules are never handed over."""
    return Selector(snapshot).select(probe, params)


class SnapshotView:
    def __init__(self, snapshot: GitSnapshot, entries: Sequence[TreeEntry]) -> None:
        selection = entries if isinstance(entries, Selection) else Selection.of(entries)
        self.commit = snapshot.commit
        self.prefix = snapshot.prefix
        self._snapshot = snapshot
        self._entries = selection.by_path
        self._files = selection.files
        self._skipped: dict[str, str] = {}

    def files(self) -> Sequence[RepoFile]:
        return self._files

    def exists(self, path: str) -> bool:
        return path in self._entries

    def blob(self, path: str) -> str | None:
        entry = self._entries.get(path)
        return entry.oid if entry else None

    def text(self, path: str) -> str | None:
        found = self._load(path)
        return found[0].decode("utf-8", "replace") if found and found[0] is not None else None

    def skipped(self, path: str) -> str | None:
        found = self._load(path)
        return "not a selected committed file" if found is None else found[1]

    def skipped_reads(self) -> dict[str, str]:
        """Files a probe asked for but could not read, with why (binary, over the cap...)."""
        return dict(self._skipped)

    def _load(self, path: str) -> tuple[bytes | None, str | None] | None:
        entry = self._entries.get(path)
        if entry is None:
            return None
        found = self._snapshot.load(entry)
        if found[1]:
            self._skipped[path] = found[1]
        return found
