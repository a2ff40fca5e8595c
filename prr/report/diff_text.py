"""A record diff as plain lines: `prr diff`'s text output, and the "since the previous
review" part of the Markdown and HTML reports, which escape these lines their own way."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prr.domain.record import Signer, VerdictRef, WaiverRef
from prr.report import verdict_text, when
from prr.workflow.record_diff import EvidenceChange, ItemDiff, RecordDiff, WaiverDiff

if TYPE_CHECKING:
    from prr.workflow.reporting import LoadedRecord

ARROW = "->"


@dataclass(frozen=True)
class Entry:
    text: str
    details: tuple[str, ...] = ()


def outline(diff: RecordDiff) -> list[tuple[str, list[Entry]]]:
    """(heading, entries) for each part of the diff that has something in it."""
    parts: list[tuple[str, list[Entry]]] = []
    facts = [Entry(f"{c.field}: {c.old} {ARROW} {c.new}") for c in diff.facts if c.field != "commit"]
    if facts:
        parts.append(("Review", facts))
    verdict = _verdict(diff)
    if verdict:
        parts.append(("Verdict", verdict))
    items = _items(diff)
    if items:
        parts.append(("Items", items))
    if diff.waivers:
        parts.append(("Waivers", [_waiver(w) for w in diff.waivers]))
    signers = _signers(diff)
    if signers:
        parts.append(("Signers", signers))
    return parts


def render_text(old: LoadedRecord, new: LoadedRecord, diff: RecordDiff) -> str:
    """`prr diff`'s text output."""
    lines = [f"old: {_describe(old)}", f"new: {_describe(new)}"]
    parts = outline(diff)
    if not parts:
        lines += ["", "No differences."]
    for heading, entries in parts:
        lines += ["", f"{heading}:"]
        for entry in entries:
            lines.append(f"  {entry.text}")
            lines += [f"    {detail}" for detail in entry.details]
    return "\n".join(lines)


def _describe(loaded: LoadedRecord) -> str:
    record = loaded.record
    where = "" if loaded.committed else ", not committed"
    return f"{loaded.path} (created {when(record.created)}, commit {record.subject.commit[:12]}{where})"


def quoted(text: str) -> str:
    """Free text on one line, in quotes, with its line breaks shown as \\n."""
    return json.dumps(text, ensure_ascii=False)


def _verdict(diff: RecordDiff) -> list[Entry]:
    out = []
    fields = {c.field for c in diff.verdict.changes}
    if fields & {"ready", "score", "level"}:
        out.append(Entry(f"{verdict_text(diff.verdict.old)} {ARROW} {verdict_text(diff.verdict.new)}"))
    if "scorer" in fields:
        out.append(Entry(f"scorer: {_scorer(diff.verdict.old)} {ARROW} {_scorer(diff.verdict.new)}"))
    if diff.verdict.blockers_added:
        out.append(Entry(f"blockers added: {', '.join(diff.verdict.blockers_added)}"))
    if diff.verdict.blockers_removed:
        out.append(Entry(f"blockers removed: {', '.join(diff.verdict.blockers_removed)}"))
    return out


def _scorer(verdict: VerdictRef) -> str:
    return f"{verdict.scorer} {verdict.scorer_version}"


def _items(diff: RecordDiff) -> list[Entry]:
    out = []
    if diff.items_added:
        out.append(Entry(f"added: {', '.join(diff.items_added)}"))
    if diff.items_removed:
        out.append(Entry(f"removed: {', '.join(diff.items_removed)}"))
    out += [Entry(item.id, _item_details(item)) for item in diff.items_changed]
    return out


def _item_details(item: ItemDiff) -> tuple[str, ...]:
    out = []
    for change in item.changes:
        if change.field in ("note", "reason"):
            out.append(f"{change.field}: {quoted(change.old)} {ARROW} {quoted(change.new)}")
        else:
            out.append(f"{change.field}: {change.old} {ARROW} {change.new}")
    out += [f"link added: {link}" for link in item.links_added]
    out += [f"link removed: {link}" for link in item.links_removed]
    out += [evidence_text(change) for change in item.evidence]
    return tuple(out)


def evidence_text(change: EvidenceChange) -> str:
    head = f"probe {change.probe}"
    if change.kind == "added":
        return f"{head}: added ({change.new})"
    if change.kind == "removed":
        return f"{head}: removed (was {change.old})"
    if change.kind == "outcome":
        return f"{head}: outcome {change.old} {ARROW} {change.new}"
    if change.kind == "message":
        return f"{head}: message {quoted(change.old)} {ARROW} {quoted(change.new)}"
    if change.kind == "blob":
        return f"{head}: {change.subject}: blob {_short(change.old)} {ARROW} {_short(change.new)}"
    if change.kind == "status":
        return f"{head}: {change.subject}: HTTP {change.old or '(none)'} {ARROW} {change.new or '(none)'}"
    return f"{head}: {change.subject}: body {_short(change.old)} {ARROW} {_short(change.new)}"


def _short(value: str) -> str:
    if not value:
        return "(none)"
    if value.startswith("sha256:"):
        return value[:19]
    return value[:12]


def _waiver(change: WaiverDiff) -> Entry:
    if change.old is None and change.new is not None:
        return Entry(f"added: {change.item}: {_waiver_text(change.new)}")
    if change.new is None and change.old is not None:
        return Entry(f"removed: {change.item}: {_waiver_text(change.old)}")
    assert change.old is not None and change.new is not None
    details = []
    if change.old.approver != change.new.approver:
        details.append(f"approver: {change.old.approver} {ARROW} {change.new.approver}")
    if change.old.expires != change.new.expires:
        details.append(f"expires: {change.old.expires.isoformat()} {ARROW} {change.new.expires.isoformat()}")
    if change.old.reason != change.new.reason:
        details.append(f"reason: {quoted(change.old.reason)} {ARROW} {quoted(change.new.reason)}")
    return Entry(f"changed: {change.item}", tuple(details))


def _waiver_text(waiver: WaiverRef) -> str:
    return f"approved by {waiver.approver} until {waiver.expires.isoformat()}: {quoted(waiver.reason)}"


def _signers(diff: RecordDiff) -> list[Entry]:
    change = diff.signers
    out = []
    if change.signed_added:
        out.append(Entry(f"signatures added: {', '.join(change.signed_added)}"))
    if change.signed_removed:
        out.append(Entry(f"signatures removed: {', '.join(change.signed_removed)}"))
    if change.declared_added:
        out.append(Entry(f"declared signers added: {_declared(change.declared_added)}"))
    if change.declared_removed:
        out.append(Entry(f"declared signers removed: {_declared(change.declared_removed)}"))
    out += [Entry(f"role of {c.field}: {c.old} {ARROW} {c.new}") for c in change.roles_changed]
    return out


def _declared(signers: tuple[Signer, ...]) -> str:
    return ", ".join(f"{s.principal} ({s.role})" for s in signers)
