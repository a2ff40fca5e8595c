"""Promises every built-in scorer keeps, checked on generated packs and answers.

Generated packs obey the tier rule of docs/checklist-format.md: required at tier N =>
required at every tier below N; recommended at N => asked at every tier below N."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, replace

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from prr.domain.answers import Answer, AnswerKind, Waiver
from prr.domain.checklist import DEFAULT_LEVELS, TIERS, EvidenceMode, Item, Pack, ProbeUse, Requirement, Section
from prr.domain.findings import Finding, Outcome
from prr.domain.scoring import Scorer
from prr.domain.status import ItemOutcome
from prr.domain.verdict import Verdict
from prr.workflow.scorers import evaluate, load_scorer

SCORERS = ("gate", "weighted", "levels")
_LOADED: dict[str, Scorer] = {}
PROPERTY = settings(max_examples=100, deadline=None)


def scorer(name: str) -> Scorer:
    if name not in _LOADED:
        _LOADED[name] = load_scorer(name)
    return _LOADED[name]


# --- strategies ------------------------------------------------------------------------


@st.composite
def tier_sets(draw) -> tuple[frozenset[int], frozenset[int]]:
    """(required, recommended): required at tiers 0..r-1, recommended at r..a-1, a >= 1.

    These are exactly the tier sets the format allows."""
    required_below = draw(st.integers(0, len(TIERS)))
    asked_below = draw(st.integers(max(required_below, 1), len(TIERS)))
    return frozenset(range(required_below)), frozenset(range(required_below, asked_below))


# Strategies are built once: building them inside a draw makes hypothesis re-validate
# them on every example, which made this file ten times slower.
TIER_SETS = tier_sets()
EVIDENCE = st.sampled_from(list(EvidenceMode))
WEIGHTS = st.integers(1, 10).map(float) | st.floats(0.01, 10.0)
LEVELS = st.none() | st.sampled_from(DEFAULT_LEVELS)
ITEM_COUNTS = st.integers(1, 12)


@st.composite
def items(draw, index: int) -> Item:
    required, recommended = draw(TIER_SETS)
    evidence = draw(EVIDENCE)
    return Item(
        id=f"s.item-{index}",
        title=f"item {index}",
        why="why",
        how="how",
        required=required,
        recommended=recommended,
        weight=draw(WEIGHTS),
        evidence=evidence,
        probes=() if evidence is EvidenceMode.MANUAL else (ProbeUse("codeowners-present"),),
        level=draw(LEVELS),
        section="s",
    )


@st.composite
def packs(draw) -> Pack:
    count = draw(ITEM_COUNTS)
    return Pack(
        id="generated",
        version="1",
        title="generated",
        description="generated",
        scorer="gate",
        sections=(Section("s", "S", "", tuple(draw(items(i)) for i in range(count))),),
    )


TIMES = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),
    max_value=dt.datetime(2026, 12, 31),
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-8)), dt.timezone(dt.timedelta(hours=5))]),
)


AT = dt.datetime(2025, 6, 15, 23, 30, tzinfo=dt.UTC)


def utc_day(at: dt.datetime) -> dt.date:
    return at.astimezone(dt.UTC).date()


def passed() -> Answer:
    return Answer(AnswerKind.PASS)


def failed() -> Answer:
    return Answer(AnswerKind.FAIL)


def expired_waiver(at: dt.datetime, days_ago: int) -> Answer:
    return Answer(AnswerKind.WAIVED, waiver=Waiver("later", "Dana Ops", utc_day(at) - dt.timedelta(days=days_ago)))


_ANSWER_MAKERS = st.sampled_from(
    [
        lambda today: None,
        lambda today: passed(),
        lambda today: passed(),
        lambda today: failed(),
        lambda today: Answer(AnswerKind.NOT_APPLICABLE, reason="n/a"),
        lambda today: Answer(AnswerKind.WAIVED, waiver=Waiver("later", "Dana Ops", today)),
        lambda today: Answer(AnswerKind.WAIVED, waiver=Waiver("later", "Dana Ops", today + dt.timedelta(days=90))),
        lambda today: Answer(AnswerKind.WAIVED, waiver=Waiver("later", "Dana Ops", today - dt.timedelta(days=1))),
        lambda today: Answer(AnswerKind.WAIVED, waiver=Waiver("later", " ", today + dt.timedelta(days=90))),
    ]
)


@st.composite
def answers(draw, at: dt.datetime) -> Answer | None:
    """No answer, or one of each kind, including waivers expiring today, yesterday and
    one with a blank approver."""
    return draw(_ANSWER_MAKERS)(utc_day(at))


FINDINGS = st.lists(
    st.sampled_from(list(Outcome)).map(lambda o: Finding("codeowners-present", o, f"probe said {o.value}")),
    max_size=3,
).map(tuple)


@st.composite
def outcomes_for(draw, pack: Pack, at: dt.datetime) -> dict[str, ItemOutcome]:
    result = {}
    for item in pack.items:
        answer = draw(answers(at))
        findings = () if item.evidence is EvidenceMode.MANUAL else draw(FINDINGS)
        if answer is not None or findings:
            result[item.id] = ItemOutcome(item.id, answer=answer, findings=findings)
    return result


@dataclass(frozen=True)
class Case:
    pack: Pack
    outcomes: dict[str, ItemOutcome]
    at: dt.datetime
    item: Item  # the item a property changes
    tier: int  # a tier at which that item is asked


@st.composite
def cases(draw) -> Case:
    pack = draw(packs())
    at = draw(TIMES)
    item = draw(st.sampled_from(pack.items))
    tier = draw(st.sampled_from(sorted(item.required | item.recommended)))
    return Case(pack, draw(outcomes_for(pack, at)), at, item, tier)


def verdict(name: str, case: Case, tier: int, outcomes: dict[str, ItemOutcome] | None = None) -> Verdict:
    return evaluate(case.pack, tier, case.outcomes if outcomes is None else outcomes, case.at, scorer(name))


def with_answer(case: Case, answer: Answer) -> dict[str, ItemOutcome]:
    """The case's outcomes, with the chosen item answered `answer` (its findings kept)."""
    current = case.outcomes.get(case.item.id, ItemOutcome(case.item.id))
    return {**case.outcomes, case.item.id: replace(current, answer=answer)}


