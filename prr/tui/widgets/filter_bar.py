"""Search box and filters: owns which items the tree shows, and says when that changes."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalGroup
from textual.message import Message
from textual.widgets import Input, Static

from prr.tui.filters import Filters
from prr.tui.plain import line


class SearchInput(Input):
    """Escape leaves the search box (keeping the search), back to the tree."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "leave", "back to the list", id="search.leave")]

    def action_leave(self) -> None:
        self.screen.query_one("#sections").focus()


class FilterBar(HorizontalGroup):
    """Posts `FilterBar.Changed` whenever the filters or the search text change."""

    class Changed(Message):
        def __init__(self, filters: Filters) -> None:
            super().__init__()
            self.filters = filters

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.filters = Filters()

    def compose(self) -> ComposeResult:
        yield SearchInput(placeholder="/ search id, title or tag", id="search", compact=True)
        yield Static(id="filter-summary")

    def show(self, shown: int, total: int) -> None:
        """How many items the filters let through."""
        described = self.filters.describe()
        summary = line((f"{shown} of {total} items", "bold" if self.filters.active else "dim"))
        if described:
            summary.append_text(line(("  filtered: ", "dim"), described, ("  (esc clears)", "dim")))
        self.query_one("#filter-summary", Static).update(summary)

    def toggle(self, name: str) -> None:
        self._set(self.filters.toggled(name))

    def pick_tag(self, tags: list[str]) -> None:
        from prr.tui.widgets.tag_picker import TagPicker

        def chosen(tag: str | None) -> None:
            if tag is not None:
                self._set(dataclasses.replace(self.filters, tag=tag))

        self.app.push_screen(TagPicker(tags, self.filters.tag), chosen)

    def clear(self) -> None:
        self.query_one(SearchInput).value = ""
        self._set(Filters())

    def focus_search(self) -> None:
        self.query_one(SearchInput).focus()

    def _set(self, filters: Filters) -> None:
        if filters != self.filters:
            self.filters = filters
            self.post_message(self.Changed(filters))

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._set(dataclasses.replace(self.filters, text=event.value))

    @on(Input.Submitted, "#search")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.query_one("#sections").focus()
