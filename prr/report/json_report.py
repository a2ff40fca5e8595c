"""`prr report --format json` (`prr.report/1`) and `prr diff --format json` (`prr.diff/1`).

The shapes are an API, documented in docs/reports.md: keys are only ever added. Times are
RFC 3339 UTC strings with `Z`, dates `YYYY-MM-DD`, and a value that is absent is `null`,
never a missing key."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from prr.domain.findings import Evidence, Finding
from prr.domain.record import Record, RecordItem, Signer, VerdictRef, WaiverRef
from prr.domain.redaction import redact_url
from prr.report import STATES, iso, repository_text
from prr.workflow.record_diff import RecordDiff

if TYPE_CHECKING:
    from prr.workflow.reporting import ItemLine, LoadedRecord, Pointer, ReportData, SectionBlock

REPORT_FORMAT = "prr.report/1"
DIFF_FORMAT = "prr.diff/1"


def dumps(document: dict[str, Any]) -> str:
    """The one JSON layout both commands print: indented, keys in a fixed order, UTF-8."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def report_json(data: ReportData) -> dict[str, Any]:
    record = data.record
    return {
        "format": REPORT_FORMAT,
        "record": _record_ref(data.loaded),
        "service": {
            "name": record.service.name,
            "tier": record.service.tier,
            "tier_name": data.tier_name,
            "owner": record.service.owner,
        },
        "subject": {
            "repository": repository_text(record.subject.repository),
            "commit": record.subject.commit,
            "source_tree": record.subject.source_tree,
            "object_format": str(record.subject.object_format),
            "service_folder": record.subject.service_folder,
            "link_base": data.link_base or None,
        },
        "checklist": {
            "id": record.checklist.id,
            "version": record.checklist.version,
            "sha256": record.checklist.sha256,
            "sections_from": data.sections_from,
        },
        "verdict": {
            **_verdict(record.verdict),
            "blockers": [{"item": b.item, "title": title, "reason": b.reason} for b, title in data.blockers],
        },
        "verification": {
            "ref": data.ref,
            "commit": data.commit,
            "checked_at": iso(data.checked_at),
            "status": data.status,
            "signatures_verified": data.signatures_verified,
            "trust": {"allowed_signers": data.trust or None, "in_repository": data.weaker_trust},
            "failures": list(data.failures),
            "changed": list(data.changed),
            "notes": list(data.notes),
        },
        "signers": [
            {
                "principal": s.principal,
                "role": s.role or None,
                "declared": bool(s.role),
                "signed": s.signed,
                "status": s.status,
                "reason": s.reason,
                "fingerprint": s.fingerprint or None,
                "ssh_keygen": s.command or None,
            }
            for s in data.signers
        ],
        "sections": [_section(block) for block in data.sections],
        "waivers": [
            {**_waiver(line.waiver), "title": line.title, "days_left": line.days_left, "lapsed": line.days_left < 0}
            for line in data.waivers
        ],
        "previous": None
        if data.previous is None
        else {**_record_ref(data.previous.loaded), "diff": diff_body(data.previous.diff)},
    }


def diff_json(old: LoadedRecord, new: LoadedRecord, diff: RecordDiff) -> dict[str, Any]:
    return {"format": DIFF_FORMAT, "old": _record_ref(old), "new": _record_ref(new), **diff_body(diff)}


