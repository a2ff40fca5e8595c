"""A content-addressed cache of probe findings, outside the repository under review.

Two kinds of entries. A probe run is keyed by the probe, its code, its parameters and the
exact blobs it was handed, so a re-run after a one-file change re-runs only the probes
that looked at that file. A scope record is keyed by the tree ids that fix what a review
lists (see GitSnapshot.scope_id) and names, per probe call, the probe-run key it had:
an unchanged tree is answered from the records without listing or hashing its files.
Selections are remembered by the listing's shape (its paths: a content-only change selects
the same files) and, in a large repository, per folder by tree id (prr.adapters.selection);
and what each probe call derived from each file (`Repo.derived`) per path and blob id.
The last whole-repository listing is kept per repository, for the next run to patch.

Entries are JSON (remembered positions: packed numbers) behind a SHA-256 of their content,
written by rename: a torn, truncated or foreign entry is a miss, never an error or a wrong
answer."""

from __future__ import annotations

import binascii
import contextlib
import hashlib
import json
import operator
import os
import sys
import tempfile
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prr.adapters.tree_listing import EntryKind, Listing, fits
from prr.domain.findings import Finding
from prr.format.findings_json import findings_from_rows, findings_to_rows

if TYPE_CHECKING:
    from prr.adapters.selection import Folders
    from prr.adapters.snapshot_view import Derived


def default_dir() -> Path:
    if os.environ.get("PRR_CACHE_DIR"):
        return Path(os.environ["PRR_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "prr"


@dataclass(frozen=True)
class ProbeRun:
    """What one probe call found, and the files it could not read (with why)."""

    findings: list[Finding]
    skipped: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScopeRecord:
    calls: dict[str, str]  # probe call key -> probe-run key
    notes: list[str]  # what the listing itself says (links not followed, submodules)


class ProbeCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder / "probes-v2"
        self.scopes = folder / "scopes-v1"
        self.selections = folder / "selections-v1"
        self.derivations = folder / "derived-v1"
        self.shapes = folder / "selected-v2"
        self.listings = folder / "listings-v1"

    @staticmethod
    def key(*parts: str) -> str:
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part.encode("utf-8", "surrogateescape"))
            digest.update(b"\0")
        return digest.hexdigest()

    def get(self, key: str) -> ProbeRun | None:
        data = _read(self.folder, key)
        try:
            return ProbeRun(findings_from_rows(data["findings"]), dict(data["skipped"]))
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, run: ProbeRun) -> str | None:
        """Store a run; returns why not when the cache cannot be written (a read-only or
        full cache folder only costs speed, so the caller notes it and goes on)."""
        return _write(self.folder, key, {"findings": findings_to_rows(run.findings), "skipped": run.skipped})

    def get_scope(self, key: str) -> ScopeRecord | None:
        data = _read(self.scopes, key)
        try:
            calls, notes = data["calls"], data["notes"]
        except (KeyError, TypeError):
            return None
        if not isinstance(calls, dict) or not isinstance(notes, list):
            return None
        return ScopeRecord({str(k): str(v) for k, v in calls.items()}, [str(note) for note in notes])

    def put_scope(self, key: str, record: ScopeRecord) -> str | None:
        return _write(self.scopes, key, {"calls": record.calls, "notes": record.notes})

    def get_folders(self, key: str) -> Folders | None:
        """A selection remembered folder by folder (see prr.adapters.selection)."""
        data = _read(self.selections, key)
        if not isinstance(data, dict):
            return None
        folders: Folders = {}
        for folder, value in data.items():
            if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)):
                return None
            if not isinstance(value[1], list):
                return None
            folders[folder] = (value[0], value[1])
        return folders

    def put_folders(self, key: str, folders: Folders) -> str | None:
        return _write(self.selections, key, folders)

    def get_positions(self, key: str, size: int) -> list[int] | None:
        """The positions a probe call selected in a listing of `size` paths of one shape
        (see Listing.shape): stored under this very key, ascending, inside the listing.
        Packed as 32-bit numbers, not JSON: a warm monorepo run reads 28 of them, of up
        to 30,000 positions each, and packed ones read in less than half the time."""
        body = _read_body(self.shapes, key)
        if body is None:
            return None
        stored, _, packed = body.partition(b"\n")
        if stored != key.encode() or len(packed) % 4:  # whole 32-bit numbers
            return None  # an entry written for another key must not hand a probe its files
        positions = _numbers(packed).tolist()
        return positions if fits(positions, size) else None

    def put_positions(self, key: str, positions: list[int]) -> str | None:
        return _write_body(self.shapes, key, key.encode() + b"\n" + _numbers(positions).tobytes())

    def get_derived(self, key: str) -> Derived | None:
        """What one probe call derived per file last time (see SnapshotView.derived)."""
        data = _read(self.derivations, key)
        if not isinstance(data, dict):
            return None
        for by_path in data.values():
            if not isinstance(by_path, dict):
                return None
            for value in by_path.values():
                if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)):
                    return None
        return data

    def put_derived(self, key: str, derived: Derived) -> str | None:
        return _write(self.derivations, key, derived)

    def get_listing(self, key: str) -> tuple[str, Listing] | None:
        """The whole-repository listing last stored under KEY, and the tree it lists."""
        view = _read_view(self.listings, key)
        if view is None:
            return None
        try:
            stored, tree, kinds_json, sizes, rest = _lines(view, 4)
            count, width = (int(n) for n in sizes.split())
            oids = view[rest : rest + count * (width + 1)]
            names = str(view[rest + len(oids) :], "utf-8", "surrogateescape")
            if stored != key or width not in (40, 64) or len(tree) != width or not count:
                return None
            binascii.unhexlify(tree + bytes(oids).replace(b"\0", b"").decode())  # hex digits only
            kinds = {int(at): EntryKind(kind) for at, kind in json.loads(kinds_json)}
        except (ValueError, TypeError, binascii.Error):
            return None
        paths, blobs = names.split("\0"), str(oids, "ascii").split("\0")[:-1]
        if len(paths) != count or len(blobs) != count or set(map(len, blobs)) != {width}:
            return None
        if not (all(map(operator.lt, paths, paths[1:])) and fits(sorted(kinds), count)):
            return None  # out of order: a patch would put new blob ids at the wrong paths
        return tree, Listing(paths, blobs, kinds)

    def put_listing(self, key: str, tree: str, listing: Listing) -> str | None:
        """Packed, not JSON: a 100,000-file listing is 8 MB, read on every warm re-run."""
        if not listing.paths:
            return None
        kinds = json.dumps(sorted((at, kind.value) for at, kind in listing.kinds.items()))
        head = "\n".join((key, tree, kinds, f"{len(listing.paths)} {len(tree)}")) + "\n"
        oids = "\0".join(listing.oids) + "\0"
        names = "\0".join(listing.paths).encode("utf-8", "surrogateescape")
        return _write_body(self.listings, key, head.encode() + oids.encode() + names)


