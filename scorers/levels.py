"""levels: maturity levels (by default bronze, silver, gold). A level is reached only
when every item counting towards it, and towards each level below, is satisfied.
Ready means the first level is reached; the score is the share of asked items satisfied.

Which level an item counts towards is `Pack.item_level`: the first level wherever it is
required; where only recommended, its own `level`, else the second level."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from prr.domain.checklist import Pack
from prr.domain.scoring import assess, percentage
from prr.domain.status import ItemOutcome, State
from prr.domain.verdict import Blocker, Verdict

ID = "levels"
VERSION = "1"


def score(pack: Pack, tier: int, outcomes: Mapping[str, ItemOutcome], at: dt.datetime) -> Verdict:
    assessed = [a for a in assess(pack, tier, outcomes, at) if a.status.state is not State.NOT_APPLICABLE]
    missing: dict[str, list[Blocker]] = {name: [] for name in pack.levels}
    for a in assessed:
        level = pack.item_level(a.item, tier)
        if level is not None and not a.status.state.satisfied:
            missing[level].append(Blocker(a.item.id, f"{level}: {a.status.reason}"))
    reached = None
    for name in pack.levels:
        if missing[name]:
            break
        reached = name
    blockers = tuple(missing[pack.levels[0]])
    satisfied = sum(1 for a in assessed if a.status.state.satisfied)
    return Verdict(
        ready=not blockers,
        score=percentage(satisfied, len(assessed)),
        level=reached,
        blockers=blockers,
        scorer=ID,
        scorer_version=VERSION,
    )
