"""Tell whether evidence files differ in the working tree, without git and without
following symlinks: evidence comes from the commit, and the user should know when the
files on their disk say something else."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

_CAP = 4 * 1024 * 1024


def differs(top: Path, path: str, oid: str) -> bool:
    """True when the working-tree file at `path` is missing, not a regular file reached
    without symlinks, or has content other than blob `oid`."""
    data = read_no_follow(top, path)
    if data is None:
        return True
    algorithm = hashlib.sha256 if len(oid) == 64 else hashlib.sha1
    return algorithm(b"blob %d\0" % len(data) + data).hexdigest() != oid


def read_no_follow(top: Path, path: str, cap: int = _CAP) -> bytes | None:
    """The regular file at `path` (relative to `top`), reached without following any
    symlink; None when there is none or it is over `cap` bytes."""
    parts = path.encode("utf-8", "surrogateescape").split(b"/")
    if any(part in (b"", b".", b"..") for part in parts):
        return None
    # O_NONBLOCK: opening a FIFO planted at an evidence path must not hang prr.
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        for part in parts[:-1]:
            next_fd = os.open(part, flags | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = next_fd
        file_fd = os.open(parts[-1], flags, dir_fd=fd)
    except OSError:
        os.close(fd)
        return None
    os.close(fd)
    with os.fdopen(file_fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        data = handle.read(cap + 1)
    return data if len(data) <= cap else None
