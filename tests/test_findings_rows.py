"""Findings kept in the probe cache as rows come back exactly as they were, and rows that
are not such output are refused with the errors the cache takes for a miss."""

from __future__ import annotations

import json

import pytest

from prr.domain.findings import Evidence, Finding, Location, Outcome
from prr.format.findings_json import findings_from_rows, findings_to_rows

FINDINGS = [
    Finding(
        "alerts-have-runbooks",
        Outcome.FAIL,
        "HighLatency has no runbook link",
        (Location("alerts/api.yaml", 12), Location("docs/caf\udce9.md")),
        (
            Evidence(path="alerts/api.yaml", blob="a" * 40),
            Evidence(url="https://x.test/h", status=200, digest="sha256:" + "b" * 64),
        ),
        "Add a runbook_url annotation.",
    ),
    Finding("security-policy", Outcome.PASS, "SECURITY.md says how to report"),
]


def test_rows_give_back_equal_findings_that_behave_as_built_ones() -> None:
    rows = json.loads(json.dumps(findings_to_rows(FINDINGS)))  # as the cache stores them
    found = findings_from_rows(rows)
    assert found == FINDINGS
    assert {hash(f) for f in found} == {hash(f) for f in FINDINGS}
    assert repr(found[1]) == repr(FINDINGS[1])
    with pytest.raises(AttributeError):
        found[0].message = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    "rows",
    [
        [["p", "maybe", "m", [], [], ""]],  # an unknown outcome
        [["p", "pass", "m", [["a"]], [], ""]],  # a location without its line
        [["p", "pass", "m", [], [["a", None]], ""]],  # evidence of two fields, not five
        [["p", "pass", "m", [], []]],  # a row short of a field
        [None],
    ],
)
def test_rows_that_are_not_findings_are_refused(rows: list) -> None:
    with pytest.raises((KeyError, TypeError, ValueError)):
        findings_from_rows(rows)
