"""Rebuild what a record's scorer saw, so verification can score it again and compare.

A record keeps each item's answer, findings and the waivers in force; from those the
same scorer at the same time must give the same verdict, or the record was edited."""

from __future__ import annotations

from prr.domain.answers import Answer, AnswerKind, Waiver
from prr.domain.record import Record, RecordAnswer, VerdictRef
from prr.domain.status import ItemOutcome
from prr.domain.verdict import Verdict


def recorded_outcomes(record: Record) -> dict[str, ItemOutcome]:
    """Each item's answer and findings as the record states them."""
    waivers = {w.item: w for w in record.waivers}
    unanswered = RecordAnswer.UNANSWERED  # looked up once: an enum member costs a class lookup each time
    outcomes = {}
    for item in record.items:
        answer = None
        if item.answer != unanswered:
            kind = AnswerKind(str(item.answer))
            waiver = waivers.get(item.id)
            answer = Answer(
                kind,
                note=item.note,
                reason=item.reason if kind is AnswerKind.NOT_APPLICABLE else "",
                waiver=Waiver(waiver.reason, waiver.approver, waiver.expires) if waiver else None,
                links=item.links,
            )
        outcomes[item.id] = ItemOutcome(item.id, answer, item.findings)
    return outcomes


def verdict_differences(recorded: VerdictRef, recomputed: Verdict) -> list[str]:
    """Each way the recorded verdict differs from the recomputed one."""
    again = VerdictRef.from_verdict(recomputed)
    found = []
    for name in ("ready", "score", "level", "scorer", "scorer_version"):
        if getattr(recorded, name) != getattr(again, name):
            found.append(
                f"verdict.{name} is {getattr(recorded, name)!r} but scoring again gives {getattr(again, name)!r}"
            )
    if {b.item for b in recorded.blockers} != {b.item for b in again.blockers}:
        found.append(
            f"verdict.blockers name {sorted(b.item for b in recorded.blockers)} "
            f"but scoring again gives {sorted(b.item for b in again.blockers)}"
        )
    return found
