"""Findings as plain data (for JSON output and the probe cache) and back."""

from __future__ import annotations

from typing import Any

from prr.domain.findings import Evidence, Finding, Location, Outcome


def finding_to_data(finding: Finding) -> dict[str, Any]:
    return {
        "probe": finding.probe,
        "outcome": finding.outcome.value,
        "message": finding.message,
        "locations": [{"path": loc.path, "line": loc.line} for loc in finding.locations],
        "evidence": [{key: value for key, value in vars(ev).items() if value is not None} for ev in finding.evidence],
        "remediation": finding.remediation,
    }


def finding_from_data(data: dict[str, Any]) -> Finding:
    return Finding(
        probe=data["probe"],
        outcome=Outcome(data["outcome"]),
        message=data["message"],
        locations=tuple(Location(loc["path"], loc["line"]) for loc in data["locations"]),
        evidence=tuple(Evidence(**ev) for ev in data["evidence"]),
        remediation=data["remediation"],
    )
