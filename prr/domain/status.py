"""One place that decides what an item's answer and findings amount to.

Every scorer starts from here, so "does an expired waiver count?" has one answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from prr.domain.answers import Answer, AnswerKind
from prr.domain.checklist import EvidenceMode, Item
from prr.domain.findings import Finding, Outcome


class State(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WAIVED = "waived"  # an approved, unexpired waiver
    NOT_APPLICABLE = "not_applicable"
    UNANSWERED = "unanswered"

    @property
    def satisfied(self) -> bool:
        return self in (State.PASSED, State.WAIVED)


@dataclass(frozen=True)
class ItemOutcome:
    """Everything known about one item: the owner's answer and the probes' findings."""

    item_id: str
    answer: Answer | None = None
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class ItemStatus:
    state: State
    reason: str


def item_status(item: Item, outcome: ItemOutcome | None, at: dt.datetime) -> ItemStatus:
    """An answer wins over findings; without one, only automatic evidence decides."""
    answer = outcome.answer if outcome else None
    findings = outcome.findings if outcome else ()
    if answer is not None:
        return _answered(answer, at)
    return _from_findings(item, findings)


# The statuses that say the same for every item, made once: verification assesses every
# item of every record again (35,000 items for 1,000 records).
_ANSWERED_PASS = ItemStatus(State.PASSED, "answered pass")
_ANSWERED_FAIL = ItemStatus(State.FAILED, "answered fail")
_NO_APPROVER = ItemStatus(State.FAILED, "waiver has no approver")
_NEEDS_ANSWER = ItemStatus(State.UNANSWERED, "needs an answer")
_PROBES_PASSED = ItemStatus(State.PASSED, "probes passed")
_NOTHING_APPLIES = ItemStatus(State.NOT_APPLICABLE, "probes found nothing this applies to")
_NO_EVIDENCE = ItemStatus(State.UNANSWERED, "no evidence yet")
_FAIL, _ERROR, _PASS, _NOT_APPLICABLE = Outcome.FAIL, Outcome.ERROR, Outcome.PASS, Outcome.NOT_APPLICABLE


def _answered(answer: Answer, at: dt.datetime) -> ItemStatus:
    if answer.kind is AnswerKind.PASS:
        return _ANSWERED_PASS
    if answer.kind is AnswerKind.FAIL:
        return _ANSWERED_FAIL
    if answer.kind is AnswerKind.NOT_APPLICABLE:
        return ItemStatus(State.NOT_APPLICABLE, answer.reason or "not applicable")
    waiver = answer.waiver
    if waiver is None or not waiver.approver.strip():
        return _NO_APPROVER
    if not waiver.active_at(at):
        return ItemStatus(State.FAILED, f"waiver expired on {waiver.expires.isoformat()}")
    return ItemStatus(State.WAIVED, f"waived by {waiver.approver} until {waiver.expires.isoformat()}")


def _from_findings(item: Item, findings: tuple[Finding, ...]) -> ItemStatus:
    """Any failing finding fails the item (the first one says why); only then does the
    item need automatic evidence to go on; then an error leaves it unanswered, a pass
    passes it, and findings that all say not applicable make it so. One pass over them."""
    error = None
    passed = applicable = False
    for finding in findings:
        outcome = finding.outcome
        if outcome is _FAIL:
            return ItemStatus(State.FAILED, f"probe {finding.probe}: {finding.message}")
        if outcome is _ERROR:
            error = error or finding
        elif outcome is _PASS:
            passed = True
        if outcome is not _NOT_APPLICABLE:
            applicable = True
    if item.evidence is not EvidenceMode.AUTOMATIC:
        return _NEEDS_ANSWER
    if error is not None:
        return ItemStatus(State.UNANSWERED, f"probe {error.probe} could not run: {error.message}")
    if passed:
        return _PROBES_PASSED
    if findings and not applicable:
        return _NOTHING_APPLIES
    return _NO_EVIDENCE
