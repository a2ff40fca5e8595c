"""Findings as plain data and back: rows for the probe cache, JSON text for `prr probe`.

A whole-monorepo review has some 20,000 findings, so both directions avoid building a
dict per finding: the cache keeps each finding as a row (a JSON array), and the JSON
output is written field by field with the standard library's C string encoder."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from prr.domain.findings import Evidence, Finding, Location, Outcome
from prr.domain.text import printable
from prr.format.built import built

_OUTCOMES = {outcome.value: outcome for outcome in Outcome}
_string = json.encoder.encode_basestring  # JSON string literal, non-ASCII kept as is


def findings_to_rows(findings: Iterable[Finding]) -> list[list[Any]]:
    return [
        [
            f.probe,
            f.outcome.value,
            f.message,
            [[loc.path, loc.line] for loc in f.locations],
            [[ev.path, ev.blob, ev.url, ev.status, ev.digest] for ev in f.evidence],
            f.remediation,
        ]
        for f in findings
    ]


def findings_from_rows(rows: list[list[Any]]) -> list[Finding]:
    """Findings from `findings_to_rows` output; KeyError, TypeError or ValueError when
    the rows are not such output. The objects are made as pickle makes them (see
    `built`): a warm whole-monorepo review loads some 300,000 from the cache."""
    return [
        built(
            Finding,
            {
                "probe": probe,
                "outcome": _OUTCOMES[outcome],
                "message": message,
                "locations": tuple([built(Location, {"path": path, "line": line}) for path, line in locations]),
                "evidence": tuple([built(Evidence, dict(zip(_EVIDENCE, row, strict=True))) for row in evidence]),
                "remediation": remediation,
            },
        )
        for probe, outcome, message, locations, evidence, remediation in rows
    ]


_EVIDENCE = ("path", "blob", "url", "status", "digest")  # Evidence's fields, in its rows' order


def finding_json(finding: Finding) -> str:
    """One finding as a JSON object on one line (schema prr.probe/1), paths that are not
    UTF-8 as printable escapes."""
    locations = ", ".join(f'{{"path": {_path(loc.path)}, "line": {_number(loc.line)}}}' for loc in finding.locations)
    evidence = ", ".join(_evidence(ev) for ev in finding.evidence)
    return (
        f'{{"probe": {_string(finding.probe)}, "outcome": "{finding.outcome.value}", '
        f'"message": {_string(finding.message)}, "locations": [{locations}], "evidence": [{evidence}], '
        f'"remediation": {_string(finding.remediation)}}}'
    )


def _evidence(ev: Evidence) -> str:
    fields = []
    if ev.path is not None:
        fields.append(f'"path": {_path(ev.path)}')
    for name, value in (("blob", ev.blob), ("url", ev.url)):
        if value is not None:
            fields.append(f'"{name}": {_string(value)}')
    if ev.status is not None:
        fields.append(f'"status": {_number(ev.status)}')
    if ev.digest is not None:
        fields.append(f'"digest": {_string(ev.digest)}')
    return "{" + ", ".join(fields) + "}"


def _path(path: str) -> str:
    return _string(path if path.isascii() else printable(path))


def _number(value: int | None) -> str:
    return "null" if value is None else str(value) if type(value) is int else json.dumps(value)
