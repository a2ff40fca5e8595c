"""Which items the tree shows. A view choice only: it never changes an answer or a verdict."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prr.domain.findings import Outcome
from prr.domain.status import State

if TYPE_CHECKING:
    from prr.workflow.review_session import ItemState


@dataclass(frozen=True)
class Filters:
    blockers: bool = False  # only items the verdict names as blockers
    unanswered: bool = False  # only items that still need an answer
    failing: bool = False  # only items a probe found failing
    tag: str = ""
    text: str = ""  # search: item id, title or tag, case-insensitive

    @property
    def active(self) -> bool:
        return self != Filters()

    def toggled(self, name: str) -> Filters:
        return dataclasses.replace(self, **{name: not getattr(self, name)})

    def matches(self, state: ItemState, blockers: frozenset[str]) -> bool:
        item = state.item
        if self.blockers and item.id not in blockers:
            return False
        if self.unanswered and state.status.state is not State.UNANSWERED:
            return False
        if self.failing and not any(f.outcome is Outcome.FAIL for f in state.findings):
            return False
        if self.tag and self.tag not in item.tags:
            return False
        needle = self.text.strip().casefold()
        return not needle or any(needle in field.casefold() for field in (item.id, item.title, *item.tags))

    def describe(self) -> str:
        """The active filters in a few words, for the filter bar."""
        parts = [name for name in ("blockers", "unanswered", "failing") if getattr(self, name)]
        if self.tag:
            parts.append(f"tag {self.tag}")
        if self.text.strip():
            parts.append(f"matching {self.text.strip()!r}")
        return ", ".join(parts)
