"""The `Repo` a probe sees: a snapshot narrowed to the files the probe selected."""

from __future__ import annotations

from collections.abc import Sequence

from prr.adapters.git_snapshot import Blob, EntryKind, GitSnapshot, TreeEntry
from prr.probes.api import Params, RepoFile, RepoProbe


def selected_entries(snapshot: GitSnapshot, probe: RepoProbe, params: Params) -> list[TreeEntry]:
    """Regular files the probe asked for; links and submodules are never handed over."""
    pool = snapshot.entries if probe.candidates is None else snapshot.candidates(probe.candidates)
    return [e for e in pool if e.kind is EntryKind.FILE and probe.selects(e.path, params)]


class SnapshotView:
    def __init__(self, snapshot: GitSnapshot, entries: Sequence[TreeEntry]) -> None:
        self.commit = snapshot.commit
        self.prefix = snapshot.prefix
        self._snapshot = snapshot
        self._entries = {e.path: e for e in entries}
        self._files = [RepoFile(e.path, e.oid) for e in entries]
        self._reads: dict[str, Blob] = {}

    def files(self) -> Sequence[RepoFile]:
        return self._files

    def exists(self, path: str) -> bool:
        return path in self._entries

    def blob(self, path: str) -> str | None:
        entry = self._entries.get(path)
        return entry.oid if entry else None

    def text(self, path: str) -> str | None:
        blob = self._read(path)
        return blob.data.decode("utf-8", "replace") if blob and blob.data is not None else None

    def skipped(self, path: str) -> str | None:
        blob = self._read(path)
        return "not a selected committed file" if blob is None else blob.skipped

    def skipped_reads(self) -> dict[str, str]:
        """Files a probe asked for but could not read, with why (binary, over the cap...)."""
        return {path: blob.skipped for path, blob in self._reads.items() if blob.skipped}

    def _read(self, path: str) -> Blob | None:
        if path not in self._entries:
            return None
        if path not in self._reads:
            self._reads[path] = self._snapshot.read(path)
        return self._reads[path]
