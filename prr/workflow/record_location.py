"""Where a review record lives: `<service folder>/.prr/records/<id>/record.toml`, with its
signatures in `signatures/<principal>.sig` beside it."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from prr.adapters.git_objects import GitObjects
from prr.adapters.source_tree import PRR_FOLDER
from prr.domain.errors import InputError

RECORDS = f"{PRR_FOLDER}/records"
RECORD_FILE = "record.toml"
SIGNATURES = "signatures"


@dataclass(frozen=True)
class RecordLocation:
    top: Path  # the repository's top level
    service: str  # the service folder, "" for the whole repository
    record_id: str

    @property
    def folder(self) -> str:
        """The record folder, relative to the top."""
        return posixpath.join(self.service, RECORDS, self.record_id)

    @property
    def record_path(self) -> str:
        return f"{self.folder}/{RECORD_FILE}"

    def signature_path(self, principal: str) -> str:
        return f"{self.folder}/{SIGNATURES}/{principal}.sig"


def scope(prefix: str) -> tuple[str, str | None]:
    """(service folder, record id or None) for a folder inside the repository."""
    parts = prefix.split("/") if prefix else []
    for index in range(len(parts) - 1):
        if parts[index] == PRR_FOLDER and parts[index + 1] == "records":
            return "/".join(parts[:index]), parts[index + 2] if len(parts) > index + 2 else None
    if parts and parts[-1] == PRR_FOLDER:
        return "/".join(parts[:-1]), None
    return prefix, None


def locate(path: Path) -> RecordLocation:
    """The record PATH names: its record.toml or its folder, in the working tree."""
    folder = path.parent if path.name == RECORD_FILE else path
    if not folder.is_dir():
        raise InputError(f"{path}: no such record; give a record folder or its record.toml")
    with GitObjects.open(folder) as objects:
        top, prefix = objects.top, objects.prefix
    service, record_id = scope(prefix)
    if record_id is None or prefix != posixpath.join(service, RECORDS, record_id):
        raise InputError(f"{path}: not a review record folder (expected <service>/{RECORDS}/<id>/{RECORD_FILE})")
    return RecordLocation(top, service, record_id)
