"""Tell whether evidence files differ in the working tree, without running git and without
following symlinks: evidence comes from the commit, and the user should know when the
files on their disk say something else.

A file whose stat data match git's index entry for the committed blob is taken as
unchanged without reading it (git's own test, racily clean files excepted; see
git_index); every other file is read and hashed. So a review of 16,000 evidence files
reads only the few the user touched, and one of 50 files reads those 50 rather than a
100,000-entry index. Only when some file differs is the index read (if it was not yet) to
leave out the files a sparse checkout never wrote."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from prr.adapters.git_index import GitIndex, read_index

_CAP = 4 * 1024 * 1024
SPREAD_FROM = 4_000  # files: fewer are compared in one process (forking costs more than it saves)
_PART = 1_000  # files per part handed out: small enough that the processes finish together
Spread = Callable[[Sequence[dict[str, str]], Callable[[dict[str, str]], dict[str, str]]], list[dict[str, str]]]
_INDEX_BYTES_PER_FILE = 4096  # reading this much index costs about as much as hashing one small file
# O_NONBLOCK: opening a FIFO planted at an evidence path must not hang prr.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_FOLDER_FLAGS = _FILE_FLAGS | os.O_DIRECTORY


def changed(top: Path, git_dir: Path, committed: Mapping[str, str], spread: Spread | None = None) -> list[str]:
    """The paths of `committed` (path -> committed blob id) whose working-tree file is
    missing, is not a regular file reached without symlinks, or holds other content,
    except files the index marks as left out of a sparse checkout.

    With SPREAD (a map over parts, as `forked.map_forked` gives), many files' stat data
    are compared in parts, one per process: sixteen thousand `lstat` calls are most of a
    warm whole-monorepo probe's check, and each process makes its share."""
    if not committed:
        return []
    outside = [path for path in committed if not _inside(path)]
    inside = {path: oid for path, oid in committed.items() if _inside(path)}
    index_path = git_dir / "index"
    index = _index(index_path, inside)
    if index is None:
        unsure = inside
    elif spread is None or len(inside) < SPREAD_FROM:
        unsure = _unvouched(top, index, inside)
    else:
        items = list(inside.items())
        parts = [dict(items[start : start + _PART]) for start in range(0, len(items), _PART)]
        unsure = {}
        for found in spread(parts, lambda part: _unvouched(top, index, part)):
            unsure |= found
    # Sorted by components: one folder's files come together, so each folder opens once.
    files = sorted((path.encode("utf-8", "surrogateescape").split(b"/"), path, oid) for path, oid in unsure.items())
    with _Folders(top) as folders:
        differ = [path for parts, path, oid in files if not _holds(folders, parts, oid)]
    if differ and index is None:  # read only now: a clean working tree never pays for it
        index = read_index(index_path, len(next(iter(inside.values()))) // 2)
    return outside + _checked_out(index, differ, inside)


def _checked_out(index: GitIndex | None, paths: list[str], committed: Mapping[str, str]) -> list[str]:
    """`paths` less those git keeps no working copy of by design (a sparse checkout):
    their absence or other content leaves nothing uncommitted."""
    if index is None:
        return paths
    return [
        path for path in paths if not index.not_checked_out(path.encode("utf-8", "surrogateescape"), committed[path])
    ]


def _inside(path: str) -> bool:
    """A relative path that stays inside the repository: no empty, "." or ".." part."""
    return not any(part in ("", ".", "..") for part in path.split("/"))


def _index(path: Path, committed: Mapping[str, str]) -> GitIndex | None:
    """The index, when reading it is cheaper than hashing every file."""
    if not committed:
        return None
    try:
        if path.stat().st_size > len(committed) * _INDEX_BYTES_PER_FILE:
            return None
    except OSError:
        return None
    return read_index(path, len(next(iter(committed.values()))) // 2)


def _unvouched(top: Path, index: GitIndex, committed: Mapping[str, str]) -> dict[str, str]:
    """The files the index does not vouch for: those whose folders are not plain folders
    (a symlink on the way) or whose stat data differ from what git recorded. Stat data
    only: nothing is read here, so a link followed by a race reveals nothing."""
    root = os.fsencode(top) + b"/"
    folders: dict[bytes, bool] = {b"": True}
    unsure = {}
    for path, oid in committed.items():
        name = path.encode("utf-8", "surrogateescape")
        if not _plain(root, name.rpartition(b"/")[0], folders):
            unsure[path] = oid
            continue
        try:
            st = os.lstat(root + name)
        except OSError:
            st = None
        if st is None or not index.unchanged(name, oid, st):
            unsure[path] = oid
    return unsure


def _plain(root: bytes, folder: bytes, known: dict[bytes, bool]) -> bool:
    """True when `folder` and every folder above it are folders, not symlinks."""
    found = known.get(folder)
    if found is None:
        try:
            found = _plain(root, folder.rpartition(b"/")[0], known) and stat.S_ISDIR(os.lstat(root + folder).st_mode)
        except OSError:
            found = False
        known[folder] = found
    return found


def _holds(folders: _Folders, parts: list[bytes], oid: str) -> bool:
    """True when the working-tree file at `parts` holds blob `oid`."""
    folder = folders.open(parts[:-1])
    data = None if folder is None else _read(folder, parts[-1], _CAP)
    if data is None:
        return False
    algorithm = hashlib.sha256 if len(oid) == 64 else hashlib.sha1
    return algorithm(b"blob %d\0" % len(data) + data).hexdigest() == oid


class _Folders:
    """Folder descriptors from the repository top down, each opened without following a
    symlink. Paths visited folder by folder keep only one chain of folders open."""

    def __init__(self, top: Path) -> None:
        try:
            self._top: int | None = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            self._top = None
        self._chain: list[tuple[bytes, int]] = []
        self._last: tuple[list[bytes], int | None] = ([], self._top)

    def __enter__(self) -> _Folders:
        return self

    def __exit__(self, *exc: object) -> None:
        self._keep(0)
        if self._top is not None:
            os.close(self._top)

    def open(self, names: list[bytes]) -> int | None:
        """The descriptor of the folder `names` leads to from the top, or None."""
        if self._top is None:
            return None
        if names != self._last[0]:  # files come folder by folder: most ask for the last one again
            self._last = (names, self._walk(self._top, names))
        return self._last[1]

    def _walk(self, top: int, names: list[bytes]) -> int | None:
        depth = 0
        while depth < min(len(names), len(self._chain)) and self._chain[depth][0] == names[depth]:
            depth += 1
        self._keep(depth)
        folder = self._chain[-1][1] if self._chain else top
        for name in names[depth:]:
            try:
                folder = os.open(name, _FOLDER_FLAGS, dir_fd=folder)
            except OSError:
                return None
            self._chain.append((name, folder))
        return folder

    def _keep(self, depth: int) -> None:
        while len(self._chain) > depth:
            os.close(self._chain.pop()[1])


def _read(folder: int, name: bytes, cap: int) -> bytes | None:
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=folder)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # a folder or FIFO where a file was
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(cap + 1)
    return data if len(data) <= cap else None


def read_no_follow(top: Path, path: str, cap: int = _CAP) -> bytes | None:
    """The regular file at `path` (relative to `top`), reached without following any
    symlink; None when there is none or it is over `cap` bytes."""
    parts = path.encode("utf-8", "surrogateescape").split(b"/")
    if any(part in (b"", b".", b"..") for part in parts):
        return None
    with _Folders(top) as folders:
        folder = folders.open(parts[:-1])
        return None if folder is None else _read(folder, parts[-1], cap)
