"""The committed paths a review may use, as parallel columns in path order.

A 100,000-file monorepo is listed on every run whose tree changed, so the listing keeps
paths and blob ids in plain lists and makes a `TreeEntry` only for the entries a probe
selects; files are found by lowercase name or extension through an index built once."""

from __future__ import annotations

import functools
import hashlib
import operator
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import NamedTuple


class EntryKind(StrEnum):
    FILE = "file"
    SYMLINK = "symlink"  # reported as a link, never followed
    SUBMODULE = "submodule"  # reported, never entered


class TreeEntry(NamedTuple):
    """One committed path."""

    path: str  # relative to the repository top; non-UTF-8 bytes kept as surrogate escapes
    kind: EntryKind
    oid: str


_KIND_BY_MODE = {"120000": EntryKind.SYMLINK, "160000": EntryKind.SUBMODULE}
_RECORD = re.compile(r"(\d{6}) \w+ ([0-9a-f]+)\t(.*)", re.DOTALL)
TREE = "40000"  # a subtree's mode in tree objects (ls-tree prints "040000")
_SCAN_SHARE = 8  # a span of less than an eighth of the listing is tested path by path, not indexed


def kind_of(mode: str) -> EntryKind:
    return _KIND_BY_MODE.get(mode, EntryKind.FILE)


class Listing:
    def __init__(self, paths: list[str], oids: list[str], kinds: dict[int, EntryKind]) -> None:
        self.paths = paths
        self.oids = oids
        self.kinds = kinds  # position -> kind, for the few entries that are not regular files
        self._positions: dict[str, int] | None = None
        self._names: dict[str, list[int]] | None = None
        self._found: dict[frozenset[str] | None, list[int]] = {}

    def __len__(self) -> int:
        return len(self.paths)

    @functools.cached_property
    def shape(self) -> str:
        """A digest of the paths and which are not regular files, never of the contents:
        what a probe selects depends on these alone (`RepoProbe.selects` sees a path), so
        a listing of the same shape selects the same positions."""
        digest = hashlib.sha256("\n".join(self.paths).encode("utf-8", "surrogateescape"))
        digest.update(repr(sorted(self.kinds.items())).encode())
        return digest.hexdigest()

    def with_blobs(self, changed: Mapping[str, str]) -> Listing | None:
        """This listing with other blob ids at some of its paths: the listing of a later
        commit that changed only files' contents. The same paths keep what was worked out
        from them (shape, name index, positions). None when a path is not listed here."""
        paths, oids = self.paths, list(self.oids)
        for path, oid in changed.items():
            at = bisect_left(paths, path)
            if at == len(paths) or paths[at] != path or at in self.kinds:
                return None
            oids[at] = oid
        patched = Listing(paths, oids, self.kinds)
        patched._positions, patched._names, patched._found = self._positions, self._names, self._found
        if "shape" in self.__dict__:  # (a cached_property: set where it keeps its value)
            patched.__dict__["shape"] = self.__dict__["shape"]
        return patched

    def entry(self, position: int) -> TreeEntry:
        return TreeEntry(self.paths[position], self.kinds.get(position, EntryKind.FILE), self.oids[position])

    def entries(self, positions: Iterable[int]) -> list[TreeEntry]:
        return [self.entry(position) for position in positions]

    def position(self, path: str) -> int | None:
        if self._positions is None:
            self._positions = {path: position for position, path in enumerate(self.paths)}
        return self._positions.get(path)

    def candidates(self, keys: frozenset[str] | None, start: int = 0, end: int | None = None) -> list[int]:
        """Positions in [start, end) of regular files whose lowercase extension (".yaml")
        or name ("codeowners") is in `keys` (of every regular file when `keys` is None),
        in path order. A small span is tested path by path; otherwise an index of the
        whole listing, built once, answers."""
        end = len(self.paths) if end is None else end
        if self._names is None and (end - start) * _SCAN_SHARE < len(self.paths):
            kinds, paths = self.kinds, self.paths
            return [p for p in range(start, end) if p not in kinds and (keys is None or _named(paths[p], keys))]
        found = self._found.get(keys)
        if found is None:
            found = self._found[keys] = self._all(keys)
        return found[bisect_left(found, start) : bisect_left(found, end)]

    def _all(self, keys: frozenset[str] | None) -> list[int]:
        if keys is None:
            return [position for position in range(len(self.paths)) if position not in self.kinds]
        if self._names is None:
            self._names = self._index()
        found: set[int] = set()
        for key in keys:
            found.update(self._names.get(key, ()))
        return sorted(found)

    def _index(self) -> dict[str, list[int]]:
        names: dict[str, list[int]] = {}
        for position, name in enumerate([path[path.rfind("/") + 1 :].lower() for path in self.paths]):
            if position in self.kinds:
                continue
            names.setdefault(name, []).append(position)
            dot = name.rfind(".")
            if dot > 0:
                names.setdefault(name[dot:], []).append(position)
        return names


