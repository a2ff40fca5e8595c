"""The checklist as a tree: sections with per-state counts, items with their state.

Answering one item relabels two nodes (`update_states`); only a filter change rebuilds
the tree (`show`), so a 500-item pack still answers in a few milliseconds."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from prr.domain.status import State
from prr.tui.marks import STATE_MARKS
from prr.tui.plain import line, plain

if TYPE_CHECKING:
    from prr.domain.checklist import Section
    from prr.workflow.review_session import ItemState

NodeData = str  # the item id for items, "section:<id>" for sections
SECTION = "section:"


class SectionTree(Tree[NodeData]):
    """Sections and items; the cursor's item is the one the panel shows and the keys answer."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("checklist"), id=id)
        self.show_root = False
        self.guide_depth = 2
        self._items: dict[str, TreeNode[NodeData]] = {}
        self._sections: dict[str, TreeNode[NodeData]] = {}
        self._shown: dict[str, State] = {}  # the state each item's label shows

    def process_label(self, label: str | Text) -> Text:
        """Labels are text, never markup, even when a str slips through."""
        return plain(label) if isinstance(label, str) else label

    @property
    def current_item(self) -> str | None:
        data = self._cursor_data()
        return data if data and not data.startswith(SECTION) else None

    @property
    def current_section(self) -> str | None:
        """The section id when the cursor is on a section's own line."""
        data = self._cursor_data()
        return data.removeprefix(SECTION) if data and data.startswith(SECTION) else None

    def _cursor_data(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def show(self, sections: tuple[Section, ...], states: list[ItemState], visible: set[str]) -> None:
        """Rebuild with only the `visible` item ids, keeping the cursor on its item if it stays."""
        keep = self.current_item
        self.clear()
        self._items, self._sections = {}, {}
        self._shown = {state.item.id: state.status.state for state in states}
        by_section: dict[str, list[ItemState]] = {}
        for state in states:
            by_section.setdefault(state.item.section, []).append(state)
        for section in sections:
            members = by_section.get(section.id, [])
            shown = [s for s in members if s.item.id in visible]
            if not shown:
                continue
            node = self.root.add(_section_label(section, members), data=SECTION + section.id, expand=True)
            self._sections[section.id] = node
            for state in shown:
                self._items[state.item.id] = node.add_leaf(_item_label(state), data=state.item.id)
        target = self._items.get(_successor(keep, states, visible) or "")
        if target is not None and self.last_line >= 0:  # last_line lays the new nodes out first
            self.move_cursor(target)

    def update_states(self, sections: tuple[Section, ...], states: list[ItemState]) -> None:
        """Relabel the items whose state changed, and their sections; the shape stays."""
        by_section: dict[str, list[ItemState]] = {}
        moved: set[str] = set()
        for state in states:
            by_section.setdefault(state.item.section, []).append(state)
            node = self._items.get(state.item.id)
            if node is not None and self._shown.get(state.item.id) is not state.status.state:
                self._shown[state.item.id] = state.status.state
                node.set_label(_item_label(state))
                moved.add(state.item.section)
        for section in sections:
            node = self._sections.get(section.id)
            if node is not None and section.id in moved:
                node.set_label(_section_label(section, by_section.get(section.id, [])))

    def select_item(self, item_id: str) -> None:
        node = self._items.get(item_id)
        if node is not None:
            self.move_cursor(node)


def _successor(keep: str | None, states: list[ItemState], visible: set[str]) -> str | None:
    """The item the cursor should rest on: KEEP if still shown, else the next shown after
    it (so answering under "unanswered" moves on to the next open item), else the first."""
    order = [state.item.id for state in states]
    if keep in visible:
        return keep
    start = order.index(keep) + 1 if keep in order else 0
    following = [item_id for item_id in order[start:] + order[:start] if item_id in visible]
    return following[0] if following else None


def _item_label(state: ItemState) -> Text:
    glyph, style = STATE_MARKS[state.status.state]
    label = line((glyph, style), " ", state.item.title)
    if state.requirement.value == "recommended":
        label.append(" (recommended)", style="dim")
    return label


def _section_label(section: Section, members: list[ItemState]) -> Text:
    counts = Counter(state.status.state for state in members)
    label = line((section.title, "bold"), " ")
    for state in (State.PASSED, State.WAIVED, State.NOT_APPLICABLE, State.FAILED, State.UNANSWERED):
        if counts[state]:
            glyph, style = STATE_MARKS[state]
            label.append(f" {glyph}{counts[state]}", style=style or None)
    return label
