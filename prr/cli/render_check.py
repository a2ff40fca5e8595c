"""Text, JSON and JUnit XML for `prr check`, the CI gate."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from prr.cli.render_verify import as_json, describe
from prr.workflow.gate import GateResult

CHECK_FORMAT = "prr.check/1"


def render_text(result: GateResult) -> str:
    """The decision on the first line (CI shows it alone), then what it was measured
    against: the tier and where it came from when CI did not pin it, the record that
    decided when it overrules an older ready one, and that record's details."""
    lines = [f"{'PASS' if result.passed else 'FAIL'} {result.reason}"]
    if not result.tier_pinned:
        lines.append(f"required: tier {result.tier} ({result.tier_from}); pin the tier in CI with --tier")
    if result.decided_by is not None and result.decided_by.head is not None and result.superseded:
        older = ", ".join(r.head.id for r in result.superseded if r.head is not None)
        lines.append(
            f"decided by {result.decided_by.head.id}, the newest valid review of this code; "
            f"it supersedes the ready {older}"
        )
    if result.decided_by is not None:
        lines += ["", *describe(result.decided_by)]
    return "\n".join(lines)


def render_json(result: GateResult) -> dict[str, Any]:
    return {
        "format": CHECK_FORMAT,
        "passed": result.passed,
        "reason": result.reason,
        "commit": result.commit,
        "service_folder": result.service,
        "checklist": result.checklist,
        "tier": result.tier,
        "tier_from": result.tier_from,
        "tier_pinned": result.tier_pinned,
        "record": result.decided_by.path if result.decided_by else None,
        "superseded": [r.path for r in result.superseded],
        "records": [as_json(r) for r in result.considered],
    }


def render_junit(result: GateResult) -> str:
    """One test case for the gate, and one per record looked at, so a CI page shows both
    the answer and every record's reasons."""
    suite = ET.Element("testsuite", name="prr check", tests=str(1 + len(result.considered)))
    failures = 0
    gate = ET.SubElement(suite, "testcase", classname="prr.check", name=f"review covers {result.commit[:12]}")
    if not result.passed:
        failures += 1
        ET.SubElement(gate, "failure", message=result.reason, type="not-covered").text = result.reason
    for record in result.considered:
        case = ET.SubElement(suite, "testcase", classname="prr.record", name=record.path)
        reasons = list(record.failures) + (["expired"] if record.expired else [])
        if reasons:
            failures += 1
            ET.SubElement(case, "failure", message=reasons[0], type=record.status.value).text = "\n".join(reasons)
        elif record.changed:
            ET.SubElement(case, "system-out").text = f"stale: {len(record.changed)} file(s) changed since the review"
    suite.set("failures", str(failures))
    root = ET.Element("testsuites", name="prr", tests=suite.get("tests", "0"), failures=str(failures))
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
