"""gate: ready only when every item required at the tier passes, is waived (approved,
unexpired) or is not applicable. The score is the share of required items satisfied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from prr.domain.checklist import Pack, Requirement
from prr.domain.scoring import assess, percentage, required_blockers
from prr.domain.status import ItemOutcome, State
from prr.domain.verdict import Verdict

ID = "gate"
VERSION = "1"


def score(pack: Pack, tier: int, outcomes: Mapping[str, ItemOutcome], at: dt.datetime) -> Verdict:
    required, not_applicable = Requirement.REQUIRED, State.NOT_APPLICABLE  # once, not per item
    assessed = [a for a in assess(pack, tier, outcomes, at) if a.requirement is required]
    counted = [a for a in assessed if a.status.state is not not_applicable]
    satisfied = sum(1 for a in counted if a.status.state.satisfied)
    blockers = required_blockers(assessed)
    return Verdict(
        ready=not blockers,
        score=percentage(satisfied, len(counted)),
        level=None,
        blockers=blockers,
        scorer=ID,
        scorer_version=VERSION,
    )
