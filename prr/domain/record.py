"""The review record: what was reviewed, what was answered, and what the scorer decided.

Pure data. Reading and writing it (TOML, docs/record-format.md) lives in prr.format.record_toml;
signing it lives elsewhere. The record is written once and never re-serialised after the first
signature, so these dataclasses are what a record *means*, never a way to rewrite one."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from prr.domain.findings import Finding
from prr.domain.status import State
from prr.domain.verdict import Verdict

RECORD_FORMAT = "prr.record/1"
# A signer's principal names their signature file (signatures/<principal>.sig), so it is
# one safe path segment; allowed_signers principals are usually email addresses.
PRINCIPAL = re.compile(r"[A-Za-z0-9_+@-][A-Za-z0-9._+@-]{0,127}")


class ObjectFormat(StrEnum):
    """The repository's git object format: decides the length of commit, tree and blob ids."""

    SHA1 = "sha1"
    SHA256 = "sha256"


class Requirement(StrEnum):
    REQUIRED = "required"
    RECOMMENDED = "recommended"


class RecordAnswer(StrEnum):
    """The owner's answer as recorded; `unanswered` when there was none."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "na"
    WAIVED = "waived"
    UNANSWERED = "unanswered"


@dataclass(frozen=True)
class Subject:
    """What was reviewed: one commit of one repository, optionally one service folder in it."""

    repository: str
    commit: str
    source_tree: str  # the commit's tree with the .prr/ folder left out
    object_format: ObjectFormat | str = ObjectFormat.SHA1
    service_folder: str = ""


@dataclass(frozen=True)
class ChecklistSource:
    """One file the checklist was built from (a pack and what it extends), by the sha256 of its bytes."""

    name: str
    sha256: str


@dataclass(frozen=True)
class ChecklistRef:
    id: str
    version: str
    sha256: str  # of the resolved checklist's exact bytes
    sources: tuple[ChecklistSource, ...] = ()


@dataclass(frozen=True)
class ServiceRef:
    name: str
    tier: int
    owner: str


@dataclass(frozen=True)
class BlockerRef:
    item: str
    reason: str


@dataclass(frozen=True)
class VerdictRef:
    ready: bool
    score: int
    level: str | None
    scorer: str
    scorer_version: str
    blockers: tuple[BlockerRef, ...] = ()

    @classmethod
    def from_verdict(cls, verdict: Verdict) -> VerdictRef:
        return cls(
            ready=verdict.ready,
            score=verdict.score,
            level=verdict.level,
            scorer=verdict.scorer,
            scorer_version=verdict.scorer_version,
            blockers=tuple(BlockerRef(b.item_id, b.reason) for b in verdict.blockers),
        )


@dataclass(frozen=True)
class Signer:
    """Someone declared to sign the record: an allowed_signers principal and the role they sign in."""

    principal: str
    role: str


@dataclass(frozen=True)
class RecordItem:
    id: str
    requirement: Requirement | str
    answer: RecordAnswer | str
    state: State | str  # item_status(...).state at the record's creation time
    note: str = ""  # the only field that may hold line breaks
    reason: str = ""  # item_status(...).reason
    contradicts_probe: bool = False  # the answer says pass but a probe failed (or the reverse)
    findings: tuple[Finding, ...] = ()
    links: tuple[str, ...] = ()  # evidence the owner pointed at: repository paths, or URLs (redacted)


@dataclass(frozen=True)
class WaiverRef:
    """A waiver in force when the record was made; it holds through its expiry day (UTC)."""

    item: str
    reason: str
    approver: str
    expires: dt.date


@dataclass(frozen=True)
class Record:
    id: str
    created: dt.datetime  # timezone-aware, UTC
    expires: dt.datetime  # timezone-aware, UTC
    prr_version: str
    subject: Subject
    checklist: ChecklistRef
    service: ServiceRef
    verdict: VerdictRef
    signers: tuple[Signer, ...] = ()
    items: tuple[RecordItem, ...] = ()
    waivers: tuple[WaiverRef, ...] = ()
    format: str = RECORD_FORMAT

    def head(self) -> RecordHead:
        return RecordHead(
            self.id,
            self.created,
            self.expires,
            self.subject,
            self.checklist,
            self.service,
            self.verdict,
            frozenset(
                {e.path for item in self.items for f in item.findings for e in f.evidence if e.path}
                | {loc.path for item in self.items for f in item.findings for loc in f.locations}
            ),
        )


@dataclass(frozen=True)
class RecordHead:
    """A record without its items and waivers: what is reported of every verified record,
    and what tells whether later commits made it stale. A worker process verifying
    records hands back this, not the whole record, which costs more to pass between
    processes than the signature check costs to run."""

    id: str
    created: dt.datetime
    expires: dt.datetime
    subject: Subject
    checklist: ChecklistRef
    service: ServiceRef
    verdict: VerdictRef
    cited: frozenset[str]  # every path the findings cite, as evidence or as a location
