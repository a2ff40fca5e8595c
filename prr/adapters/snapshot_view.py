"""The `Repo` a probe sees: a snapshot narrowed to the files the probe selected (views of
one selection share its lookup table and file list), with what the probe derived from each
file in an earlier run (`Repo.derived`) to answer from instead of reading it again."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from prr.adapters.git_snapshot import GitSnapshot, TreeEntry
from prr.adapters.selection import Selection, Selector
from prr.probes.api import Params, RepoFile, RepoProbe


def selected_entries(snapshot: GitSnapshot, probe: RepoProbe, params: Params) -> Selection:
    """Regular files the probe asked for; links and submodules are never handed over."""
    return Selector(snapshot).select(probe, params)


# What a probe derived, by kind and path: [blob id, JSON value] (see Repo.derived); and
# under READ, the paths it read whole ([blob id, None]).
Derived = dict[str, dict[str, list[Any]]]
READ = ""  # no probe's kind: `Repo.derived` kinds name what they derive


class SnapshotView:
    def __init__(self, snapshot: GitSnapshot, entries: Sequence[TreeEntry], known: Derived | None = None) -> None:
        selection = entries if isinstance(entries, Selection) else Selection.of(entries)
        self.commit = snapshot.commit
        self.prefix = snapshot.prefix
        self._snapshot = snapshot
        self._entries = selection.by_path
        self._files = selection.files
        self._skipped: dict[str, str] = {}
        self._known = known
        self._kept: Derived = {}

    def files(self) -> Sequence[RepoFile]:
        return self._files

    def exists(self, path: str) -> bool:
        return path in self._entries

    def blob(self, path: str) -> str | None:
        entry = self._entries.get(path)
        return entry.oid if entry else None

    def text(self, path: str) -> str | None:
        blob = self.blob(path)
        if blob is not None:
            self._kept.setdefault(READ, {})[path] = [blob, None]
        return self._text(path)

    def skipped(self, path: str) -> str | None:
        found = self._load(path)
        return "not a selected committed file" if found is None else found[1]

    def derived(self, kind: str, path: str, derive: Callable[[str], Any]) -> Any:
        blob = self.blob(path)
        if blob is None:
            return None
        found = (self._known or {}).get(kind, {}).get(path)
        if found is None or found[0] != blob:
            text = self._text(path)
            if text is None:
                return None
            # Through JSON at once, so a value looks the same derived now or read back later.
            found = [blob, json.loads(json.dumps(derive(text)))]
        self._kept.setdefault(kind, {})[path] = found
        return found[1]

    def to_keep(self) -> Derived | None:
        """What the probe's next run over a changed selection should be handed (what it
        derived, and which files it read whole); None when that is what it was handed, or
        when it read most of its files whole (next time they are all fetched, as for a
        first run, and listing them would only cost space)."""
        if len(self._kept.get(READ, ())) * 2 > len(self._files) or self._kept == self._known:
            return None
        return self._kept

    def skipped_reads(self) -> dict[str, str]:
        """Files a probe asked for but could not read, with why (binary, over the cap...)."""
        return dict(self._skipped)

    def _text(self, path: str) -> str | None:
        found = self._load(path)
        return found[0].decode("utf-8", "replace") if found and found[0] is not None else None

    def _load(self, path: str) -> tuple[bytes | None, str | None] | None:
        entry = self._entries.get(path)
        if entry is None:
            return None
        found = self._snapshot.load(entry)
        if found[1]:
            self._skipped[path] = found[1]
        return found
