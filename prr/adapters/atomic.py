"""Atomic file writes: a temporary file in the same folder, fsync, rename, folder fsync.

A reader (or a process killed mid-write) sees the old file or the new one, never half.
A writer killed before its rename leaves its temporary behind (`.NAME.<random>.tmp`);
whoever alone writes NAME (holding a lock) removes those with `remove_temporaries`."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from prr.domain.errors import InputError, PrrError, ToolError


def temporary_pattern(name: str) -> str:
    """The glob matching the temporaries `write_atomic` makes for a file called `name`."""
    return f".{name}.*.tmp"


def write_atomic(path: Path, data: bytes) -> None:
    """Write DATA to PATH atomically. The file gets the permissions a plain write would
    give it (those of the file it replaces, else 0666 less the umask), not a temporary's
    0600. A folder or file that cannot be written is one InputError line naming it; a
    failing disk (full, I/O error) a ToolError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = _create_temporary(path)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc) from None
        raise
    _sync_folder(path.parent)


def _create_temporary(path: Path) -> tuple[int, str]:
    """A new temporary beside PATH, named as `temporary_pattern` says, with PATH's mode."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    for _ in range(100):
        temp = str(path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
        except FileExistsError:
            continue
        if mode is not None:
            os.fchmod(fd, mode)
        return fd, temp
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path.parent))


def _cannot_write(path: Path, exc: OSError) -> PrrError:
    """An input error when the path given cannot hold a file (a file where a folder should
    be, no permission); a tool error when the disk fails (full, read-only, I/O)."""
    message = f"{path}: cannot write it: {exc.strerror or exc}"
    unusable = (errno.EACCES, errno.EPERM, errno.EEXIST, errno.ENOTDIR, errno.EISDIR, errno.ELOOP)
    return InputError(message) if exc.errno in unusable else ToolError(message)


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
