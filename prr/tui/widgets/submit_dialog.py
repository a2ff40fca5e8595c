"""Confirm, then write the record (`ReviewSession.submit`): it is written once, then only
signed. A refusal (a lapsed waiver, a draft for another checklist) shows here."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalGroup, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from prr.domain.errors import PrrError
from prr.tui.plain import line, plain
from prr.tui.widgets.verdict_bar import verdict_line

if TYPE_CHECKING:
    from prr.workflow.review_session import ItemState, ReviewSession

SHOWN_BLOCKERS = 8


class SubmitDialog(ModalScreen["Written | None"]):
    """Dismisses with what was written, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="submit.cancel")]

    def __init__(self, session: ReviewSession, states: list[ItemState]) -> None:
        super().__init__()
        self.session, self.verdict, self.states = session, session.verdict(), states

    def compose(self) -> ComposeResult:
        with Vertical(id="submit-dialog", classes="dialog"):
            yield Static(plain("Write the review record?", "bold"))
            yield Static(verdict_line(self.verdict, self.states))
            blockers = self.verdict.blockers
            if blockers:
                listing = plain("The record will say not ready because of:", "dim")
                for blocker in blockers[:SHOWN_BLOCKERS]:
                    listing.append_text(line("\n  ", (blocker.item_id, "bold"), ": ", blocker.reason))
                if len(blockers) > SHOWN_BLOCKERS:
                    listing.append(f"\n  and {len(blockers) - SHOWN_BLOCKERS} more", style="dim")
                yield Static(listing)
            warning = self.session.uncommitted_config()
            if warning:
                yield Static(plain(warning, "bold yellow"), id="submit-warning")
            yield Static(plain("The record goes under .prr/records/; the draft is deleted once it is written.", "dim"))
            yield Static(id="submit-error")
            with HorizontalGroup(classes="buttons"):
                yield Button("Write record", variant="primary", id="write")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#write").focus()

    @on(Button.Pressed, "#write")
    def _write(self) -> None:
        try:
            written = self.session.submit()
        except PrrError as error:
            self.query_one("#submit-error", Static).update(plain(str(error), "bold red"))
            # also as a notification: on a short terminal the dialog's last lines are off screen
            self.notify(str(error), title="Record not written", severity="error", markup=False, timeout=15)
            return
        self.dismiss(written)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
