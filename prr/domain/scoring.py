"""The scorer interface, and the guard that keeps a broken scorer from crashing prr.

A scorer is a module exposing `ID: str`, `VERSION: str` and
`score(pack, tier, outcomes, at) -> Verdict`. It does no I/O. The built-ins live in
scorers/; users may name a file of their own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Assessed:
    """An item asked at the tier, with what its answer and findings amount to."""

    item: Item
    requirement: Requirement
    status: ItemStatus


def assess(pack: Pack, tier: int, outcomes: Mapping[str, ItemOutcome], at: dt.datetime) -> list[Assessed]:
    """Every item asked at `tier`, in pack order, with its status at time `at`."""
    return [
        Assessed(item, item.requirement(tier), item_status(item, outcomes.get(item.id), at))
        for item in pack.asked_items(tier)
    ]


def required_blockers(assessed: list[Assessed]) -> tuple[Blocker, ...]:
    """Required items that are neither passed, waived nor not applicable."""
    return tuple(
        Blocker(a.item.id, a.status.reason)
        for a in assessed
        if a.requirement is Requirement.REQUIRED
        and not a.status.state.satisfied
        and a.status.state is not State.NOT_APPLICABLE
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