def _lines(view: memoryview, count: int) -> tuple[Any, ...]:
    """The first COUNT lines of VIEW as text, and where the rest starts; ValueError when
    there are fewer. Found in the bytes VIEW ends (a memoryview has no `index`), however
    long a line: a listing of many links or submodules lists them all on one."""
    whole: bytes = view.obj  # type: ignore[assignment]
    base = len(whole) - len(view)
    lines, start = [], 0
    for _ in range(count):
        end = whole.index(b"\n", base + start) - base
        lines.append(str(view[start:end], "ascii"))
        start = end + 1
    return (*lines, start)


def _read(folder: Path, key: str) -> Any:
    """The entry's data, or None when it is missing, unreadable or damaged."""
    body = _read_body(folder, key)
    if body is None:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _read_body(folder: Path, key: str) -> bytes | None:
    """The entry's bytes behind their checksum, or None when missing, unreadable or damaged."""
    view = _read_view(folder, key)
    return None if view is None else view.tobytes()


def _read_view(folder: Path, key: str) -> memoryview | None:
    """`_read_body` without copying the bytes (an 8 MB listing is read on warm re-runs)."""
    try:
        raw = (folder / key[:2] / f"{key}.json").read_bytes()
    except OSError:
        return None
    newline = raw.find(b"\n", 0, 65)
    body = memoryview(raw)[newline + 1 :]
    return body if newline == 64 and hashlib.sha256(body).hexdigest().encode() == raw[:64] else None


def _numbers(values: bytes | list[int]) -> array[int]:
    """Unsigned 32-bit numbers, from (or to be written as) little-endian bytes, whatever
    this machine's order."""
    numbers = array("I", values)
    if sys.byteorder != "little":
        numbers.byteswap()
    return numbers


def _write(folder: Path, key: str, data: Any) -> str | None:
    # ASCII escapes: a non-UTF-8 path (kept as surrogate escapes) round-trips exactly.
    return _write_body(folder, key, json.dumps(data, separators=(",", ":")).encode())


def _write_body(folder: Path, key: str, body: bytes) -> str | None:
    target = folder / key[:2] / f"{key}.json"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
            os.replace(temp, target)  # no fsync: a cache entry lost in a crash is a miss
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError as exc:
        return f"probe cache {folder} not writable: {exc.strerror or exc}"
    return None
