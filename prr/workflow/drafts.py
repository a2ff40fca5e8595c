"""Review drafts: the owner's answers in progress, kept in the service's `.prr/draft.toml`,
autosaved, locked against a second prr, and resumable after a crash or a new commit.
See docs/drafts.md.

Every change goes through a `DraftSession`. It never starts threads: the app calls
`save_if_due` from its own timer, at least every `AUTOSAVE_TICK` seconds, and so loses at
most about a second of work to a kill -9."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from prr.adapters.atomic import remove_atomic, remove_temporaries, temporary_pattern, write_atomic
from prr.adapters.file_lock import FileLock
from prr.adapters.files import read_capped
from prr.adapters.source_tree import PRR_FOLDER
from prr.domain.answers import Answer
from prr.domain.checklist import Pack
from prr.domain.draft import Draft, DraftChecklist, clear_answer, evidence_changes, fingerprint, set_answer
from prr.domain.errors import InputError
from prr.format.draft_toml import check_answer, dumps, loads, normalised
from prr.workflow.probing import ProbeReport
from prr.workflow.prr_folder import ensure_lines

DRAFT = "draft.toml"
LOCK = "draft.lock"
IGNORE = ".gitignore"
IGNORED = (DRAFT, LOCK, temporary_pattern(DRAFT))
IGNORE_HEADER = b"# prr: the review draft stays on this machine (docs/drafts.md)\n"
AUTOSAVE_INTERVAL = 0.5  # seconds: at most two draft writes a second, however fast the owner types
AUTOSAVE_TICK = 0.25  # how often the app should call save_if_due: interval + tick < 1 s of lost work
MAX_DRAFT_BYTES = 1024 * 1024

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Resume:
    """What moved since the draft was last saved, for the app and the CLI to tell the owner."""

    started_on: str
    saved_on: str
    head: str  # the commit being reviewed now
    evidence_changed: tuple[str, ...]  # items whose probes found something else than at `saved_on`
    checklist_changed: str  # "" or what the draft answered before: "launch at tier 2 (sha256 1a2b3c4d)"
    kept: int  # answers carried over
    dropped: tuple[str, ...]  # answered items this review does not ask
    lapsed: tuple[tuple[str, dt.date], ...]  # waivers that expired since, with the date

    def lines(self) -> list[str]:
        moved = "HEAD has not moved" if self.head == self.saved_on else f"HEAD is now {self.head[:8]}"
        lines = [
            f"resuming the draft started on commit {self.started_on[:8]}, last saved on {self.saved_on[:8]}; {moved}"
        ]
        if self.evidence_changed:
            lines.append(f"evidence changed since the last save for: {', '.join(self.evidence_changed)}")
        if self.checklist_changed:
            line = f"the draft answered {self.checklist_changed}: kept {self.kept} answers for items still asked"
            if self.dropped:
                line += f", dropped {len(self.dropped)} ({', '.join(self.dropped)})"
            lines.append(line)
        lines.extend(f"{item}: the waiver expired on {day.isoformat()}; answer it again" for item, day in self.lapsed)
        return lines


def checklist_ref(pack: Pack) -> DraftChecklist:
    """The pack's id and the sha256 of its bytes: of its one file (as its record will
    state), or, for a pack built from several (`extends`), of every file's sha256 in
    turn, so an edit to any of them shows."""
    if len(pack.sources) == 1:
        return DraftChecklist(pack.id, pack.sources[0].sha256)
    listing = "".join(f"{source.sha256}  {source.name}\n" for source in pack.sources)
    return DraftChecklist(pack.id, hashlib.sha256(listing.encode()).hexdigest())


def fingerprints(report: ProbeReport) -> dict[str, str]:
    return {ev.item.id: fingerprint(ev.findings) for ev in report.items}


class DraftSession:
    """One owner's review in progress, holding the draft's lock from `open` to `close`."""

    def __init__(
        self,
        path: Path,
        report: ProbeReport,
        lock: FileLock,
        draft: Draft,
        clock: Clock,
        resume: Resume | None = None,
        dirty: bool = False,
        probed: bool = True,
    ) -> None:
        self.path = path
        self.report = report
        self.draft = draft
        self.resume = resume  # None for a new draft
        self._lock = lock
        self._clock = clock
        self._dirty = dirty
        self._saved_at: float | None = None
        self._fingerprints = fingerprints(report)
        # What the probes found, as the draft keeps it: until they have run (the app opens
        # on a preview), what the stored draft saw, so a save then loses nothing.
        self._evidence = self._fingerprints if probed else dict(draft.evidence)

    @classmethod
    def open(
        cls, service_folder: Path, report: ProbeReport, clock: Clock = utc_now, probed: bool = True
    ) -> DraftSession:
        """Lock the service's draft, tidy up after killed writers, keep drafts out of git,
        and resume the stored draft (see `resume`) or start a new one. With `probed` off
        (REPORT is a preview, no probe has run yet) what changed in the evidence is told by
        `refresh`, once the probes have run.

        InputError when another prr holds the draft, or the stored draft cannot be read."""
        folder = service_folder / PRR_FOLDER
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise InputError(f"{folder}: cannot create the folder for the draft: {exc.strerror or exc}") from None
        lock = FileLock(folder / LOCK)
        lock.acquire()
        try:
            path = folder / DRAFT
            remove_temporaries(path)
            remove_temporaries(folder / IGNORE)
            ensure_lines(folder / IGNORE, [name.encode() for name in IGNORED], IGNORE_HEADER)
            if not path.exists():
                return cls(path, report, lock, _fresh(report, clock(), probed), clock, probed=probed)
            data = read_capped(path, MAX_DRAFT_BYTES)
            if len(data) > MAX_DRAFT_BYTES:
                raise InputError(f"{path}: larger than {MAX_DRAFT_BYTES:,} bytes, not a draft prr wrote; delete it")
            stored = loads(data, str(path))
            draft, resume = _resumed(stored, report, clock().astimezone(dt.UTC).date(), probed)
            return cls(path, report, lock, draft, clock, resume, dirty=draft != stored, probed=probed)
        except BaseException:
            lock.release()
            raise

    @property
    def dirty(self) -> bool:
        """True while the draft holds changes not yet on disk."""
        return self._dirty

    def set_answer(self, item_id: str, answer: Answer) -> None:
        """Record an answer; InputError (one line per problem) when it is incomplete."""
        self._check_item(item_id)
        answer = normalised(answer)
        problems = check_answer(answer, self._clock().astimezone(dt.UTC).date())
        if problems:
            raise InputError("\n".join(f"{item_id}: {problem}" for problem in problems))
        if self.draft.answers.get(item_id) != answer:
            self.draft = set_answer(self.draft, item_id, answer, self._now())
            self._dirty = True

    def clear(self, item_id: str) -> None:
        """Make an item unanswered again."""
        self._check_item(item_id)
        if item_id in self.draft.answers:
            self.draft = clear_answer(self.draft, item_id, self._now())
            self._dirty = True

    def save(self, now: float | None = None) -> None:
        """Write the draft atomically against the commit and evidence being reviewed.
        `now` is `time.monotonic()`, given by callers that keep their own clock."""
        if not self._lock.held:
            raise RuntimeError("the draft session is closed")
        draft = dataclasses.replace(self.draft, saved_on=self.report.commit, evidence=self._evidence)
        write_atomic(self.path, dumps(draft))
        self.draft = draft
        self._dirty = False
        self._saved_at = time.monotonic() if now is None else now

    def save_if_due(self, now: float) -> bool:
        """Autosave: write pending changes unless the last save was under
        `AUTOSAVE_INTERVAL` ago. `now` is `time.monotonic()`. True when it wrote."""
        if not self._dirty or (self._saved_at is not None and now - self._saved_at < AUTOSAVE_INTERVAL):
            return False
        self.save(now)
        return True

    def refresh(self, report: ProbeReport) -> tuple[str, ...]:
        """Review against REPORT from now on (the app opens the draft before the probes
        finish); the items whose evidence differs from what the draft last saw."""
        if report.pack is not self.report.pack and checklist_ref(report.pack) != checklist_ref(self.report.pack):
            raise ValueError("refresh needs a report of the same checklist")
        seen = self.draft.evidence
        self.report = report
        self._fingerprints = self._evidence = fingerprints(report)
        if self._evidence != seen and (self.resume is not None or self.draft.answers):
            self._dirty = True  # the draft's answers now stand against this evidence: keep it with them
        return tuple(evidence_changes(seen, self._fingerprints)) if self.resume is not None else ()

    def discard(self, keep_answers: bool = False) -> None:
        """Delete the stored draft; the lock stays held. With KEEP_ANSWERS the answers stay
        in memory (after a submit the owner still sees them, and a change starts a new
        draft from them); otherwise the review starts over from no answers."""
        answers = self.draft.answers if keep_answers else {}
        remove_atomic(self.path)
        fresh = _fresh(self.report, self._clock(), probed=True)
        self.draft = dataclasses.replace(fresh, answers=dict(answers), evidence=self._evidence)
        self.resume = None
        self._dirty = False

    def close(self) -> None:
        """Save what is pending, then release the lock. Safe to call twice."""
        try:
            if self._dirty and self._lock.held:
                self.save()
        finally:
            self._lock.release()

    def __enter__(self) -> DraftSession:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _now(self) -> dt.datetime:
        return self._clock().astimezone(dt.UTC).replace(microsecond=0)

    def _check_item(self, item_id: str) -> None:
        if item_id in self._fingerprints:
            return
        pack, tier = self.report.pack, self.report.tier
        if any(item.id == item_id for item in pack.items):
            raise InputError(f"{item_id}: not asked at tier {tier} by checklist {pack.id!r}")
        close = difflib.get_close_matches(item_id, list(self._fingerprints), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(f"{item_id}: unknown item in checklist {pack.id!r}{hint}")


def answers_for_review(draft: Draft, report: ProbeReport, today: dt.date, source: str) -> dict[str, Answer]:
    """The draft's answers as `review` applies them (item id -> Answer, in the pack's
    order), checked against the review being recorded: the same checklist bytes and tier,
    only items it asks, and waivers still in force on `today`."""
    target = checklist_ref(report.pack)
    if draft.checklist != target or draft.tier != report.tier:
        raise InputError(
            f"{source}: the draft answers {_described(draft.checklist, draft.tier)}, not "
            f"{_described(target, report.tier)}; open the review to carry its answers over"
        )
    asked = [ev.item.id for ev in report.items]
    problems = [f"{source}: {item_id}: not asked by this review" for item_id in draft.answers if item_id not in asked]
    for item_id, answer in draft.answers.items():
        problems.extend(f"{source}: {item_id}: {problem}" for problem in check_answer(answer, today))
    if problems:
        raise InputError("\n".join(problems))
    return {item_id: draft.answers[item_id] for item_id in asked if item_id in draft.answers}


def _fresh(report: ProbeReport, at: dt.datetime, probed: bool) -> Draft:
    return Draft(
        checklist=checklist_ref(report.pack),
        tier=report.tier,
        started_on=report.commit,
        saved_on=report.commit,
        updated=at.astimezone(dt.UTC).replace(microsecond=0),
        evidence=fingerprints(report) if probed else {},
    )


def _resumed(stored: Draft, report: ProbeReport, today: dt.date, probed: bool) -> tuple[Draft, Resume]:
    """The stored draft carried over to this review, and what the owner should hear (what
    changed in the evidence only when REPORT's probes have run)."""
    now = fingerprints(report)
    target = checklist_ref(report.pack)
    kept = {item_id: answer for item_id, answer in stored.answers.items() if item_id in now}
    retargeted = stored.checklist != target or stored.tier != report.tier
    resume = Resume(
        started_on=stored.started_on,
        saved_on=stored.saved_on,
        head=report.commit,
        evidence_changed=tuple(evidence_changes(stored.evidence, now)) if probed else (),
        checklist_changed=_described(stored.checklist, stored.tier) if retargeted else "",
        kept=len(kept),
        dropped=tuple(item_id for item_id in stored.answers if item_id not in now),
        lapsed=tuple(
            (item_id, answer.waiver.expires)
            for item_id, answer in kept.items()
            if answer.waiver is not None and answer.waiver.expires < today
        ),
    )
    return dataclasses.replace(stored, checklist=target, tier=report.tier, answers=kept), resume


def _described(checklist: DraftChecklist, tier: int) -> str:
    return f"{checklist.id} at tier {tier} (sha256 {checklist.sha256[:8]})"
