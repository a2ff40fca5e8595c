"""Git's index file (`.git/index`), read by prr itself rather than through `git status`.

Whether an evidence file changed in the working tree must be told without running git's
status or diff: a repository's config can make those run filters or an fsmonitor hook.
The index records, for each tracked file, the blob git staged and the file's stat data when
git last looked at it. A file whose stat data still match, and that was not written in the
same second as the index itself (git's "racily clean" case), still holds that blob, so it
need not be read and hashed; an entry git marks skip-worktree (a sparse checkout) has no
working copy at all. Versions 2, 3 and 4 are read; a split index, an unknown
version or a damaged file reads as no index at all, and callers then hash every file."""

from __future__ import annotations

import hashlib
import os
import stat
import struct
from pathlib import Path

_HEADER = struct.Struct(">4sII")
_TIMES = struct.Struct(">6I")  # ctime s, ns; mtime s, ns; dev; ino (then mode)
_OWNER_SIZE = struct.Struct(">3I")  # uid, gid, size
_ASSUME_VALID, _EXTENDED, _STAGE, _NAME_LENGTH = 0x8000, 0x4000, 0x3000, 0x0FFF
_SKIP_WORKTREE, _INTENT_TO_ADD = 0x4000, 0x2000
_REGULAR_MODES = (0o100644, 0o100755)
_FOLDER_MODE = 0o040000  # a sparse index's entry for a whole folder left out of the checkout
_LOW32 = 0xFFFFFFFF
_MAX_BYTES = 1 << 30


class GitIndex:
    """One index file's entries, found by path."""

    def __init__(self, data: bytes, offsets: dict[bytes, int], oid_size: int, written: int):
        self._data = data
        self._offsets = offsets  # path -> where its entry starts
        self._oid_size = oid_size
        self._written = written  # the second the index file was last written

    def unchanged(self, path: bytes, oid: str, st: os.stat_result) -> bool:
        """True when git recorded blob `oid` for `path` and the file's stat data `st` (from
        lstat) say it is still the file git saw: the same device, inode, owner, size,
        change and modification times, a regular file, and not racily clean (modified in
        the second the index was written, or later)."""
        offset = self._offsets.get(path)
        if offset is None or not stat.S_ISREG(st.st_mode):
            return False
        ctime, ctime_ns = divmod(st.st_ctime_ns, 1_000_000_000)
        mtime, mtime_ns = divmod(st.st_mtime_ns, 1_000_000_000)
        if mtime & _LOW32 >= self._written:
            return False
        data, flags_at = self._data, offset + 40 + self._oid_size
        times = _TIMES.pack(ctime & _LOW32, ctime_ns, mtime & _LOW32, mtime_ns, st.st_dev & _LOW32, st.st_ino & _LOW32)
        return (
            data[offset : offset + 24] == times
            and int.from_bytes(data[offset + 24 : offset + 28], "big") in _REGULAR_MODES
            and data[offset + 28 : offset + 40] == _OWNER_SIZE.pack(st.st_uid, st.st_gid, st.st_size & _LOW32)
            and data[offset + 40 : flags_at] == bytes.fromhex(oid)
            and self._trusted(flags_at)
        )

    def not_checked_out(self, path: bytes, oid: str) -> bool:
        """True when git keeps no working copy of `path` by design, as a sparse checkout
        does: its entry records blob `oid` with the skip-worktree flag, or a folder above it
        is a sparse index's folder entry (all of whose files git leaves out). Such a file
        is missing or different on disk without anything being left uncommitted."""
        offset = self._offsets.get(path)
        if offset is not None:
            flags_at = offset + 40 + self._oid_size
            recorded = self._data[offset + 40 : flags_at] == bytes.fromhex(oid)
            return recorded and self._skipped(flags_at)
        folder = path.rpartition(b"/")[0]
        while folder:
            offset = self._offsets.get(folder + b"/")
            if offset is not None:
                mode = int.from_bytes(self._data[offset + 24 : offset + 28], "big")
                return mode == _FOLDER_MODE and self._skipped(offset + 40 + self._oid_size)
            folder = folder.rpartition(b"/")[0]
        return False

    def _skipped(self, flags_at: int) -> bool:
        """Stage 0 with the skip-worktree flag."""
        flags = int.from_bytes(self._data[flags_at : flags_at + 2], "big")
        if flags & _STAGE or not flags & _EXTENDED:
            return False
        return bool(int.from_bytes(self._data[flags_at + 2 : flags_at + 4], "big") & _SKIP_WORKTREE)

    def _trusted(self, flags_at: int) -> bool:
        """Stage 0, and no assume-unchanged, skip-worktree or intent-to-add flag."""
        flags = int.from_bytes(self._data[flags_at : flags_at + 2], "big")
        if flags & (_ASSUME_VALID | _STAGE):
            return False
        extended = int.from_bytes(self._data[flags_at + 2 : flags_at + 4], "big") if flags & _EXTENDED else 0
        return not extended & (_SKIP_WORKTREE | _INTENT_TO_ADD)


