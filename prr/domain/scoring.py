"""The scorer interface, and the guard that keeps a broken scorer from crashing prr.

A scorer is a module exposing `ID: str`, `VERSION: str` and
`score(pack, tier, outcomes, at) -> Verdict`. It does no I/O. The built-ins live in
scorers/; users may name a file of their own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from prr.domain.checklist import TIERS, Item, Pack, Requirement
from prr.domain.errors import ToolError
from prr.domain.status import ItemOutcome, ItemStatus, State, item_status
from prr.domain.verdict import Blocker, Verdict

ScoreFunction = Callable[[Pack, int, Mapping[str, ItemOutcome], dt.datetime], Verdict]


@dataclass(frozen=True)
class Scorer:
    id: str
    version: str
    score: ScoreFunction
    origin: str  # where it came from, for error messages


class Assessed(NamedTuple):
    """An item asked at the tier, with what its answer and findings amount to. A named
    tuple: verification makes one per item of every record it re-scores, and a frozen
    dataclass costs a call per field to build."""

    item: Item
    requirement: Requirement
    status: ItemStatus


def assess(pack: Pack, tier: int, outcomes: Mapping[str, ItemOutcome], at: dt.datetime) -> list[Assessed]:
    """Every item asked at `tier`, in pack order, with its status at time `at`."""
    if isinstance(outcomes, AssessedOutcomes):
        return list(outcomes.assessment(pack, tier, at))
    return _assess(pack, tier, outcomes, at)


def _assess(pack: Pack, tier: int, outcomes: Mapping[str, ItemOutcome], at: dt.datetime) -> list[Assessed]:
    get = outcomes.get
    return [
        Assessed(item, item.requirement(tier), item_status(item, get(item.id), at)) for item in pack.asked_items(tier)
    ]


class AssessedOutcomes(Mapping[str, ItemOutcome]):
    """Read-only outcomes that work out their assessment once per pack, tier and time.

    Verification re-scores a record, then compares each item's recorded state with the
    same assessment: handed these, the scorer's `assess` and that comparison share one
    pass over the items instead of two. Read-only, so a remembered assessment cannot go
    stale; the pack and the time must be the very same objects to reuse it."""

    __slots__ = ("_assessed", "_key", "_outcomes")

    def __init__(self, outcomes: Mapping[str, ItemOutcome]) -> None:
        self._outcomes = dict(outcomes)
        self._key: tuple[Pack, int, dt.datetime] | None = None
        self._assessed: tuple[Assessed, ...] = ()

    def assessment(self, pack: Pack, tier: int, at: dt.datetime) -> tuple[Assessed, ...]:
        key = self._key
        if key is None or key[0] is not pack or key[1] != tier or key[2] is not at:
            self._assessed = tuple(_assess(pack, tier, self._outcomes, at))
            self._key = (pack, tier, at)
        return self._assessed

    def __getitem__(self, item_id: str) -> ItemOutcome:
        return self._outcomes[item_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._outcomes)

    def __len__(self) -> int:
        return len(self._outcomes)


def required_blockers(assessed: list[Assessed]) -> tuple[Blocker, ...]:
    """Required items that are neither passed, waived nor not applicable."""
    required, not_applicable = Requirement.REQUIRED, State.NOT_APPLICABLE  # once, not per item
    return tuple(
        Blocker(a.item.id, a.status.reason)
        for a in assessed
        if a.requirement is required and not a.status.state.satisfied and a.status.state is not not_applicable
    )


def percentage(done: float, total: float) -> int:
    """100 only when everything is done; otherwise rounded down and at most 99, so 99.6%
    never shows as perfect (and float sums in another order cannot turn 100 into 99)."""
    if total <= 0 or done >= total:
        return 100
    return min(99, int(100 * done / total))


def run_scorer(scorer: Scorer, pack: Pack, tier: int, outcomes: Mapping[str, ItemOutcome], at: dt.datetime) -> Verdict:
    """Score, turning a scorer's exception or nonsense result into one clear error."""
    if tier not in TIERS:
        raise ToolError(f"tier {tier} is not one of {', '.join(map(str, TIERS))}")
    name = f"scorer {scorer.id!r} ({scorer.origin})"
    try:
        verdict = scorer.score(pack, tier, outcomes, at)
    except (Exception, SystemExit) as exc:  # a user's scorer may raise (or exit); report it, don't crash
        raise ToolError(f"{name} failed: {type(exc).__name__}: {exc}") from exc
    problem = _nonsense(verdict, pack)
    if problem:
        raise ToolError(f"{name} returned nonsense: {problem}")
    return verdict


def _nonsense(verdict: object, pack: Pack) -> str | None:
    if not isinstance(verdict, Verdict):
        return f"expected a Verdict, got {type(verdict).__name__}"
    if not isinstance(verdict.ready, bool):
        return f"ready must be true or false, got {verdict.ready!r}"
    if isinstance(verdict.score, bool) or not isinstance(verdict.score, int) or not 0 <= verdict.score <= 100:
        return f"score must be an integer from 0 to 100, got {verdict.score!r}"
    if verdict.level is not None and not isinstance(verdict.level, str):
        return f"level must be text or empty, got {verdict.level!r}"
    known = {item.id for item in pack.items}
    if not isinstance(verdict.blockers, tuple | list):
        return f"blockers must be a list, got {type(verdict.blockers).__name__}"
    for blocker in verdict.blockers:
        if not isinstance(blocker, Blocker):
            return f"blockers must be Blocker values, got {type(blocker).__name__}"
        if not isinstance(blocker.item_id, str) or blocker.item_id not in known:
            return f"blocker names unknown item {blocker.item_id!r}"
    if verdict.ready and verdict.blockers:
        return "ready with blockers"
    return None
