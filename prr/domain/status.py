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


def _answered(answer: Answer, at: dt.datetime) -> ItemStatus:
    if answer.kind is AnswerKind.PASS:
        return ItemStatus(State.PASSED, "answered pass")
    if answer.kind is AnswerKind.FAIL:
        return ItemStatus(State.FAILED, "answered fail")
    if answer.kind is AnswerKind.NOT_APPLICABLE:
        return ItemStatus(State.NOT_APPLICABLE, answer.reason or "not applicable")
    waiver = answer.waiver
    if waiver is None or not waiver.approver.strip():
        return ItemStatus(State.FAILED, "waiver has no approver")
    if not waiver.active_at(at):
        return ItemStatus(State.FAILED, f"waiver expired on {waiver.expires.isoformat()}")
    return ItemStatus(State.WAIVED, f"waived by {waiver.approver} until {waiver.expires.isoformat()}")


def _from_findings(item: Item, findings: tuple[Finding, ...]) -> ItemStatus:
    failing = [f for f in findings if f.outcome is Outcome.FAIL]
    if failing:
        return ItemStatus(State.FAILED, f"probe {failing[0].probe}: {failing[0].message}")
    if item.evidence is not EvidenceMode.AUTOMATIC:
        return ItemStatus(State.UNANSWERED, "needs an answer")
    errors = [f for f in findings if f.outcome is Outcome.ERROR]
    if errors:
        return ItemStatus(State.UNANSWERED, f"probe {errors[0].probe} could not run: {errors[0].message}")
    if any(f.outcome is Outcome.PASS for f in findings):
        return ItemStatus(State.PASSED, "probes passed")
    if findings and all(f.outcome is Outcome.NOT_APPLICABLE for f in findings):
        return ItemStatus(State.NOT_APPLICABLE, "probes found nothing this applies to")
    return ItemStatus(State.UNANSWERED, "no evidence yet")
