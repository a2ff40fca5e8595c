"""`?`: every key the screen below answers to, its own and the app's, with binding ids."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from prr.tui.plain import plain

Row = tuple[str, str, str]  # key as shown, what it does, binding id


def binding_rows(screen: Screen[object]) -> list[Row]:
    """The bindings active on `screen` (focused widget first, then the screen, then the
    app), as the footer would name their keys; keymap changes included."""
    actives = list(screen.active_bindings.values())
    first = {id(screen): 0, id(screen.app): 1}  # the review's keys, the app's, the widgets'; prr's own first
    actives.sort(key=lambda active: (first.get(id(active.node), 2), active.binding.id is None))
    return [
        (screen.app.get_key_display(active.binding), active.binding.description or active.binding.action,
         active.binding.id or "")
        for active in actives
    ]  # fmt: skip


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

    def __init__(self, rows: list[Row]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            yield Static(plain("Keys", "bold"))
            table: DataTable[object] = DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            table.add_columns("key", "does", "binding id")
            for key, description, binding_id in self.rows:
                table.add_row(plain(key, "bold"), plain(description), plain(binding_id, "dim"))
            yield table
            yield Static(
                plain(
                    "ctrl+p opens the command palette: every command, the themes, screenshots. "
                    "The mouse works too: click items, buttons and footer keys.",
                    "dim",
                )
            )

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def action_close(self) -> None:
        self.dismiss(None)