def read_index(path: Path, oid_size: int) -> GitIndex | None:
    """The index at `path` (`oid_size`: 20 for SHA-1 repositories, 32 for SHA-256), or
    None when it is missing, unreadable, of an unknown kind or damaged."""
    try:
        with path.open("rb") as handle:
            written = os.fstat(handle.fileno())
            if written.st_size > _MAX_BYTES:
                return None
            data = handle.read()
    except OSError:
        return None
    try:
        offsets = _entries(data, oid_size)
    except (struct.error, ValueError, IndexError, UnicodeError):
        return None
    second = (written.st_mtime_ns // 1_000_000_000) & _LOW32  # as git keeps a file's seconds
    return None if offsets is None else GitIndex(data, offsets, oid_size, second)


def _entries(data: bytes, oid_size: int) -> dict[bytes, int] | None:
    """Path -> offset of every entry; None for a file this reader does not understand."""
    signature, version, count = _HEADER.unpack_from(data, 0)
    if signature != b"DIRC" or version not in (2, 3, 4) or not _checksum_ok(data, oid_size):
        return None
    end = len(data) - oid_size
    flags_at = 40 + oid_size  # after the stat data and the object id
    read = _names_v4 if version == 4 else _names
    found = read(data, count, flags_at, end)
    if found is None or found[1] > end or not _extensions_ok(data, found[1], end):
        return None
    return found[0]


def _names(data: bytes, count: int, flags_at: int, end: int) -> tuple[dict[bytes, int], int]:
    """Versions 2 and 3: each name is followed by 1 to 8 NULs up to a multiple of 8 bytes."""
    offsets: dict[bytes, int] = {}
    position = _HEADER.size
    for _ in range(count):
        flags = data[position + flags_at] << 8 | data[position + flags_at + 1]
        name_at = position + flags_at + (4 if flags & _EXTENDED else 2)
        length = flags & _NAME_LENGTH
        stop = name_at + length if length < _NAME_LENGTH else data.index(b"\0", name_at, end)
        offsets[data[name_at:stop]] = position
        position += (stop - position + 8) & ~7
    return offsets, position


def _names_v4(data: bytes, count: int, flags_at: int, end: int) -> tuple[dict[bytes, int], int] | None:
    """Version 4: each name is the previous one less N trailing bytes (a varint), plus the
    NUL-terminated rest; no padding."""
    offsets: dict[bytes, int] = {}
    position, previous = _HEADER.size, b""
    for _ in range(count):
        flags = data[position + flags_at] << 8 | data[position + flags_at + 1]
        strip, name_at = _varint(data, position + flags_at + (4 if flags & _EXTENDED else 2))
        if strip > len(previous):
            return None
        stop = data.index(b"\0", name_at, end)
        previous = previous[: len(previous) - strip] + data[name_at:stop]
        offsets[previous] = position
        position = stop + 1
    return offsets, position


def _varint(data: bytes, position: int) -> tuple[int, int]:
    """Git's offset varint (index v4 path compression): the value and the next position."""
    byte = data[position]
    value = byte & 0x7F
    while byte & 0x80:
        position += 1
        byte = data[position]
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, position + 1


def _extensions_ok(data: bytes, position: int, end: int) -> bool:
    """The extensions after the entries are well formed, and none is a split index's
    `link` (its entries would live in another file)."""
    while position < end:
        if position + 8 > end:
            return False
        signature = data[position : position + 4]
        size = int.from_bytes(data[position + 4 : position + 8], "big")
        if signature == b"link":
            return False
        position += 8 + size
    return position == end


def _checksum_ok(data: bytes, oid_size: int) -> bool:
    """The trailing hash matches (all zeros when git wrote it with index.skipHash)."""
    if len(data) < _HEADER.size + oid_size:
        return False
    trailer = data[-oid_size:]
    if trailer == bytes(oid_size):
        return True
    algorithm = hashlib.sha256 if oid_size == 32 else hashlib.sha1
    return algorithm(memoryview(data)[:-oid_size]).digest() == trailer
