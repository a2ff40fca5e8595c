"""The result of scoring: ready or not, and why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Blocker:
    """An item that stands between the service and launch, with the reason."""

    item_id: str
    reason: str


@dataclass(frozen=True)
class Verdict:
    ready: bool
    score: int  # 0-100
    level: str | None
    blockers: tuple[Blocker, ...]
    scorer: str
    scorer_version: str
