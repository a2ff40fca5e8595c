"""The newest signed review record of a service, read from the working tree.

The readiness meeting compares the review on the table with the last one people signed,
including records signed but not committed yet, so this reads the working tree rather
than git objects. Nothing here follows a symlink: a record folder or signature reached
through a link is not a record of this service. A signature file only has to exist:
whether it is valid is `prr verify`'s question, not the meeting's."""

from __future__ import annotations

import os
import posixpath
import stat
from dataclasses import dataclass
from pathlib import Path

from prr.adapters.worktree import read_no_follow
from prr.domain.errors import InputError
from prr.domain.record import Record
from prr.format.record_toml import loads
from prr.workflow.record_location import RECORD_FILE, RECORDS, SIGNATURES
from prr.workflow.verifying import MAX_RECORD_BYTES


@dataclass(frozen=True)
class SignedRecord:
    path: str  # record.toml, relative to the repository top
    record: Record
    signers: tuple[str, ...]  # principals with a signature file (not verified here)


@dataclass(frozen=True)
class LastSigned:
    found: SignedRecord | None  # None when the service has no signed record
    skipped: tuple[str, ...] = ()  # signed record folders that could not be read, one line each


def last_signed_record(top: Path, service: str, exclude: str | None = None) -> LastSigned:
    """The newest (by creation time, then id) record under `<service>/.prr/records/`
    with at least one signature file; `exclude` leaves out one record id (the one being
    signed now, when comparing it with the one before)."""
    base = _base(service)
    candidates: list[SignedRecord] = []
    skipped: list[str] = []
    for name in _folders(top, base):
        signers = _signers(top, f"{base}/{name}") if name != exclude else ()
        if not signers:
            continue
        path, found = _read(top, base, name)
        if isinstance(found, str):
            skipped.append(f"{path}: {found}; left out")
        else:
            candidates.append(SignedRecord(path, found, signers))
    return LastSigned(_newest(candidates), tuple(skipped))


def record_of_commit(top: Path, service: str, commit: str, checklist: str, tier: int) -> SignedRecord | None:
    """The newest record in the working tree (signed or not) of a review of COMMIT with
    CHECKLIST at TIER: the one a reopened app signs in the meeting, since a review is
    written once. Records that cannot be read are left out."""
    base, review = _base(service), (commit, checklist, tier)
    candidates: list[SignedRecord] = []
    for name in _folders(top, base):
        path, found = _read(top, base, name)
        if not isinstance(found, str) and (found.subject.commit, found.checklist.id, found.service.tier) == review:
            candidates.append(SignedRecord(path, found, _signers(top, f"{base}/{name}")))
    return _newest(candidates)


def _base(service: str) -> str:
    return posixpath.join(service, RECORDS) if service else RECORDS


def _read(top: Path, base: str, name: str) -> tuple[str, Record | str]:
    """The path of the record in folder NAME, and the record, or why it cannot be read."""
    path = f"{base}/{name}/{RECORD_FILE}"
    data = read_no_follow(top, path, MAX_RECORD_BYTES)
    if data is None:
        return path, f"not a regular file (or over {MAX_RECORD_BYTES:,} bytes)"
    try:
        return path, loads(data, path)
    except InputError as exc:
        return path, f"not readable as a record ({exc.lines()[0]})"


def _newest(candidates: list[SignedRecord]) -> SignedRecord | None:
    return max(candidates, key=lambda c: (c.record.created, c.record.id), default=None)


def _folders(top: Path, base: str) -> list[str]:
    """Record folder names under `base`, when every step to it is a real folder."""
    if not _plain_folder(top, base):
        return []
    with os.scandir(top / base) as entries:
        return sorted(entry.name for entry in entries if entry.is_dir(follow_symlinks=False))


def _signers(top: Path, folder: str) -> tuple[str, ...]:
    where = f"{folder}/{SIGNATURES}"
    if not _plain_folder(top, where):
        return ()
    with os.scandir(top / where) as entries:
        return tuple(
            sorted(
                entry.name.removesuffix(".sig")
                for entry in entries
                if entry.name.endswith(".sig") and entry.is_file(follow_symlinks=False)
            )
        )


def _plain_folder(top: Path, relative: str) -> bool:
    """True when each part of `relative` under `top` is a folder and none is a symlink."""
    here = top
    for part in relative.split("/"):
        here = here / part
        try:
            mode = os.lstat(here).st_mode
        except FileNotFoundError:
            return False
        if not stat.S_ISDIR(mode):
            return False
    return True
