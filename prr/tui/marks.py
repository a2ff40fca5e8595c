"""How states and probe outcomes look: one glyph and one colour each, used everywhere.

The glyph carries the meaning on its own, so the app reads the same under NO_COLOR."""

from __future__ import annotations

from prr.domain.findings import Outcome
from prr.domain.status import State

STATE_MARKS: dict[State, tuple[str, str]] = {
    State.PASSED: ("✓", "green"),
    State.FAILED: ("✗", "red"),
    State.WAIVED: ("≈", "yellow"),
    State.NOT_APPLICABLE: ("\N{EN DASH}", "dim"),
    State.UNANSWERED: ("○", ""),
}

STATE_WORDS: dict[State, str] = {
    State.PASSED: "passed",
    State.FAILED: "failed",
    State.WAIVED: "waived",
    State.NOT_APPLICABLE: "not applicable",
    State.UNANSWERED: "unanswered",
}

OUTCOME_MARKS: dict[Outcome, tuple[str, str]] = {
    Outcome.PASS: ("✓", "green"),
    Outcome.FAIL: ("✗", "red"),
    Outcome.NOT_APPLICABLE: ("\N{EN DASH}", "dim"),
    Outcome.ERROR: ("!", "yellow"),
}
