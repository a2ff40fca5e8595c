"""Find a scorer (built-in id or a user's file) and score with it safely."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from prr.adapters import builtin
from prr.adapters.python_file import import_file
from prr.domain.answers import Answer, AnswerKind
from prr.domain.checklist import TIERS, Pack
from prr.domain.errors import InputError
from prr.domain.scoring import Scorer, run_scorer
from prr.domain.status import ItemOutcome
from prr.domain.verdict import Verdict


def load_scorer(ref: str) -> Scorer:
    """`gate`, `weighted`, `levels`, or a path to a Python file defining ID, VERSION, score()."""
    if ref in builtin.scorer_names():
        path, shown = builtin.scorers_dir() / f"{ref}.py", f"builtin:{ref}"
    elif ref.endswith(".py") or "/" in ref:
        path, shown = Path(ref), ref
    else:
        known = ", ".join(builtin.scorer_names())
        raise InputError(f"{ref}: no built-in scorer and not a .py file (built-in scorers: {known})")
    module = import_file(path, shown)
    scorer_id, version, score = (getattr(module, name, None) for name in ("ID", "VERSION", "score"))
    if not isinstance(scorer_id, str) or not isinstance(version, str) or not callable(score):
        raise InputError(f"{shown}: a scorer must define ID (text), VERSION (text) and score(pack, tier, outcomes, at)")
    return Scorer(id=scorer_id, version=version, score=score, origin=shown)


def evaluate(
    pack: Pack,
    tier: int,
    outcomes: Mapping[str, ItemOutcome],
    at: dt.datetime,
    scorer: Scorer | None = None,
) -> Verdict:
    """The verdict for `pack` at `tier`, by the pack's scorer unless the user names one."""
    return run_scorer(scorer or load_scorer(pack.scorer), pack, tier, outcomes, at)


def try_scorer(scorer: Scorer, pack: Pack, at: dt.datetime) -> None:
    """Score `pack` at every tier with nothing answered and with everything passed, so a
    user learns that their scorer raises or returns nonsense before a review depends on it."""
    all_pass = {item.id: ItemOutcome(item.id, Answer(AnswerKind.PASS)) for item in pack.items}
    for tier in TIERS:
        for outcomes in ({}, all_pass):
            run_scorer(scorer, pack, tier, outcomes, at)
