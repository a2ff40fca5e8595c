"""Pick one tag to filter by, or none."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from prr.tui.plain import plain

ALL = "\0all"  # the option id for "no tag filter": never a tag (tags are one printable word)


class TagPicker(ModalScreen[str | None]):
    """Dismisses with the tag, "" for every tag, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="tags.cancel")]

    def __init__(self, tags: list[str], current: str) -> None:
        super().__init__()
        self.tags, self.current = tags, current

    def compose(self) -> ComposeResult:
        with Vertical(id="tag-dialog"):
            yield Static(plain("Show items tagged", "bold"))
            options = [Option(plain("every tag", "italic"), id=ALL)]
            options += [Option(plain(tag), id=tag) for tag in self.tags]
            yield OptionList(*options, id="tag-list")

    def on_mount(self) -> None:
        tags = self.query_one(OptionList)
        tags.highlighted = self.tags.index(self.current) + 1 if self.current in self.tags else 0
        tags.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        chosen = event.option.id or ALL
        self.dismiss("" if chosen == ALL else chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
