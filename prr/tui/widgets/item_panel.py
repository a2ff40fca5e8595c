"""One item in full: what it asks and why, what the probes found, and the owner's answer.

The buttons run the same actions as the keys (`screen.answer('pass')`, ...), so mouse and
keyboard cannot drift apart. Everything from the pack, the repository or the owner is
shown through `prr.tui.plain`, never as markup."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import HorizontalGroup, VerticalScroll
from textual.widgets import Button, Static

from prr.domain.findings import Evidence, Finding, Location
from prr.domain.text import printable
from prr.tui.marks import OUTCOME_MARKS, STATE_MARKS, STATE_WORDS
from prr.tui.plain import line, plain

if TYPE_CHECKING:
    from prr.domain.answers import Answer
    from prr.domain.checklist import Section
    from prr.workflow.review_session import ItemState

BUTTONS = (
    ("Pass", "answer('pass')", "success"),
    ("Fail", "answer('fail')", "error"),
    ("N/A…", "answer('na')", "default"),
    ("Waive…", "answer('waived')", "warning"),
    ("Note…", "note", "default"),
    ("Clear", "clear", "default"),
)


class ItemPanel(VerticalScroll):
    """Shows the item under the tree's cursor; `show(None)` when nothing is selected."""

    def compose(self) -> ComposeResult:
        yield Static(id="item-heading")
        yield Static(id="item-answer")
        with HorizontalGroup(id="answer-buttons"):
            for label, action, variant in BUTTONS:
                yield Button(label, variant=variant, action=f"screen.{action}", compact=True)  # type: ignore[arg-type]
        yield Static(id="item-body")

    def show(self, state: ItemState | None, probed: bool) -> None:
        if state is None:
            self._fill(plain("No item matches the filters.", "dim"), Text(), Text(), buttons=False)
            return
        self._fill(_heading(state), _answer(state), _body(state, probed), buttons=True)

    def show_section(self, section: Section, members: list[ItemState]) -> None:
        """A section under the cursor: what it covers and where its items stand."""
        listing = Text(end="")
        for state in members:
            glyph, style = STATE_MARKS[state.status.state]
            listing.append_text(line((glyph, style), " ", state.item.title, ("  " + state.item.id, "dim"), "\n"))
        self._fill(plain(section.title, "bold"), plain(section.description.strip(), "dim"), listing, buttons=False)

    def _fill(self, heading: Text, answer: Text, body: Text, buttons: bool) -> None:
        self.query_one("#answer-buttons").display = buttons
        self.query_one("#item-heading", Static).update(heading)
        self.query_one("#item-answer", Static).update(answer)
        self.query_one("#item-body", Static).update(body)


def _heading(state: ItemState) -> Text:
    item = state.item
    text = plain(item.title, "bold")
    facts = [item.id, state.requirement.value, f"evidence {item.evidence.value}"]
    if item.tags:
        facts.append("tags " + ", ".join(item.tags))
    text.append("\n")
    text.append_text(plain(" · ".join(facts), "dim"))
    return text


def _answer(state: ItemState) -> Text:
    glyph, style = STATE_MARKS[state.status.state]
    text = line((f"{glyph} {STATE_WORDS[state.status.state]}", f"bold {style}".strip()), " — ", state.status.reason)
    answer = state.answer
    if answer is not None:
        for label, value in _answer_fields(answer):
            text.append("\n")
            text.append_text(line((f"{label}: ", "dim"), value))
    return text


def _answer_fields(answer: Answer) -> list[tuple[str, str]]:
    fields = [("answer", answer.kind.value)]
    if answer.reason:
        fields.append(("reason", answer.reason))
    if answer.waiver is not None:
        waiver = answer.waiver
        fields += [("waiver", waiver.reason), ("approver", waiver.approver), ("expires", waiver.expires.isoformat())]
    if answer.note:
        fields.append(("note", answer.note))
    fields += [("evidence", link) for link in answer.links]
    return fields


def _body(state: ItemState, probed: bool) -> Text:
    item = state.item
    text = Text(end="")
    for title, value in (("Why", item.why), ("How", item.how)):
        text.append(f"{title}\n", style="bold")
        text.append_text(plain(value.strip()))
        text.append("\n\n")
    text.append("Evidence\n", style="bold")
    if not item.probes:
        text.append("No probe checks this item: it needs your answer.", style="dim")
    elif not probed:
        text.append_text(plain(f"Probes running: {', '.join(use.probe for use in item.probes)}…", "dim italic"))
    for finding in state.findings:
        text.append_text(_finding(finding))
    for waiting in state.waiting:
        text.append_text(line(("\n… ", "yellow"), ("not run: ", "dim"), waiting))
    if probed and item.probes and not state.findings and not state.waiting:
        text.append("The probes found nothing to report.", style="dim")
    return text


def _finding(finding: Finding) -> Text:
    glyph, style = OUTCOME_MARKS[finding.outcome]
    text = line("\n", (f"{glyph} ", style), (finding.probe, "bold"), ": ", finding.message)
    for location in finding.locations:
        text.append_text(line(("\n    at ", "dim"), _where(location)))
    for evidence in finding.evidence:
        text.append_text(line(("\n    ", "dim"), _proof(evidence)))
    if finding.remediation:
        text.append_text(line(("\n    fix: ", "dim"), finding.remediation))
    return text


def _where(location: Location) -> str:
    path = printable(location.path)  # a committed name that is not UTF-8, as \xNN
    return path if location.line is None else f"{path}:{location.line}"


def _proof(evidence: Evidence) -> str:
    parts = []
    if evidence.url:
        parts.append(evidence.url + (f" → HTTP {evidence.status}" if evidence.status is not None else ""))
    if evidence.path:
        parts.append(printable(evidence.path))
    if evidence.blob:
        parts.append(f"blob {evidence.blob[:12]}")
    if evidence.digest:
        parts.append(f"digest {evidence.digest[:19]}")
    return " · ".join(parts)
