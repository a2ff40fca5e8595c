"""`prr report --format md`: the review as GitHub-flavoured Markdown, for a pull request,
a wiki page or the meeting's notes.

Record text is untrusted: every piece of it is escaped so it renders as the literal text
it is (no emphasis, links, HTML or table breaks from a note), and only http and https
addresses become links."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from prr.domain.status import State
from prr.report import (
    STATE_TITLES,
    STATES,
    expiry_text,
    repository_text,
    signer_status,
    status_text,
    verdict_text,
    when,
)
from prr.report.diff_text import outline

if TYPE_CHECKING:
    from prr.workflow.reporting import FindingLine, ItemLine, Pointer, Previous, ReportData

# Characters that mean something inline in CommonMark/GFM; a backslash makes each literal.
# `>` is left alone inside a line: with `<` escaped it cannot start an HTML tag; it only
# matters at the start of a line (a quote), which `lead` handles.
_INLINE = re.compile(r"([\\`*_{}\[\]<|~&#])")
_BLOCK_START = re.compile(r"^(\s*)([-+=>]|\d+(?=[.)]))")
_HREF_SAFE = ":/?#[]@!$&'*+,;=%-._~"


def text(value: str) -> str:
    """Untrusted text as literal inline Markdown; line breaks become `<br>` so it fits a
    table cell."""
    return "<br>".join(_INLINE.sub(r"\\\1", line) for line in value.split("\n"))


def lead(value: str) -> str:
    """`text` for the start of a list item, where `-`, `+`, `=`, `>` or `1.` would start a block."""
    return _BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if not m[2][0].isdigit() else f"{m[1]}{m[2]}\\", text(value))


def link(label: str, href: str | None) -> str:
    """`[label](href)` for http and https addresses, else the label as text."""
    if not href or not href.startswith(("https://", "http://")):
        return text(label)
    return f"[{text(label)}]({quote(href, safe=_HREF_SAFE)})"


def pointer(p: Pointer) -> str:
    return link(p.text, p.href) + (f" {text(p.detail)}" if p.detail else "")


def render_markdown(data: ReportData) -> str:
    record = data.record
    lines = [f"# Readiness review: {text(record.service.name)}", ""]
    lines += _summary(data)
    lines += ["", "## Verification", ""]
    lines += [f"- Status: **{text(data.status)}**, {text(status_text(data))}"]
    if data.weaker_trust:
        lines.append("- Warning: the allowed\\_signers file is inside the repository under review (weaker trust)")
    lines += [f"- Failure: {text(failure)}" for failure in data.failures]
    if data.changed:
        lines.append(f"- Stale: {len(data.changed)} file(s) changed since the review: {text(', '.join(data.changed))}")
    lines += [f"- Note: {text(note)}" for note in data.notes]
    lines += ["", "## Signers", ""]
    lines += _signers(data)
    lines += ["", "## Sections", ""]
    lines += _section_table(data)
    lines += ["", "## Blockers", ""]
    lines += [f"- **{text(b.item)}** {text(title)}: {text(b.reason)}" for b, title in data.blockers] or ["None."]
    lines += ["", "## Waivers", ""]
    lines += _waivers(data)
    lines += ["", "## Items"]
    for block in data.sections:
        lines += ["", f"### {text(block.title)}", ""]
        lines += ["| Item | Requirement | Answer | State | Evidence | Note |", "|---|---|---|---|---|---|"]
        lines += [_item_row(line) for line in block.items]
    lines += ["", "## Since the previous review", ""]
    lines += _previous(data.previous)
    return "\n".join(lines) + "\n"


def _summary(data: ReportData) -> list[str]:
    record = data.record
    commit = link(record.subject.commit[:12], data.commit_href or None)
    tier = f"tier {record.service.tier}" + (f" ({text(data.tier_name)})" if data.tier_name else "")
    folder = f", service folder {text(record.subject.service_folder)}" if record.subject.service_folder else ""
    rows = [
        ("Verdict", f"**{verdict_text(record.verdict)}** (scorer {text(record.verdict.scorer)} "
                    f"{text(record.verdict.scorer_version)})"),
        ("Service", f"{text(record.service.name)}, {tier}, owner {text(record.service.owner)}"),
        ("Checklist", f"{text(record.checklist.id)} {text(record.checklist.version)}"),
        ("Reviewed commit", f"{commit} of {text(repository_text(record.subject.repository))}{folder}"),
        ("Record", f"{text(record.id)}: {text(data.loaded.path)}"),
        ("Created", when(record.created)),
        ("Expires", when(record.expires)),
    ]  # fmt: skip
    return ["| | |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]


def _signers(data: ReportData) -> list[str]:
    if not data.signers:
        return ["No declared signers and no signatures."]
    lines = ["| Signer | Role | Signature | Key |", "|---|---|---|---|"]
    for s in data.signers:
        role = text(s.role) if s.role else "(not declared)"
        lines.append(f"| {text(s.principal)} | {role} | {text(signer_status(s.status, s.reason))} | "
                     f"{text(s.fingerprint)} |")  # fmt: skip
    commands = [s.command for s in data.signers if s.command]
    if commands:
        fence = "~" * max([3, *(len(run) + 1 for c in commands for run in re.findall("~+", c))])
        lines += ["", "Re-check each signature without prr (from the repository top, on a checkout of the commit):"]
        lines += ["", f"{fence}sh", *commands, fence]
    return lines


def _section_table(data: ReportData) -> list[str]:
    heads = " | ".join(STATE_TITLES[state] for state in STATES)
    lines = [f"| Section | Items | {heads} |", "|---|" + "--:|" * (len(STATES) + 1)]
    for block in data.sections:
        counts = " | ".join(str(block.count(state)) for state in STATES)
        lines.append(f"| {text(block.title)} | {len(block.items)} | {counts} |")
    return [*lines, "", f"Sections from: {text(data.sections_from)}."]


def _waivers(data: ReportData) -> list[str]:
    if not data.waivers:
        return ["None."]
    lines = ["| Item | Approver | Expires | Reason |", "|---|---|---|---|"]
    for w in data.waivers:
        item = f"**{text(w.waiver.item)}**" + (f"<br>{text(w.title)}" if w.title else "")
        lines.append(f"| {item} | {text(w.waiver.approver)} | {expiry_text(w)} | {text(w.waiver.reason)} |")
    return lines


def _item_row(line: ItemLine) -> str:
    item = line.item
    name = f"**{text(item.id)}**" + (f"<br>{text(line.title)}" if line.title else "")
    state = text(str(item.state)) + (" (contradicts a probe)" if item.contradicts_probe else "")
    if item.reason and str(item.state) != State.PASSED.value:
        state += f"<br>{text(item.reason)}"
    evidence = [_finding(f) for f in line.findings]
    evidence += [f"owner: {pointer(p)}" for p in line.links]
    cells = [name, text(str(item.requirement)), text(str(item.answer)), state, "<br>".join(evidence), text(item.note)]
    return "| " + " | ".join(cells) + " |"


def _finding(line: FindingLine) -> str:
    finding = line.finding
    where = ", ".join(pointer(p) for p in line.pointers)
    return f"{text(str(finding.outcome))} {text(finding.probe)}: {text(finding.message)}" + (
        f" ({where})" if where else ""
    )


def _previous(previous: Previous | None) -> list[str]:
    if previous is None:
        return ["No earlier review of this service with this checklist."]
    record = previous.loaded.record
    signed = ", ".join(previous.loaded.signed) or "nobody"
    lines = [
        f"Compared with {text(record.id)} (created {when(record.created)}, commit {record.subject.commit[:12]}, "
        f"signed by {text(signed)})."
    ]
    parts = outline(previous.diff)
    if not parts:
        return [*lines, "", "No differences."]
    for heading, entries in parts:
        lines += ["", f"### {text(heading)}", ""]
        for entry in entries:
            lines.append(f"- {lead(entry.text)}")
            lines += [f"  - {lead(detail)}" for detail in entry.details]
    return lines
