"""A review in progress: the owner's answers so far, tied to the commit and evidence they
were given against, so a resumed review can say what moved underneath them.

Pure: no file system, no clock (callers pass the time). Stored as `.prr/draft.toml`
(prr.format.draft_toml), kept out of git; see docs/drafts.md."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from prr.domain.answers import Answer, AnswerKind
from prr.domain.findings import Finding

DRAFT_FORMAT = "prr.draft/1"
FINGERPRINT_LENGTH = 16  # hex digits: enough to tell evidence apart, short enough to read


@dataclass(frozen=True)
class DraftChecklist:
    """The pack a draft answers: its id and the sha256 of the bytes it was built from."""

    id: str
    sha256: str


@dataclass(frozen=True)
class Draft:
    checklist: DraftChecklist
    tier: int
    started_on: str  # the commit the review was started on
    saved_on: str  # the commit the draft was last saved against
    updated: dt.datetime  # UTC, the last change to an answer
    answers: dict[str, Answer] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)  # item id -> fingerprint, as of `saved_on`
    format: str = DRAFT_FORMAT


def set_answer(draft: Draft, item_id: str, answer: Answer, at: dt.datetime) -> Draft:
    return dataclasses.replace(draft, answers={**draft.answers, item_id: answer}, updated=at)


def clear_answer(draft: Draft, item_id: str, at: dt.datetime) -> Draft:
    answers = {key: value for key, value in draft.answers.items() if key != item_id}
    return dataclasses.replace(draft, answers=answers, updated=at)


def fingerprint(findings: Iterable[Finding]) -> str:
    """A short digest of what the probes found for one item: each finding's probe and
    outcome and its evidence (paths, blob ids, URLs, statuses, response digests).
    Messages are left out, so rewording a message in a new prr is not a change."""
    facts = sorted(
        json.dumps(
            [f.probe, f.outcome.value, [[e.path, e.blob, e.url, e.status, e.digest] for e in f.evidence]],
            ensure_ascii=False,
        )
        for f in findings
    )
    return hashlib.sha256("\n".join(facts).encode("utf-8", "surrogateescape")).hexdigest()[:FINGERPRINT_LENGTH]


def evidence_changes(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """Items, in `new`'s order, whose evidence differs from what `old` recorded. Items only
    one side knows are not changes of evidence: the checklist or tier changed instead."""
    return [item_id for item_id, digest in new.items() if item_id in old and old[item_id] != digest]


def answer_problems(answer: Answer, today: dt.date | None = None) -> list[str]:
    """What makes an answer incomplete under docs/answers-format.md's rules. With `today`,
    a waiver that lapsed before it is refused too; without, lapsed waivers are kept (a
    stored draft stays readable after the date passes)."""
    problems = []
    kind = answer.kind.value
    if answer.kind is AnswerKind.NOT_APPLICABLE and not answer.reason.strip():
        problems.append("answer 'na' needs a reason: why the item does not apply")
    if answer.kind is not AnswerKind.NOT_APPLICABLE and answer.reason:
        problems.append(f"a reason applies only to na answers (a waiver holds its own), not to {kind}: remove it")
    waiver = answer.waiver
    if answer.kind is AnswerKind.WAIVED:
        if waiver is None:
            problems.append("answer 'waived' needs a reason, an approver and expires: the date the waiver lapses")
        else:
            if not waiver.reason.strip():
                problems.append("answer 'waived' needs a reason: why the risk is acceptable")
            if not waiver.approver.strip():
                problems.append("answer 'waived' needs an approver: who accepted the risk")
            if today is not None and waiver.expires < today:
                problems.append(f"expired on {waiver.expires.isoformat()}: a waiver must expire in the future")
    elif waiver is not None:
        problems.append(f"only a waived answer has an approver and expiry date, not {kind}: remove them")
    for link in answer.links:
        if not link or link != link.strip():
            problems.append(f"evidence must be one URL or path, without spaces around it, got {link!r}")
    return problems
