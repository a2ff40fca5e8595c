"""The verdict as it stands after the last answer, and how far the probes have got."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import ProgressBar, Static

from prr.domain.status import State
from prr.tui.plain import line, plain

if TYPE_CHECKING:
    from prr.domain.verdict import Verdict
    from prr.workflow.review_session import ItemState


class VerdictBar(HorizontalGroup):
    """Ready or not, score, level, blockers, answered count; then the probes' progress."""

    def compose(self) -> ComposeResult:
        yield Static(id="verdict")
        yield Static(id="probe-status")
        yield ProgressBar(id="probe-progress", show_eta=False)

    def show_verdict(self, verdict: Verdict, states: list[ItemState]) -> None:
        self.query_one("#verdict", Static).update(verdict_line(verdict, states), layout=False)  # one fixed line

    def show_progress(self, done: int, total: int, probe: str) -> None:
        bar = self.query_one("#probe-progress", ProgressBar)
        bar.display = True
        bar.update(total=total, progress=done)
        self.query_one("#probe-status", Static).update(line(("probes ", "dim"), f"{done}/{total} ", (probe, "dim")))

    def show_status(self, text: Text) -> None:
        """A settled probe state ("probes done", an error): the progress bar goes away."""
        self.query_one("#probe-progress", ProgressBar).display = False
        self.query_one("#probe-status", Static).update(text)


def verdict_line(verdict: Verdict, states: list[ItemState]) -> Text:
    ready = ("READY", "bold green") if verdict.ready else ("NOT READY", "bold red")
    counts = Counter(state.status.state for state in states)
    text = line(ready, f"  score {verdict.score}", f"  level {verdict.level or '—'}")
    blockers = len(verdict.blockers)
    text.append(f"  {blockers} blocker{'s' if blockers != 1 else ''}", style="red" if blockers else "green")
    open_items = counts[State.UNANSWERED]
    text.append(f"  {len(states) - open_items}/{len(states)} decided", style="dim")
    text.append_text(plain(f"  {verdict.scorer} {verdict.scorer_version}", "dim"))
    return text