def _named(path: str, keys: frozenset[str]) -> bool:
    name = path[path.rfind("/") + 1 :].lower()
    dot = name.rfind(".")
    return name in keys or (dot > 0 and name[dot:] in keys)


def parse_ls_tree(raw: bytes) -> Listing:
    """The records of `ls-tree -r -z` output, in its order. Most are blobs, whose fields
    sit at fixed offsets; the others (links, submodules) are parsed one by one."""
    records = raw.decode("utf-8", "surrogateescape").split("\0")
    if records.pop():
        raise ValueError("ls-tree output does not end with a NUL")
    if not records:
        return Listing([], [], {})
    tab = records[0].index("\t")
    oid_end = tab if records[0][7:11] == "blob" else 12 + len(records[0][:tab].rsplit(" ", 1)[1])
    paths = [record[oid_end + 1 :] for record in records]
    oids = [record[12:oid_end] for record in records]
    kinds = {}
    for position, record in enumerate(records):
        if record[1] != "0" or record[oid_end : oid_end + 1] != "\t" or record[7:11] != "blob":
            match = _RECORD.fullmatch(record)
            if match is None:
                raise ValueError(f"unexpected ls-tree record {record[:80]!r}")
            mode, oids[position], paths[position] = match.groups()
            if mode == "040000":
                raise ValueError("a subtree in a recursive listing")
            if mode in _KIND_BY_MODE:
                kinds[position] = _KIND_BY_MODE[mode]
    return Listing(paths, oids, kinds)


def listing_of(parts: Iterable[tuple[str, Listing]]) -> Listing:
    """One listing of (base folder, listing below it) parts: in path order, each path once."""
    paths: list[str] = []
    oids: list[str] = []
    kinds: dict[int, EntryKind] = {}
    for base, part in parts:
        kinds.update((len(paths) + position, kind) for position, kind in part.kinds.items())
        paths += [f"{base}/{path}" for path in part.paths] if base else part.paths
        oids += part.oids
    if all(map(operator.lt, paths, paths[1:])):
        return Listing(paths, oids, kinds)
    order = sorted(range(len(paths)), key=paths.__getitem__)  # git's byte order, or several parts
    order = [i for n, i in enumerate(order) if n == 0 or paths[i] != paths[order[n - 1]]]
    moved = {old: new for new, old in enumerate(order)}
    return Listing(
        [paths[i] for i in order],
        [oids[i] for i in order],
        {moved[old]: kind for old, kind in kinds.items() if old in moved},
    )


_CONTENT_CHANGE = re.compile(r":(\d{6}) \1 ([0-9a-f]+) ([0-9a-f]+) M")


def parse_content_changes(raw: bytes) -> dict[str, str] | None:
    """Path -> new blob id from `diff-tree -r -z --no-renames` output, when every change
    is a regular file's new contents (same mode); None when a path was added, deleted or
    changed kind, which only a full listing can say where it goes."""
    fields = raw.decode("utf-8", "surrogateescape").split("\0")
    if fields.pop():
        raise ValueError("diff-tree output does not end with a NUL")
    if len(fields) % 2:
        raise ValueError("diff-tree output is not (status, path) pairs")
    changed = {}
    for status, path in zip(fields[::2], fields[1::2], strict=True):
        match = _CONTENT_CHANGE.fullmatch(status)
        if match is None or match[1] not in ("100644", "100755"):
            return None
        changed[path] = match[3]
    return changed


def parse_tree(data: bytes, oid_size: int) -> list[tuple[str, str, str]]:
    """(mode, name, oid) of a raw tree object's entries; ValueError when it is damaged."""
    entries = []
    position = 0
    while position < len(data):
        space = data.index(b" ", position)
        nul = data.index(b"\0", space)
        end = nul + 1 + oid_size
        if end > len(data):
            raise ValueError("truncated tree")
        name = data[space + 1 : nul].decode("utf-8", "surrogateescape")
        entries.append((data[position:space].decode("ascii"), name, data[nul + 1 : end].hex()))
        position = end
    return entries


def fits(positions: list[int], size: int) -> bool:
    """Remembered positions that can index a span of `size` paths: whole numbers, ascending,
    within it. Memos are checksummed; this keeps a foreign entry from handing a probe files
    of another folder or listing."""
    if not positions:
        return True
    return (
        set(map(type, positions)) <= {int}
        and all(map(operator.lt, positions, positions[1:]))
        and positions[0] >= 0
        and positions[-1] < size
    )
