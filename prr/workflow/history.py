"""`prr log`: every review record in the history, with who signed it and whether it
still holds, and the waivers about to lapse.

Records are found where commits added them, so one deleted later is still listed (as
it was when last committed); each is judged against the ref. A re-review supersedes the
older records of its service and checklist: only the newest one's waivers are in force."""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass, replace
from pathlib import Path

from prr.domain.record import WaiverRef
from prr.domain.verification import Verification
from prr.workflow.record_location import RECORD_FILE, RECORDS
from prr.workflow.verifying import VerifyOptions, session

EXPIRING_WITHIN = dt.timedelta(days=30)


@dataclass(frozen=True)
class LogEntry:
    verification: Verification
    added_in: str  # the commit that added the record
    removed: bool  # no longer at the ref
    expiring: tuple[WaiverRef, ...]  # waivers lapsing within 30 days of now
    superseded_by: str | None = None  # the newer record at the ref of the same service and checklist

    @property
    def current(self) -> bool:
        """Whether this is the newest review of its service and checklist at the ref: the
        one whose waivers are in force (an older one's were replaced by the re-review)."""
        return not self.removed and self.superseded_by is None


def history(path: Path, options: VerifyOptions) -> list[LogEntry]:
    """Newest record first."""
    now = (options.now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    entries = []
    with session(path, options) as opened:
        current = opened.folders()
        base = posixpath.join(opened.service, RECORDS)
        seen: set[str] = set()
        for commit, record_path in opened.objects.added(opened.commit, f"{base}/*/{RECORD_FILE}"):
            name = record_path[len(base) + 1 :].split("/", 1)[0]
            if name in seen:
                continue
            seen.add(name)
            removed = name not in current
            files = opened.folders(commit)[name] if removed else current[name]
            result = opened.checker.check(name, files)
            entries.append(LogEntry(result, commit, removed, _expiring(result, now)))
    newest_first = sorted(
        entries, key=lambda e: e.verification.head.created if e.verification.head else now, reverse=True
    )
    return _mark_superseded(newest_first)


def _mark_superseded(entries: list[LogEntry]) -> list[LogEntry]:
    """Each record at the ref that a newer one of its service folder and checklist (a
    re-review) replaces, marked with the newer one's id. ENTRIES are newest first."""
    newest: dict[tuple[str, str], str] = {}
    marked = []
    for entry in entries:
        head = entry.verification.head
        if head is None or entry.removed:
            marked.append(entry)
            continue
        key = (head.subject.service_folder, head.checklist.id)
        marked.append(replace(entry, superseded_by=newest.get(key)))
        newest.setdefault(key, head.id)
    return marked


def _expiring(result: Verification, now: dt.datetime) -> tuple[WaiverRef, ...]:
    if result.record is None:
        return ()
    today, horizon = now.date(), (now + EXPIRING_WITHIN).date()
    return tuple(w for w in result.record.waivers if today <= w.expires <= horizon)
