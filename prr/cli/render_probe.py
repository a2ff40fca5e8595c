"""`prr probe` output: text for people, JSON (documented in docs/probe-output.md) for scripts."""

from __future__ import annotations

from prr.cli.indented_json import Verbatim, dumps_indented
from prr.domain.findings import Finding, Outcome
from prr.domain.text import printable
from prr.exit_codes import ExitCode
from prr.format.findings_json import finding_json
from prr.workflow.probing import ItemEvidence, ProbeReport

SCHEMA = "prr.probe/1"
_LABEL = {Outcome.PASS: "PASS", Outcome.FAIL: "FAIL", Outcome.ERROR: "ERROR", Outcome.NOT_APPLICABLE: "N/A"}


def exit_code(report: ProbeReport) -> ExitCode:
    """1 when a probe failed, else 3 when a probe could not run, else 0."""
    outcomes = {f.outcome for item in report.items for f in item.findings}
    if Outcome.FAIL in outcomes:
        return ExitCode.NOT_READY
    if Outcome.ERROR in outcomes:
        return ExitCode.TOOL
    return ExitCode.READY


def render_json(report: ProbeReport) -> str:
    """The JSON document (schema prr.probe/1), indented, each finding on one line: a
    whole-monorepo review holds some 20,000 of them."""
    document = {
        "schema": SCHEMA,
        "repository": str(report.top),
        "service_folder": report.prefix,
        "commit": report.commit,
        "checklist": {
            "id": report.pack.id,
            "version": report.pack.version,
            "sources": [{"name": s.name, "sha256": s.sha256} for s in report.pack.sources],
        },
        "tier": report.tier,
        "summary": _counts(report),
        "items": [
            {
                "id": ev.item.id,
                "section": ev.item.section,
                "title": ev.item.title,
                "requirement": ev.requirement.value,
                "evidence_mode": ev.item.evidence.value,
                "outcome": ev.outcome.value if ev.outcome else None,
                "findings": [Verbatim(finding_json(f)) for f in ev.findings],
                "not_run": list(ev.waiting),
            }
            for ev in report.items
            if ev.item.probes
        ],
        "probes_run": report.probes_run,
        "probes_cached": report.probes_cached,
        "notes": report.notes,
        "uncommitted_evidence": report.uncommitted,
    }
    return dumps_indented(document)


def render_text(report: ProbeReport) -> str:
    pack = report.pack
    where = f"{report.top}/{report.prefix}" if report.prefix else str(report.top)
    lines = [
        f"prr probe: {where} at {report.commit[:12]}, {pack.id} {pack.version}, tier {report.tier}",
        "Evidence comes from the commit, not the working tree.",
    ]
    if report.uncommitted:
        lines.append(f"Uncommitted changes to evidence files (commit them to count): {', '.join(report.uncommitted)}")
    by_section: dict[str, list[ItemEvidence]] = {}
    for ev in report.items:
        if ev.item.probes:
            by_section.setdefault(ev.item.section, []).append(ev)
    for section in pack.sections:
        evidence = by_section.get(section.id)
        if not evidence:
            continue
        lines += ["", section.title]
        for ev in evidence:
            label = _LABEL[ev.outcome] if ev.outcome else "--"
            lines.append(f"  {label:<5} {ev.item.id}  ({ev.requirement.value}) {ev.item.title}")
            lines += [f"        {line}" for f in ev.findings for line in _finding_lines(f)]
            lines += [f"        not run: {why}" for why in ev.waiting]
    counts = _counts(report)
    lines += [
        "",
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['error']} could not run, "
        f"{counts['not_applicable']} not applicable; {counts['waiting']} items wait for endpoint probes; "
        f"{counts['manual']} items need an answer from you.",
        f"{report.probes_run} probes run, {report.probes_cached} reused from the cache.",
    ]
    if report.notes:
        lines += ["", "Notes:"] + [f"  {note}" for note in report.notes]
    return "\n".join(lines)


def _finding_lines(finding: Finding) -> list[str]:
    where = ", ".join(
        printable(loc.path) if loc.line is None else f"{printable(loc.path)}:{loc.line}" for loc in finding.locations
    )
    head = f"{finding.probe}: {finding.outcome.value}: {finding.message}" + (f" ({where})" if where else "")
    lines = [head]
    if finding.outcome is Outcome.FAIL and finding.remediation:
        lines.append(f"  fix: {finding.remediation}")
    return lines


def _counts(report: ProbeReport) -> dict[str, int]:
    counts = {"pass": 0, "fail": 0, "error": 0, "not_applicable": 0, "waiting": 0, "manual": 0}
    for ev in report.items:
        if not ev.item.probes:
            counts["manual"] += 1
        elif ev.outcome is not None:
            counts[ev.outcome.value] += 1
        elif ev.waiting:
            counts["waiting"] += 1
    return counts
