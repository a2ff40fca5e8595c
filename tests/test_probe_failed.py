"""A probe that raises costs one finding, whose message every output can print."""

from __future__ import annotations

from prr.domain.findings import Outcome, probe_failed


def test_a_probe_that_raises_gives_one_printable_line_of_error() -> None:
    raised = ValueError("cannot read runbooks/caf\udce9.md:\n\tline 3: unexpected ':'")
    found = probe_failed("runbook-present", raised)
    assert (found.probe, found.outcome) == ("runbook-present", Outcome.ERROR)
    assert found.message == "probe failed: ValueError: cannot read runbooks/caf\\xe9.md: line 3: unexpected ':'"
    found.message.encode("utf-8")  # strict: a lone surrogate would raise here


def test_a_huge_exception_message_is_cut() -> None:
    found = probe_failed("runbook-present", RuntimeError("x" * 100_000))
    assert len(found.message) < 1100
