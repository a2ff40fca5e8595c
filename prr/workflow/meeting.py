"""The readiness meeting: what reviewers need on a shared screen, decided here so the app
only draws it. A summary of the review (verdict, blockers, waivers in force, evidence
coverage per section), what changed since the last signed record, and reviewers'
comments.

Before the owner submits, the meeting looks at the draft (`ReviewSession`); once the
record is written, it looks at the record, because that is what reviewers sign: its
bytes never change, whatever happens to the draft afterwards."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from prr.adapters.git_objects import GitObjects
from prr.adapters.worktree import read_no_follow
from prr.domain.answers import AnswerKind
from prr.domain.checklist import Pack
from prr.domain.errors import InputError
from prr.domain.findings import Outcome
from prr.domain.record import Record, RecordAnswer
from prr.domain.status import State
from prr.domain.verdict import Verdict
from prr.format.record_toml import loads
from prr.workflow.record_location import locate
from prr.workflow.review_session import ReviewSession
from prr.workflow.signed_records import LastSigned, last_signed_record
from prr.workflow.verifying import MAX_RECORD_BYTES

OTHER_SECTION = "(not in this checklist)"


@dataclass(frozen=True)
class BlockerLine:
    item_id: str
    title: str
    reason: str


@dataclass(frozen=True)
class WaiverLine:
    item_id: str
    title: str
    reason: str
    approver: str
    expires: dt.date
    days_left: int  # 0 on the expiry day itself (a waiver holds through it); negative once lapsed


@dataclass(frozen=True)
class Coverage:
    """One section's evidence coverage: how much of what it asks is known, and how."""

    section: str
    asked: int
    answered: int  # by the owner
    probed: int  # with probe evidence (pass, fail or not applicable; errors are no evidence)
    covered: int  # answered or probed: somebody or something has spoken for it
    passing: int
    waived: int
    not_applicable: int


@dataclass(frozen=True)
class MeetingSummary:
    service: str
    tier: int
    tier_name: str
    checklist: str  # "launch 1.0.0"
    subject: str  # what is summarised: the draft, or record <id>
    ready: bool
    score: int
    level: str | None
    blockers: tuple[BlockerLine, ...]
    waivers: tuple[WaiverLine, ...]  # in force (a draft), or as recorded (a record)
    coverage: tuple[Coverage, ...]  # per section, in the pack's order
    notes: tuple[tuple[str, str], ...]  # (item id, note) for items with a note
    probes_pending: bool  # a draft summarised before the probes ran: evidence is missing

    @property
    def headline(self) -> str:
        if self.ready:
            return "READY"
        count = len(self.blockers)
        return f"NOT READY · {count} blocker{'' if count == 1 else 's'}" if count else "NOT READY"


@dataclass(frozen=True)
class _Row:
    """One item as the draft or a record has it, so both are summarised and compared alike."""

    item_id: str
    answer: str  # a RecordAnswer value
    state: str  # a State value
    probed: bool
    note: str


@dataclass(frozen=True)
class _Waiver:
    item_id: str
    reason: str
    approver: str
    expires: dt.date


def summary(session: ReviewSession, record: Record | None = None) -> MeetingSummary:
    """The meeting's summary of `record` when given (what reviewers sign), else of the
    session's draft as it stands, scored now."""
    pack = session.pack
    table = _on_table(session, record)
    if record is not None:
        verdict = record.verdict
        ready, score, level = verdict.ready, verdict.score, verdict.level
        blockers = [(b.item, b.reason) for b in verdict.blockers]
        service, subject = record.service.name, f"record {record.id} (commit {record.subject.commit[:8]})"
    else:
        scored: Verdict = session.verdict()
        ready, score, level = scored.ready, scored.score, scored.level
        blockers = [(b.item_id, b.reason) for b in scored.blockers]
        service, subject = session.service_name, f"draft on commit {session.report.commit[:8]}"
    return MeetingSummary(
        service=service,
        tier=table.tier,
        tier_name=pack.tier_names.get(table.tier, ""),
        checklist=table.checklist,
        subject=subject,
        ready=ready,
        score=score,
        level=level,
        blockers=tuple(BlockerLine(item_id, _title(pack, item_id), reason) for item_id, reason in blockers),
        waivers=_waiver_lines(pack, table.waivers, _now(session).date()),
        coverage=_coverage(pack, table.rows),
        notes=tuple((row.item_id, row.note) for row in table.rows if row.note),
        probes_pending=record is None and not session.probed,
    )


