"""The review as the app runs it, without the app: one service, its pack and tier, the
probes' evidence as it arrives, every answer through the draft, the verdict after each
change, and the record at the end. The Textual app is a face on this; tests drive it
directly."""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prr.domain.answers import Answer
from prr.domain.checklist import Item, Pack, Requirement
from prr.domain.findings import Finding
from prr.domain.record import Signer
from prr.domain.scoring import assess
from prr.domain.status import ItemOutcome, ItemStatus
from prr.domain.verdict import Verdict
from prr.format.service_config import CONFIG_PATH, ServiceConfig
from prr.workflow.drafts import DraftSession, answers_for_review, utc_now
from prr.workflow.endpoint_settings import EndpointSettings
from prr.workflow.probing import ProbeReport, Progress, preview, probe_repository
from prr.workflow.review import Written, service_name, write_record
from prr.workflow.scorers import evaluate

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class ItemState:
    """One item as the reviewer sees it now."""

    item: Item
    requirement: Requirement
    answer: Answer | None
    status: ItemStatus
    findings: tuple[Finding, ...]
    waiting: tuple[str, ...]  # probes not run yet, or unable to run, with why


class ReviewSession:
    """Open with `ReviewSession.open(path)`; `close()` saves and releases the draft lock."""

    def __init__(
        self, path: Path, ref: str, report: ProbeReport, draft: DraftSession, clock: Clock,
        pack_ref: str | None = None, config: ServiceConfig | None = None,
    ) -> None:  # fmt: skip
        self.path, self.ref = path, ref
        self.report = report
        self.draft = draft
        self.probed = False
        self._clock = clock
        self._pack_ref, self._config = pack_ref, config  # how the probes find the pack and config again
        self._verdict: Verdict | None = None

    @classmethod
    def open(
        cls, path: Path, ref: str = "HEAD", pack_ref: str | None = None, tier: int | None = None,
        clock: Clock = utc_now, config: ServiceConfig | None = None,
    ) -> ReviewSession:  # fmt: skip
        """Fast: no probe runs here, so the app can paint at once. InputError when another
        prr holds this service's draft. `config` stands in for the committed one (what the
        app's first run just saved: the service's name, owner, tier, pack and endpoints)."""
        report = preview(path, ref, pack_ref, tier, config)
        draft = DraftSession.open(report.top / report.prefix, report, clock, probed=False)
        return cls(path, ref, report, draft, clock, pack_ref, config)

    @property
    def pack(self) -> Pack:
        return self.report.pack

    @property
    def tier(self) -> int:
        return self.report.tier

    @property
    def service_name(self) -> str:
        return service_name(self.report)

    def now(self) -> dt.datetime:
        """The session's clock (fixed in tests, so screens and records are reproducible)."""
        return self._clock()

    def resume_lines(self) -> list[str]:
        return self.draft.resume.lines() if self.draft.resume is not None else []

    def run_probes(self, progress: Progress | None = None, live: EndpointSettings | None = None) -> ProbeReport:
        """Run every probe (slow: call it from a worker thread). Changes nothing: hand the
        report to `apply_probes` on the thread that owns the session."""
        return probe_repository(
            self.path, self.report.commit, self._pack_ref, self.tier, progress=progress, live=live,
            bind_source_tree=True, config=self._config,
        )  # fmt: skip

    def apply_probes(self, report: ProbeReport) -> tuple[str, ...]:
        """Use REPORT's evidence from now on; the items whose evidence changed since the
        draft was last saved."""
        changed = self.draft.refresh(report)
        self.report = report
        self.probed = True
        self._verdict = None
        return changed

    def items(self) -> list[ItemState]:
        at = self.now()
        outcomes = self._outcomes()
        statuses = {a.item.id: a.status for a in assess(self.pack, self.tier, outcomes, at)}
        return [
            ItemState(
                ev.item,
                ev.requirement,
                self.draft.draft.answers.get(ev.item.id),
                statuses[ev.item.id],
                ev.findings,
                ev.waiting,
            )
            for ev in self.report.items
        ]

    def verdict(self) -> Verdict:
        if self._verdict is None:
            self._verdict = evaluate(self.pack, self.tier, self._outcomes(), self.now())
        return self._verdict

    def answer(self, item_id: str, answer: Answer) -> Verdict:
        """Record an answer (InputError when incomplete) and score again."""
        self.draft.set_answer(item_id, answer)
        self._verdict = None
        return self.verdict()

    def clear(self, item_id: str) -> Verdict:
        self.draft.clear(item_id)
        self._verdict = None
        return self.verdict()

    def autosave(self, now_monotonic: float) -> bool:
        """Call at least every quarter second: pending answers reach the disk within a second."""
        return self.draft.save_if_due(now_monotonic)

    def uncommitted_config(self) -> str:
        """A warning when the review uses a service config that is not committed (the one
        the app's first run just saved); "" otherwise. CI's gate reads the committed one."""
        if self._config is None:
            return ""
        config = posixpath.join(self.report.prefix, CONFIG_PATH)
        return (
            f"{config} is not committed: prr check reads the committed config (tier, pack), so this review may not "
            f"count in CI; commit it first (git add {config} && git commit), then review"
        )

    def written_record(self) -> Written | None:
        """The record already written for this review (same commit, pack and tier), if any:
        a review is written once, so a reopened app signs and commits that one."""
        from prr.workflow.signed_records import record_of_commit

        report = self.report
        found = record_of_commit(report.top, report.prefix, report.commit, report.pack.id, report.tier)
        return Written(report.top / found.path, found.record) if found is not None else None

    def submit(self, signers: tuple[Signer, ...] = ()) -> Written:
        """Write the review record from the draft's answers, then delete the stored draft
        (its answers stay on screen; changing one starts a new draft)."""
        if not self.probed:
            raise RuntimeError("submit needs the probes' evidence: wait for apply_probes")
        moment = self.now()
        answers = answers_for_review(self.draft.draft, self.report, moment.date(), str(self.draft.path))
        written = write_record(self.report, answers, signers, str(self.draft.path), moment)
        self.draft.discard(keep_answers=True)
        return written

    def close(self) -> None:
        self.draft.close()

    def _outcomes(self) -> dict[str, ItemOutcome]:
        answers = self.draft.draft.answers
        return {ev.item.id: ItemOutcome(ev.item.id, answers.get(ev.item.id), ev.findings) for ev in self.report.items}
