"""A content-addressed cache of probe findings, outside the repository under review.

The key is the probe, its code, its parameters and the exact blobs it was handed, so a
re-run after a one-file change re-runs only the probes that looked at that file. Entries
are JSON, written atomically; an unreadable entry is a miss, never an error."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from prr.adapters.atomic import write_atomic
from prr.domain.findings import Finding
from prr.format.findings_json import finding_from_data, finding_to_data


def default_dir() -> Path:
    if os.environ.get("PRR_CACHE_DIR"):
        return Path(os.environ["PRR_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "prr"


class ProbeCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder / "probes-v1"

    @staticmethod
    def key(*parts: str) -> str:
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part.encode("utf-8", "surrogateescape"))
            digest.update(b"\0")
        return digest.hexdigest()

    def get(self, key: str) -> list[Finding] | None:
        try:
            data = json.loads((self.folder / key[:2] / f"{key}.json").read_bytes())
            return [finding_from_data(item) for item in data]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, findings: list[Finding]) -> str | None:
        """Store findings; returns why not when the cache cannot be written (a read-only
        or full cache folder only costs speed, so the caller notes it and goes on)."""
        # ASCII escapes: a non-UTF-8 path (kept as surrogate escapes) round-trips exactly.
        data = json.dumps([finding_to_data(f) for f in findings]).encode()
        try:
            write_atomic(self.folder / key[:2] / f"{key}.json", data)
        except OSError as exc:
            return f"probe cache {self.folder} not writable: {exc.strerror or exc}"
        return None
