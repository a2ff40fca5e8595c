"""The form for answers that need words: not applicable (reason), waived (reason,
approver, expiry), and the note and evidence links of any answer.

The form only gathers what was typed. Whether the answer is complete is the session's
call: `save` hands the answer to it and returns its refusal, shown here until fixed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalGroup, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from prr.domain.answers import Answer, AnswerKind, Waiver
from prr.tui.plain import line, plain

Save = Callable[[Answer], "str | None"]  # the session's refusal, or None when recorded
TITLES = {AnswerKind.NOT_APPLICABLE: "Not applicable", AnswerKind.WAIVED: "Waive"}


class AnswerForm(ModalScreen[bool]):
    """Dismisses with True once the session took the answer, False on cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="form.cancel")]

    def __init__(self, item_title: str, kind: AnswerKind, current: Answer | None, save: Save, notes_only: bool = False):
        super().__init__()
        self.item_title, self.kind, self.current, self.save = item_title, kind, current, save
        self.notes_only = notes_only

    def compose(self) -> ComposeResult:
        current = self.current
        waiver = current.waiver if current is not None else None
        with VerticalScroll(id="form"):
            title = "Note and evidence" if self.notes_only else TITLES.get(self.kind, self.kind.value)
            yield Static(line((f"{title}: ", "bold"), self.item_title), id="form-title")
            if self.kind is AnswerKind.NOT_APPLICABLE and not self.notes_only:
                yield from _field("Reason: why the item does not apply", "reason", current.reason if current else "")
            if self.kind is AnswerKind.WAIVED and not self.notes_only:
                reason = waiver.reason if waiver else ""
                yield from _field("Reason: why the risk is acceptable", "waiver-reason", reason)
                yield from _field("Approver: who accepted the risk", "approver", waiver.approver if waiver else "")
                expires = waiver.expires.isoformat() if waiver else ""
                yield from _field("Expires (YYYY-MM-DD)", "expires", expires, placeholder="2027-01-31")
            yield from _field("Note (optional)", "note", current.note if current else "")
            yield Label("Evidence links, one URL or path per line (optional)")
            yield TextArea("\n".join(current.links) if current else "", id="links", soft_wrap=False, compact=True)
            yield Static(id="form-error")
            with HorizontalGroup(id="form-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        inputs = self.query(Input)
        (inputs.first() if inputs else self.query_one(TextArea)).focus()

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        built = self._answer()
        problem = built if isinstance(built, str) else self.save(built)
        if problem is None:
            self.dismiss(True)
            return
        self.query_one("#form-error", Static).update(plain(problem, "bold red"))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    def _answer(self) -> Answer | str:
        """The answer as typed, or why it cannot even be built (an unreadable date)."""
        links = tuple(link.strip() for link in self.query_one("#links", TextArea).text.splitlines() if link.strip())
        note = self._value("note")
        if self.notes_only and self.current is not None:
            return Answer(self.current.kind, note, self.current.reason, self.current.waiver, links)
        if self.kind is AnswerKind.WAIVED:
            written = self._value("expires").strip()
            try:
                expires = dt.date.fromisoformat(written)
            except ValueError:
                return f"expires: write the date the waiver lapses as YYYY-MM-DD, like 2027-01-31 (got {written!r})"
            waiver = Waiver(self._value("waiver-reason"), self._value("approver"), expires)
            return Answer(self.kind, note, waiver=waiver, links=links)
        return Answer(self.kind, note, reason=self._value("reason"), links=links)

    def _value(self, field: str) -> str:
        found = self.query(f"#{field}")
        return found.first(Input).value if found else ""


def _field(label: str, field: str, value: str, placeholder: str = "") -> ComposeResult:
    yield Label(label)
    yield Input(value, placeholder=placeholder, id=field, compact=True)