def level_rank(pack: Pack, level: str | None) -> int:
    return 0 if level is None else pack.levels.index(level) + 1


def blocker_ids(v: Verdict) -> list[str]:
    return [b.item_id for b in v.blockers]


# --- the generators really cover what the properties talk about --------------------------


def test_generated_packs_obey_the_tier_rule():
    @given(packs())
    @settings(max_examples=50, deadline=None)
    def check(pack):
        for item in pack.items:
            assert item.required | item.recommended
            assert not item.required & item.recommended
            for tier in TIERS[1:]:
                if tier in item.required:
                    assert tier - 1 in item.required
                if tier in item.recommended:
                    assert item.asked(tier - 1)

    check()


def test_generated_tier_sets_cover_every_shape_the_format_allows():
    """Every (required, recommended) pair obeying the rule can be generated, e.g. the
    item required at 0-1 and recommended at 2-3 as well as one recommended at 0 only."""
    for required_below in range(len(TIERS) + 1):
        for asked_below in range(max(required_below, 1), len(TIERS) + 1):
            wanted = (frozenset(range(required_below)), frozenset(range(required_below, asked_below)))
            assert find(tier_sets(), lambda sets, wanted=wanted: sets == wanted) == wanted


@pytest.mark.parametrize("name", SCORERS)
def test_generated_answers_include_ready_and_blocked_verdicts_at_tier_0(name):
    find(cases(), lambda case: verdict(name, case, 0).ready and len(case.pack.asked_items(0)) >= 3)
    find(cases(), lambda case: not verdict(name, case, 0).ready and verdict(name, case, 3).ready)