class ChangeKind(StrEnum):
    NO_PREVIOUS = "no previous signed record"
    CHECKLIST = "checklist"
    NEWLY_ASKED = "newly asked"
    NO_LONGER_ASKED = "no longer asked"
    ANSWER = "answer"
    STATE = "state"
    NOTE = "note"
    WAIVER_ADDED = "waiver added"
    WAIVER_REMOVED = "waiver removed"
    WAIVER_CHANGED = "waiver changed"


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    item_id: str = ""
    before: str = ""
    after: str = ""

    @property
    def text(self) -> str:
        """One line for people: `slo.defined: answer pass -> fail`."""
        head = f"{self.item_id}: {self.kind.value}" if self.item_id else self.kind.value
        if self.before or self.after:
            return f"{head} {self.before or '(none)'} -> {self.after or '(none)'}"
        return head


def previous_signed(session: ReviewSession, record: Record | None = None) -> LastSigned:
    """The newest signed record of the session's service, other than `record` itself."""
    return last_signed_record(session.report.top, session.report.prefix, record.id if record else None)


def changes_since_last_signed(
    session: ReviewSession, record: Record | None = None, previous: LastSigned | None = None
) -> list[Change]:
    """What differs between the newest signed record and the review on the table (the
    session's draft, or `record` when given): items whose answer, state or note changed,
    items asked or no longer asked, waivers added, removed or changed, and a changed
    checklist or tier. One NO_PREVIOUS change when nothing was signed before; `previous`
    is `previous_signed(...)`, when the caller already has it."""
    previous = previous or previous_signed(session, record)
    if previous.found is None:
        return [Change(ChangeKind.NO_PREVIOUS)]
    before, after = _record_table(previous.found.record), _on_table(session, record)
    changes: list[Change] = []
    was, now = f"{before.checklist}, tier {before.tier}", f"{after.checklist}, tier {after.tier}"
    if was != now:
        changes.append(Change(ChangeKind.CHECKLIST, "", was, now))
    changes += _item_changes(before.rows, after.rows)
    changes += _waiver_changes(before.waivers, after.waivers)
    return changes


def add_comment(session: ReviewSession, item_id: str, author: str, text: str) -> Verdict:
    """Add a reviewer's comment to an item as a new line `author: text` at the end of its
    note, through the draft (`session.answer`), so it is autosaved with the owner's
    answers and lands in the record's `note`, which the signatures cover. A note belongs
    to an answer, so an unanswered item refuses comments (answer it first), and a
    submitted review takes none: its record is written once. InputError says why."""
    author, text = author.strip(), text.strip()
    problems = [f"{name} is empty" for name, value in (("author", author), ("comment", text)) if not value]
    problems += [
        f"{name} must be one line" for name, value in (("author", author), ("comment", text)) if _multiline(value)
    ]
    if problems:
        raise InputError("; ".join(problems))
    answer = session.draft.draft.answers.get(item_id)
    if answer is None:
        if item_id in {ev.item.id for ev in session.report.items}:
            raise InputError(f"{item_id}: not answered yet; a comment is kept in the answer's note, so answer it first")
        raise InputError(f"{item_id}: not an item this review asks")
    line = f"{author}: {text}"
    note = f"{answer.note.rstrip()}\n{line}" if answer.note.strip() else line
    return session.answer(item_id, dataclasses.replace(answer, note=note))


def commentable(session: ReviewSession) -> list[tuple[str, str]]:
    """(item id, title) of the items a comment can go on now: the answered ones."""
    answers = session.draft.draft.answers
    return [(ev.item.id, ev.item.title) for ev in session.report.items if ev.item.id in answers]


def default_author(session: ReviewSession) -> str:
    """Who is probably commenting: git's user.name (or user.email), as for a commit."""
    with GitObjects.open(session.report.top) as objects:
        return objects.config("user.name") or objects.config("user.email") or ""


def open_record(path: Path) -> Record:
    """The written record at PATH (its record.toml or folder), read without following links."""
    where = locate(path)
    data = read_no_follow(where.top, where.record_path, MAX_RECORD_BYTES)
    if data is None:
        raise InputError(f"{where.top / where.record_path}: not a regular file (or over {MAX_RECORD_BYTES:,} bytes)")
    return loads(data, where.record_path)


# --- the pieces ---------------------------------------------------------------------------


def _now(session: ReviewSession) -> dt.datetime:
    """The session's clock (injected in tests, so days left stay put)."""
    return session.now().astimezone(dt.UTC)


@dataclass(frozen=True)
class _Table:
    """The review on the table: the draft's or a record's items and waivers."""

    checklist: str  # "launch 1.0.0"
    tier: int
    rows: list[_Row]
    waivers: list[_Waiver]


def _on_table(session: ReviewSession, record: Record | None) -> _Table:
    if record is not None:
        return _record_table(record)
    pack = session.pack
    return _Table(f"{pack.id} {pack.version}", session.tier, _session_rows(session), _session_waivers(session))


def _record_table(record: Record) -> _Table:
    return _Table(
        f"{record.checklist.id} {record.checklist.version}",
        record.service.tier,
        _record_rows(record),
        [_Waiver(w.item, w.reason, w.approver, w.expires) for w in record.waivers],
    )


