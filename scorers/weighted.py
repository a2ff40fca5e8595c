"""weighted: the score is the weighted share of asked items (required and recommended)
that are satisfied; readiness is still gated on every required item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from prr.domain.checklist import Pack
from prr.domain.scoring import assess, percentage, required_blockers
from prr.domain.status import ItemOutcome, State
from prr.domain.verdict import Verdict

ID = "weighted"
VERSION = "1"


def score(pack: Pack, tier: int, outcomes: Mapping[str, ItemOutcome], at: dt.datetime) -> Verdict:
    assessed = assess(pack, tier, outcomes, at)
    counted = [a for a in assessed if a.status.state is not State.NOT_APPLICABLE]
    total = sum(a.item.weight for a in counted)
    done = sum(a.item.weight for a in counted if a.status.state.satisfied)
    blockers = required_blockers(assessed)
    return Verdict(
        ready=not blockers,
        score=percentage(done, total),
        level=None,
        blockers=blockers,
        scorer=ID,
        scorer_version=VERSION,
    )
