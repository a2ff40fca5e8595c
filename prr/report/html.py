"""`prr report --format html`: the review as one self-contained HTML file for the meeting's
screen and for paper.

One file: the CSS is inline (with print rules), there are no scripts, fonts, images or
other external assets, and a Content-Security-Policy forbids loading any. Every piece of
record text goes through `html.escape`, so a note holding `<script>` shows as that text;
only http and https addresses become links."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from prr.domain.status import State
from prr.report import (
    STATE_TITLES,
    STATES,
    expiry_text,
    repository_text,
    signer_detail,
    status_text,
    verdict_text,
    when,
)
from prr.report.diff_text import outline

if TYPE_CHECKING:
    from prr.workflow.reporting import FindingLine, ItemLine, Pointer, Previous, ReportData

_CLASS = re.compile(r"[^a-z0-9_-]")

STYLE = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b;
       max-width: 72rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .4rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #c8c8c8; padding-bottom: .2rem; margin-top: 1.8rem; }
h3 { font-size: 1.02rem; margin: 1.2rem 0 .3rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
th, td { border: 1px solid #d4d4d4; padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; font-weight: 600; }
table.facts th { width: 11rem; }
td.num, th.num { text-align: right; }
ul { margin: .2rem 0; padding-left: 1.2rem; }
.mono, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f6; padding: .5rem; }
.note { white-space: pre-wrap; }
.muted { color: #5a5a5a; }
.verdict { font-size: 1.15rem; font-weight: 600; }
.ready { color: #0b5d2a; }
.not-ready { color: #a01b1b; }
.state { font-weight: 600; white-space: nowrap; }
.state-passed, .status-valid { color: #0b5d2a; }
.state-failed, .status-invalid { color: #a01b1b; }
.state-waived, .status-stale, .status-expired, .status-unverified, .status-not-verified { color: #8a5300; }
.status-not-signed { color: #5a5a5a; }
.state-not_applicable, .state-unanswered { color: #5a5a5a; }
td, li { overflow-wrap: anywhere; }
a { color: #0b57d0; }
@media print {
  @page { margin: 14mm; }
  body { font-size: 9.5pt; max-width: none; margin: 0; padding: 0; }
  a { color: inherit; text-decoration: none; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, li, pre { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  th { background: #eee; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
""".strip()

RECHECK = "Re-check each signature without prr (from the repository top, on a checkout of the commit):"
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def e(value: str) -> str:
    """Untrusted text, escaped for HTML element content and attribute values."""
    return html.escape(value, quote=True)


def link(label: str, href: str | None) -> str:
    if not href or not href.startswith(("https://", "http://")):
        return e(label)
    return f'<a href="{e(href)}" rel="noreferrer noopener">{e(label)}</a>'


def pointer(p: Pointer) -> str:
    return link(p.text, p.href) + (f' <span class="muted">{e(p.detail)}</span>' if p.detail else "")


def _class(prefix: str, value: str) -> str:
    return f"{prefix}-{_CLASS.sub('', value.lower().replace(' ', '-'))}"


def render_html(data: ReportData) -> str:
    record = data.record
    title = f"Readiness review: {record.service.name}"
    body = [
        f"<h1>{e(title)}</h1>",
        f'<p class="verdict {"ready" if record.verdict.ready else "not-ready"}">{e(verdict_text(record.verdict))}</p>',
        *_summary(data),
        "<h2>Verification</h2>",
        *_verification(data),
        "<h2>Signers</h2>",
        *_signers(data),
        "<h2>Sections</h2>",
        *_section_table(data),
        "<h2>Blockers</h2>",
        *_list([f"<strong>{e(b.item)}</strong> {e(t)}: {e(b.reason)}" for b, t in data.blockers]),
        "<h2>Waivers</h2>",
        *_waivers(data),
        "<h2>Items</h2>",
    ]
    for block in data.sections:
        body += [f"<h3>{e(block.title)}</h3>", *_items(block.items)]
    body += ["<h2>Since the previous review</h2>", *_previous(data.previous)]
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{e(title)}</title>",
        f"<style>\n{STYLE}\n</style>",
        "</head>",
        "<body>",
    ]
    return "\n".join([*head, *body, "</body>", "</html>"]) + "\n"


def _summary(data: ReportData) -> list[str]:
    record = data.record
    tier = f"tier {record.service.tier}" + (f" ({data.tier_name})" if data.tier_name else "")
    folder = f", service folder {record.subject.service_folder}" if record.subject.service_folder else ""
    commit = f'<span class="mono">{link(record.subject.commit[:12], data.commit_href or None)}</span>'
    rows = [
        ("Scorer", e(f"{record.verdict.scorer} {record.verdict.scorer_version}")),
        ("Service", e(f"{record.service.name}, {tier}, owner {record.service.owner}")),
        ("Checklist", e(f"{record.checklist.id} {record.checklist.version}")),
        ("Reviewed commit", f"{commit} of {e(repository_text(record.subject.repository) + folder)}"),
        ("Record", f'{e(record.id)}: <span class="mono">{e(data.loaded.path)}</span>'),
        ("Created", e(when(record.created))),
        ("Expires", e(when(record.expires))),
    ]
    return ['<table class="facts">', *(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows), "</table>"]


def _verification(data: ReportData) -> list[str]:
    items = [f'<span class="state {_class("status", data.status)}">{e(data.status)}</span>, {e(status_text(data))}']
    if data.weaker_trust:
        items.append("warning: the allowed_signers file is inside the repository under review (weaker trust)")
    items += [f"failure: {e(failure)}" for failure in data.failures]
    if data.changed:
        items.append(e(f"stale: {len(data.changed)} file(s) changed since the review: {', '.join(data.changed)}"))
    items += [f"note: {e(note)}" for note in data.notes]
    return _list(items)