def _session_rows(session: ReviewSession) -> list[_Row]:
    return [
        _Row(
            state.item.id,
            state.answer.kind.value if state.answer else RecordAnswer.UNANSWERED.value,
            state.status.state.value,
            _probed(f.outcome for f in state.findings),
            state.answer.note if state.answer else "",
        )
        for state in session.items()
    ]


def _record_rows(record: Record) -> list[_Row]:
    return [
        _Row(item.id, str(item.answer), str(item.state), _probed(f.outcome for f in item.findings), item.note)
        for item in record.items
    ]


def _session_waivers(session: ReviewSession) -> list[_Waiver]:
    """Waivers in force: a lapsed one is a blocker, not a waiver."""
    return [
        _Waiver(s.item.id, s.answer.waiver.reason, s.answer.waiver.approver, s.answer.waiver.expires)
        for s in session.items()
        if s.answer is not None
        and s.answer.kind is AnswerKind.WAIVED
        and s.answer.waiver is not None
        and s.status.state is State.WAIVED
    ]


def _probed(outcomes: Iterable[Outcome]) -> bool:
    return any(outcome is not Outcome.ERROR for outcome in outcomes)


def _multiline(value: str) -> bool:
    return len(value.splitlines()) > 1


def _title(pack: Pack, item_id: str) -> str:
    return next((item.title for item in pack.items if item.id == item_id), "")


def _waiver_lines(pack: Pack, waivers: list[_Waiver], today: dt.date) -> tuple[WaiverLine, ...]:
    ordered = sorted(waivers, key=lambda w: (w.expires, w.item_id))
    return tuple(
        WaiverLine(w.item_id, _title(pack, w.item_id), w.reason, w.approver, w.expires, (w.expires - today).days)
        for w in ordered
    )


def _coverage(pack: Pack, rows: list[_Row]) -> tuple[Coverage, ...]:
    section_of = {item.id: section.title or section.id for section in pack.sections for item in section.items}
    order = [section.title or section.id for section in pack.sections] + [OTHER_SECTION]
    grouped: dict[str, list[_Row]] = {}
    for row in rows:
        grouped.setdefault(section_of.get(row.item_id, OTHER_SECTION), []).append(row)
    return tuple(_section(name, grouped[name]) for name in order if name in grouped)


def _section(name: str, rows: list[_Row]) -> Coverage:
    def count(state: State) -> int:
        return sum(row.state == state.value for row in rows)

    answered = [row.answer != RecordAnswer.UNANSWERED.value for row in rows]
    return Coverage(
        section=name,
        asked=len(rows),
        answered=sum(answered),
        probed=sum(row.probed for row in rows),
        covered=sum(said or row.probed for said, row in zip(answered, rows, strict=True)),
        passing=count(State.PASSED),
        waived=count(State.WAIVED),
        not_applicable=count(State.NOT_APPLICABLE),
    )


def _item_changes(before: list[_Row], after: list[_Row]) -> list[Change]:
    old = {row.item_id: row for row in before}
    new_ids = {row.item_id for row in after}
    changes = []
    for row in after:
        was = old.get(row.item_id)
        if was is None:
            changes.append(Change(ChangeKind.NEWLY_ASKED, row.item_id, "", row.answer))
            continue
        if was.answer != row.answer:
            changes.append(Change(ChangeKind.ANSWER, row.item_id, was.answer, row.answer))
        elif was.state != row.state:
            changes.append(Change(ChangeKind.STATE, row.item_id, was.state, row.state))
        if was.note != row.note:
            changes.append(Change(ChangeKind.NOTE, row.item_id, _last_line(was.note), _last_line(row.note)))
    changes += [Change(ChangeKind.NO_LONGER_ASKED, row.item_id) for row in before if row.item_id not in new_ids]
    return changes


def _waiver_changes(before: list[_Waiver], after: list[_Waiver]) -> list[Change]:
    old = {w.item_id: w for w in before}
    new = {w.item_id: w for w in after}
    changes = []
    for item_id, waiver in new.items():
        was = old.get(item_id)
        if was is None:
            changes.append(Change(ChangeKind.WAIVER_ADDED, item_id, "", _described(waiver)))
        elif was != waiver:
            changes.append(Change(ChangeKind.WAIVER_CHANGED, item_id, _described(was), _described(waiver)))
    changes += [
        Change(ChangeKind.WAIVER_REMOVED, item_id, _described(was), "")
        for item_id, was in old.items()
        if item_id not in new
    ]
    return changes


def _described(waiver: _Waiver) -> str:
    return f"by {waiver.approver} until {waiver.expires.isoformat()}"


def _last_line(note: str) -> str:
    lines = note.strip().splitlines()
    return lines[-1] if lines else ""
