"""`prr check`: the CI gate. It passes only when a valid, approved, unexpired record
covers the source tree at the ref, for the service's checklist at its tier (a review at
a more critical tier covers a less critical one: it asked more)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prr.domain.verification import RecordStatus, Verification
from prr.workflow.verifying import VerifyOptions, committed_config, session

DEFAULT_CHECKLIST = "launch"


@dataclass(frozen=True)
class GateResult:
    passed: bool
    reason: str  # one line: why it passed, or the first thing to fix
    commit: str
    service: str
    checklist: str
    tier: int | None  # None when the service config names none
    decided_by: Verification | None  # the record the reason is about
    considered: tuple[Verification, ...]


def check(path: Path, options: VerifyOptions) -> GateResult:
    with session(path, options) as opened:
        config = committed_config(opened.objects, opened.commit, opened.service)
        checklist = config.checklist or DEFAULT_CHECKLIST
        results = [opened.checker.check(name, files) for name, files in sorted(opened.folders().items())]
    relevant = [r for r in results if _covers(r, checklist, config.tier)]
    relevant.sort(key=lambda r: (r.record is not None, r.record.created.isoformat() if r.record else ""), reverse=True)
    passing = [r for r in relevant if r.status is RecordStatus.VALID and r.record and r.record.verdict.ready]

    seen = tuple(results)

    def result(passed: bool, reason: str, decided: Verification | None) -> GateResult:
        return GateResult(passed, reason, opened.commit, opened.service, checklist, config.tier, decided, seen)

    if passing:
        record = passing[0].record
        assert record is not None
        signers = ", ".join(s.principal for s in passing[0].signatures if s.valid)
        return result(True, f"ready: {record.id} of {record.created:%Y-%m-%d}, signed by {signers}", passing[0])
    if not relevant:
        tier = f" at tier {config.tier}" if config.tier is not None else ""
        where = opened.service or "this repository"
        return result(False, f"no review record of {where} for checklist {checklist}{tier}: run prr review", None)
    newest = relevant[0]
    return result(False, _why_not(newest), newest)


def _covers(result: Verification, checklist: str, tier: int | None) -> bool:
    record = result.record
    if record is None:
        return True  # an unreadable record is reported, not skipped
    return record.checklist.id == checklist and (tier is None or record.service.tier <= tier)


def _why_not(result: Verification) -> str:
    record = result.record
    if record is None or result.failures:
        more = f" (and {len(result.failures) - 1} more)" if len(result.failures) > 1 else ""
        return f"invalid: {result.path}: {result.failures[0] if result.failures else 'unreadable'}{more}"
    reviewed = f"the review of {record.created:%Y-%m-%d}"
    if result.expired:
        return f"expired: {reviewed} expired on {record.expires:%Y-%m-%d}; review again"
    if result.changed:
        count = len(result.changed)
        return f"stale: {count} file{'s' if count != 1 else ''} changed since {reviewed}"
    blockers = ", ".join(b.item for b in record.verdict.blockers)
    return f"not ready: {reviewed} has blockers: {blockers}"