# --- 1. passing an item never hurts ------------------------------------------------------


@pytest.mark.parametrize("name", SCORERS)
def test_moving_an_item_from_fail_to_pass_never_lowers_the_score_nor_readiness(name):
    @given(cases())
    @PROPERTY
    def check(case):
        when_failed = verdict(name, case, case.tier, with_answer(case, failed()))
        when_passed = verdict(name, case, case.tier, with_answer(case, passed()))
        assert when_passed.score >= when_failed.score
        assert when_passed.ready or not when_failed.ready
        assert set(blocker_ids(when_passed)) <= set(blocker_ids(when_failed))
        if name == "levels":
            assert level_rank(case.pack, when_passed.level) >= level_rank(case.pack, when_failed.level)
        # the change is never invisible where the item counts
        counted = name != "gate" or case.item.requirement(case.tier) is Requirement.REQUIRED
        if counted and name != "weighted":  # weighted may round a light item's share away
            assert when_passed.score > when_failed.score
        if case.item.requirement(case.tier) is Requirement.REQUIRED:
            assert not when_failed.ready
            assert case.item.id in blocker_ids(when_failed)
            assert case.item.id not in blocker_ids(when_passed)

    check()


# --- 2. an expired waiver is a failure -----------------------------------------------------


@pytest.mark.parametrize("name", SCORERS)
def test_an_expired_waiver_scores_exactly_like_a_failure(name):
    @given(cases(), st.integers(1, 800))
    @PROPERTY
    def check(case, days_ago):
        when_waived = verdict(name, case, case.tier, with_answer(case, expired_waiver(case.at, days_ago)))
        when_failed = verdict(name, case, case.tier, with_answer(case, failed()))
        assert (when_waived.ready, when_waived.score, when_waived.level) == (
            when_failed.ready,
            when_failed.score,
            when_failed.level,
        )
        assert blocker_ids(when_waived) == blocker_ids(when_failed)
        if case.item.requirement(case.tier) is Requirement.REQUIRED:
            assert not when_waived.ready
            assert case.item.id in blocker_ids(when_waived)

    check()


# --- 3. a more critical tier is never more lenient --------------------------------------


@pytest.mark.parametrize("name", SCORERS)
def test_ready_at_a_more_critical_tier_implies_ready_at_every_less_critical_one(name):
    @given(cases())
    @PROPERTY
    def check(case):
        verdicts = [verdict(name, case, tier) for tier in TIERS]
        for critical, lenient in itertools.pairwise(verdicts):
            assert lenient.ready or not critical.ready
            assert set(blocker_ids(lenient)) <= set(blocker_ids(critical))
            if name == "levels":
                assert level_rank(case.pack, lenient.level) >= level_rank(case.pack, critical.level)

    check()


# --- and a perfect review is perfect -----------------------------------------------------


@pytest.mark.parametrize("name", SCORERS)
def test_every_item_satisfied_or_not_applicable_is_ready_with_score_100(name):
    """Whatever the weights: float sums must not turn a perfect score into 99."""
    good = st.sampled_from(["pass", "waived", "na"])

    @given(packs(), st.sampled_from(TIERS), st.data())
    @PROPERTY
    def check(pack, tier, data):
        today = utc_day(AT)
        answers = {
            "pass": passed(),
            "waived": Answer(AnswerKind.WAIVED, waiver=Waiver("later", "Dana Ops", today)),
            "na": Answer(AnswerKind.NOT_APPLICABLE, reason="n/a"),
        }
        outcomes = {item.id: ItemOutcome(item.id, answer=answers[data.draw(good)]) for item in pack.items}
        result = evaluate(pack, tier, outcomes, AT, scorer(name))
        assert (result.ready, result.score, result.blockers) == (True, 100, ())
        if name == "levels":
            assert result.level == pack.levels[-1]

    check()