def _signers(data: ReportData) -> list[str]:
    if not data.signers:
        return ["<p>No declared signers and no signatures.</p>"]
    rows = ["<table>", "<thead><tr><th>Signer</th><th>Role</th><th>Signature</th><th>Key</th></tr></thead>", "<tbody>"]
    for s in data.signers:
        role = e(s.role) if s.role else '<span class="muted">not declared</span>'
        status = f'<span class="state {_class("status", s.status)}">{e(s.status)}</span>'
        reason = e(signer_detail(s.status, s.reason))
        rows.append(f"<tr><td>{e(s.principal)}</td><td>{role}</td><td>{status}{reason}</td>"
                    f'<td class="mono">{e(s.fingerprint)}</td></tr>')  # fmt: skip
    rows += ["</tbody>", "</table>"]
    commands = [s.command for s in data.signers if s.command]
    if commands:
        rows.append(
            "<p>Re-check each signature without prr (from the repository top, on a checkout of the commit):</p>"
        )
        rows.append(f"<pre>{e(chr(10).join(commands))}</pre>")
    return rows


def _section_table(data: ReportData) -> list[str]:
    heads = "".join(f'<th class="num">{STATE_TITLES[state]}</th>' for state in STATES)
    rows = ["<table>", f'<thead><tr><th>Section</th><th class="num">Items</th>{heads}</tr></thead>', "<tbody>"]
    for block in data.sections:
        counts = "".join(f'<td class="num">{block.count(state)}</td>' for state in STATES)
        rows.append(f'<tr><td>{e(block.title)}</td><td class="num">{len(block.items)}</td>{counts}</tr>')
    rows += ["</tbody>", "</table>", f'<p class="muted">Sections from: {e(data.sections_from)}.</p>']
    return rows


def _waivers(data: ReportData) -> list[str]:
    if not data.waivers:
        return ["<p>None.</p>"]
    rows = ["<table>", "<thead><tr><th>Item</th><th>Approver</th><th>Expires</th><th>Reason</th></tr></thead>",
            "<tbody>"]  # fmt: skip
    for w in data.waivers:
        lapsed = ' class="state-failed"' if w.days_left < 0 else ""
        title = f'<br><span class="muted">{e(w.title)}</span>' if w.title else ""
        rows.append(f"<tr><td><strong>{e(w.waiver.item)}</strong>{title}</td><td>{e(w.waiver.approver)}</td>"
                    f"<td{lapsed}>{e(expiry_text(w))}</td><td>{e(w.waiver.reason)}</td></tr>")  # fmt: skip
    return [*rows, "</tbody>", "</table>"]


def _items(lines: tuple[ItemLine, ...]) -> list[str]:
    rows = ["<table>", "<thead><tr><th>Item</th><th>Requirement</th><th>Answer</th><th>State</th><th>Evidence</th>"
            "<th>Note</th></tr></thead>", "<tbody>"]  # fmt: skip
    for line in lines:
        item = line.item
        title = f'<br><span class="muted">{e(line.title)}</span>' if line.title else ""
        state = f'<span class="state {_class("state", str(item.state))}">{e(str(item.state))}</span>'
        if item.contradicts_probe:
            state += "<br>contradicts a probe"
        if item.reason and str(item.state) != State.PASSED.value:
            state += f'<br><span class="muted">{e(item.reason)}</span>'
        evidence = [_finding(f) for f in line.findings] + [f"owner: {pointer(p)}" for p in line.links]
        cells = [
            f'<td><strong class="mono">{e(item.id)}</strong>{title}</td>',
            f"<td>{e(str(item.requirement))}</td>",
            f"<td>{e(str(item.answer))}</td>",
            f"<td>{state}</td>",
            f"<td>{''.join(_list(evidence)) if evidence else ''}</td>",
            f'<td class="note">{e(item.note)}</td>',
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return [*rows, "</tbody>", "</table>"]


def _finding(line: FindingLine) -> str:
    finding = line.finding
    where = ", ".join(pointer(p) for p in line.pointers)
    outcome = (
        f'<span class="state {_class("state", _outcome_state(str(finding.outcome)))}">{e(str(finding.outcome))}</span>'
    )
    return f"{outcome} {e(finding.probe)}: {e(finding.message)}" + (f" ({where})" if where else "")


def _outcome_state(outcome: str) -> str:
    return {"pass": "passed", "fail": "failed"}.get(outcome, "unanswered")


def _list(items: list[str]) -> list[str]:
    """Items already escaped, as a list; "None." when there are none."""
    if not items:
        return ["<p>None.</p>"]
    return ["<ul>", *(f"<li>{item}</li>" for item in items), "</ul>"]


def _previous(previous: Previous | None) -> list[str]:
    if previous is None:
        return ["<p>No earlier review of this service with this checklist.</p>"]
    record = previous.loaded.record
    signed = ", ".join(previous.loaded.signed) or "nobody"
    out = [f"<p>Compared with {e(record.id)} (created {e(when(record.created))}, commit "
           f'<span class="mono">{e(record.subject.commit[:12])}</span>, signed by {e(signed)}).</p>']  # fmt: skip
    parts = outline(previous.diff)
    if not parts:
        return [*out, "<p>No differences.</p>"]
    for heading, entries in parts:
        out.append(f"<h3>{e(heading)}</h3>")
        items = []
        for entry in entries:
            details = "".join(f"<li>{e(d)}</li>" for d in entry.details)
            items.append(e(entry.text) + (f"<ul>{details}</ul>" if details else ""))
        out += _list(items)
    return out
