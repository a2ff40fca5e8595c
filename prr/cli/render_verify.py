"""Text and JSON for `prr verify` (and the records `prr check` looked at)."""

from __future__ import annotations

from typing import Any

from prr.domain.verification import RecordStatus, Verification
from prr.workflow.verifying import VerifyReport

SHOWN_CHANGES = 10
VERIFY_FORMAT = "prr.verify/1"


def render_text(report: VerifyReport) -> str:
    where = report.service_folder or "the repository"
    lines = [f"Verified {len(report.results)} record(s) in {where} at {report.commit[:12]}, trusting {report.trust}"]
    if report.weaker_trust:
        lines.append("  warning: the allowed_signers file is inside the repository under review (weaker trust)")
    for result in report.results:
        lines += ["", *describe(result)]
    commands = [s.command for r in report.results for s in r.signatures]
    if commands:
        lines += ["", "Re-check each signature without prr (from the repository top, on a checkout of that commit):"]
        lines += [f"  {command}" for command in commands]
    counts = {status: sum(r.status is status for r in report.results) for status in RecordStatus}
    lines += ["", ", ".join(f"{n} {status.value}" for status, n in counts.items() if n) or "no records"]
    return "\n".join(lines)


def describe(result: Verification) -> list[str]:
    """A record's status line and its reasons, for text output."""
    lines = [f"{result.path}: {result.status.value}"]
    head = result.head
    if head is not None:
        verdict = "ready" if head.verdict.ready else "not ready"
        lines.append(
            f"  {head.service.name}, tier {head.service.tier}, {head.checklist.id} {head.checklist.version}: "
            f"{verdict} ({head.verdict.scorer} {head.verdict.scorer_version}, score {head.verdict.score}); "
            f"reviewed {head.created:%Y-%m-%d} at {head.subject.commit[:12]}, expires {head.expires:%Y-%m-%d}"
        )
    valid = [f"{s.principal} ({s.fingerprint})" for s in result.signatures if s.valid]
    lines.append(f"  signed by: {', '.join(valid) or 'no valid signature'}")
    lines += [f"  - {failure}" for failure in result.failures]
    if result.expired and head is not None:
        lines.append(f"  - expired on {head.expires:%Y-%m-%d %H:%M}Z")
    if result.changed:
        lines.append(f"  - stale: {len(result.changed)} file(s) changed since the review: {_some(result.changed)}")
    lines += [f"  note: {note}" for note in result.notes]
    return lines


def render_json(report: VerifyReport) -> dict[str, Any]:
    return {
        "format": VERIFY_FORMAT,
        "commit": report.commit,
        "service_folder": report.service_folder,
        "trust": {"allowed_signers": report.trust, "in_repository": report.weaker_trust},
        "valid": report.all_valid,
        "records": [as_json(result) for result in report.results],
    }


def as_json(result: Verification) -> dict[str, Any]:
    head = result.head
    return {
        "path": result.path,
        "status": result.status.value,
        "id": head.id if head else None,
        "service": {"name": head.service.name, "tier": head.service.tier} if head else None,
        "commit": head.subject.commit if head else None,
        "created": head.created.isoformat().replace("+00:00", "Z") if head else None,
        "expires": head.expires.isoformat().replace("+00:00", "Z") if head else None,
        "ready": head.verdict.ready if head else None,
        "failures": list(result.failures),
        "expired": result.expired,
        "changed": list(result.changed),
        "notes": list(result.notes),
        "signatures": [
            {
                "principal": s.principal,
                "path": s.path,
                "fingerprint": s.fingerprint,
                "valid": s.valid,
                "reason": s.reason,
                "ssh_keygen": s.command,
            }
            for s in result.signatures
        ],
    }


def _some(paths: tuple[str, ...]) -> str:
    shown = ", ".join(paths[:SHOWN_CHANGES])
    return shown + (f", and {len(paths) - SHOWN_CHANGES} more" if len(paths) > SHOWN_CHANGES else "")
