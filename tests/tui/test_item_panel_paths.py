"""The item panel prints what a finding cites, whatever the committed file names hold."""

from __future__ import annotations

from prr.domain.findings import Evidence, Finding, Location, Outcome
from prr.tui.widgets.item_panel import _finding

RAW = "runbooks/caf\udce9.md"  # git's name bytes b"caf\xe9.md", kept as a surrogate escape


def test_a_cited_path_that_is_not_utf8_is_shown_escaped_and_encodes_as_utf8() -> None:
    finding = Finding("runbook-present", Outcome.PASS, "a runbook", (Location(RAW, 3),), (Evidence(RAW, "ab" * 20),))
    shown = _finding(finding).plain
    assert "at runbooks/caf\\xe9.md:3" in shown
    assert "runbooks/caf\\xe9.md · blob abababababab" in shown
    shown.encode("utf-8")  # strict: a raw surrogate would raise when the terminal is written
