"""JUnit XML for `prr probe`: CI test-report views (GitLab, Jenkins) show each item as a
test case, one suite per section, without knowing anything about prr."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from prr.domain.findings import Finding, Outcome
from prr.domain.text import printable

if TYPE_CHECKING:
    from prr.workflow.probing import ItemEvidence, ProbeReport

# XML 1.0 cannot carry these at all, even escaped; a repository path may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_COUNTS = ("tests", "failures", "errors", "skipped")


def probe_junit(report: ProbeReport) -> str:
    """A failed item is a `<failure>`, a probe that could not run an `<error>`, an item
    still waiting (for an endpoint, or a probe this prr lacks) is `<skipped>`."""
    root = ET.Element("testsuites", name="prr probe")
    totals = dict.fromkeys(_COUNTS, 0)
    for section in report.pack.sections:
        evidence = [ev for ev in report.items if ev.item.probes and ev.item.section == section.id]
        if not evidence:
            continue
        suite = ET.SubElement(root, "testsuite", name=_text(section.title))
        counts = dict.fromkeys(_COUNTS, 0)
        for ev in evidence:
            counts["tests"] += 1
            kind = _case(suite, report.pack.id, ev)
            if kind:
                counts[kind] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _case(suite: ET.Element, pack: str, ev: ItemEvidence) -> str | None:
    """Add the item's test case; return which count it adds to, if any."""
    case = ET.SubElement(suite, "testcase", classname=f"{pack}.{ev.item.section}", name=ev.item.id)
    failed = [f for f in ev.findings if f.outcome is Outcome.FAIL]
    errors = [f for f in ev.findings if f.outcome is Outcome.ERROR]
    kind = None
    if failed:
        kind = "failures"
        _problem(case, "failure", ev.requirement.value, failed)
    elif errors:
        kind = "errors"
        _problem(case, "error", "probe-error", errors)
    elif ev.outcome is None:
        kind = "skipped"
        waiting = "; ".join(ev.waiting) or "no probe reported a finding"
        ET.SubElement(case, "skipped", message=_text(waiting))
    lines = [f"{ev.item.title} ({ev.requirement.value})"]
    lines += [_line(f) for f in ev.findings if f.outcome in (Outcome.PASS, Outcome.NOT_APPLICABLE)]
    ET.SubElement(case, "system-out").text = _text("\n".join(lines))
    return kind


def _problem(case: ET.Element, tag: str, kind: str, findings: list[Finding]) -> None:
    element = ET.SubElement(case, tag, message=_text(findings[0].message), type=kind)
    lines = []
    for finding in findings:
        lines.append(_line(finding))
        if finding.outcome is Outcome.FAIL and finding.remediation:
            lines.append(f"  fix: {finding.remediation}")
    element.text = _text("\n".join(lines))


def _line(finding: Finding) -> str:
    where = ", ".join(
        printable(loc.path) if loc.line is None else f"{printable(loc.path)}:{loc.line}" for loc in finding.locations
    )
    return f"{finding.probe}: {finding.outcome.value}: {finding.message}" + (f" ({where})" if where else "")


def _text(text: str) -> str:
    """Text XML can carry: a probe message may quote a path that is not UTF-8, or holds
    control characters."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m[0]):02x}", printable(text))