def diff_body(diff: RecordDiff) -> dict[str, Any]:
    """The differences themselves, shared by `prr.diff/1` and the report's `previous.diff`."""
    return {
        "empty": diff.empty,
        "facts": [{"field": c.field, "old": c.old, "new": c.new} for c in diff.facts],
        "verdict": {
            "old": _verdict(diff.verdict.old),
            "new": _verdict(diff.verdict.new),
            "changed": [c.field for c in diff.verdict.changes],
            "blockers_added": list(diff.verdict.blockers_added),
            "blockers_removed": list(diff.verdict.blockers_removed),
        },
        "items": {
            "added": list(diff.items_added),
            "removed": list(diff.items_removed),
            "changed": [
                {
                    "id": item.id,
                    "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in item.changes],
                    "links_added": list(item.links_added),
                    "links_removed": list(item.links_removed),
                    "evidence": [
                        {"probe": e.probe, "kind": e.kind, "subject": e.subject, "old": e.old, "new": e.new}
                        for e in item.evidence
                    ],
                }
                for item in diff.items_changed
            ],
        },
        "waivers": {
            "added": [_waiver(w.new) for w in diff.waivers if w.old is None and w.new is not None],
            "removed": [_waiver(w.old) for w in diff.waivers if w.new is None and w.old is not None],
            "changed": [
                {"item": w.item, "old": _waiver(w.old), "new": _waiver(w.new)}
                for w in diff.waivers
                if w.old is not None and w.new is not None
            ],
        },
        "signers": {
            "signatures_added": list(diff.signers.signed_added),
            "signatures_removed": list(diff.signers.signed_removed),
            "declared_added": [_signer(s) for s in diff.signers.declared_added],
            "declared_removed": [_signer(s) for s in diff.signers.declared_removed],
            "roles_changed": [{"principal": c.field, "old": c.old, "new": c.new} for c in diff.signers.roles_changed],
        },
    }


def _record_ref(loaded: LoadedRecord) -> dict[str, Any]:
    record: Record = loaded.record
    return {
        "id": record.id,
        "path": loaded.path,
        "committed": loaded.committed,
        "created": iso(record.created),
        "expires": iso(record.expires),
        "prr_version": record.prr_version,
        "commit": record.subject.commit,
        "signed_by": list(loaded.signed),
    }


def _verdict(verdict: VerdictRef) -> dict[str, Any]:
    return {
        "ready": verdict.ready,
        "score": verdict.score,
        "level": verdict.level,
        "scorer": verdict.scorer,
        "scorer_version": verdict.scorer_version,
    }


def _waiver(waiver: WaiverRef) -> dict[str, Any]:
    return {"item": waiver.item, "reason": waiver.reason, "approver": waiver.approver,
            "expires": waiver.expires.isoformat()}  # fmt: skip


def _signer(signer: Signer) -> dict[str, str]:
    return {"principal": signer.principal, "role": signer.role}


def _section(block: SectionBlock) -> dict[str, Any]:
    return {
        "id": block.id,
        "title": block.title,
        "counts": {state.value: block.count(state) for state in STATES},
        "items": [_item(line) for line in block.items],
    }


def _item(line: ItemLine) -> dict[str, Any]:
    item: RecordItem = line.item
    return {
        "id": item.id,
        "title": line.title,
        "requirement": str(item.requirement),
        "answer": str(item.answer),
        "state": str(item.state),
        "reason": item.reason,
        "note": item.note,
        "contradicts_probe": item.contradicts_probe,
        "links": [_pointer(p) for p in line.links],
        "findings": [_finding(f.finding, f.pointers) for f in line.findings],
    }


def _finding(finding: Finding, pointers: tuple[Pointer, ...]) -> dict[str, Any]:
    return {
        "probe": finding.probe,
        "outcome": str(finding.outcome),
        "message": finding.message,
        "remediation": finding.remediation,
        "locations": [{"path": loc.path, "line": loc.line} for loc in finding.locations],
        "evidence": [_evidence(e) for e in finding.evidence],
        "links": [_pointer(p) for p in pointers],
    }


def _evidence(evidence: Evidence) -> dict[str, Any]:
    url = redact_url(evidence.url) if evidence.url else None
    return {"path": evidence.path, "blob": evidence.blob, "url": url, "status": evidence.status,
            "digest": evidence.digest}  # fmt: skip


def _pointer(pointer: Pointer) -> dict[str, Any]:
    return {"text": pointer.text, "href": pointer.href, "detail": pointer.detail}
