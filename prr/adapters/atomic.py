"""Atomic file writes: a temporary file in the same folder, fsync, rename, folder fsync.

A reader (or a process killed mid-write) sees the old file or the new one, never half.
A writer killed before its rename leaves its temporary behind (`.NAME.<random>.tmp`);
whoever alone writes NAME (holding a lock) removes those with `remove_temporaries`."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def temporary_pattern(name: str) -> str:
    """The glob matching the temporaries `write_atomic` makes for a file called `name`."""
    return f".{name}.*.tmp"


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _sync_folder(path.parent)


def remove_atomic(path: Path) -> None:
    """Delete `path` (if it exists) so that the deletion survives a crash."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
        _sync_folder(path.parent)


def remove_temporaries(path: Path) -> list[Path]:
    """Delete what killed writers of `path` left behind; only safe while no one else
    can be writing `path`. Returns what was removed."""
    removed = []
    for temp in sorted(path.parent.glob(temporary_pattern(path.name))):
        with contextlib.suppress(FileNotFoundError):  # gone already: that is the goal
            temp.unlink()
            removed.append(temp)
    return removed


def _sync_folder(folder: Path) -> None:
    """Make a rename or deletion in `folder` durable."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
