"""The built-in scorers (gate, weighted, levels) on small hand-built packs.

Scorers are loaded and run through the real path, `load_scorer` and `evaluate`, so the
built-in files under scorers/ and run_scorer's checks are exercised too."""

from __future__ import annotations

import datetime as dt

import pytest

from prr.domain.answers import Answer, AnswerKind, Waiver
from prr.domain.checklist import Item, Pack, Section
from prr.domain.scoring import AssessedOutcomes, assess
from prr.domain.status import ItemOutcome
from prr.domain.verdict import Verdict
from prr.workflow.scorers import evaluate, load_scorer

AT = dt.datetime(2025, 6, 15, 12, 0, tzinfo=dt.UTC)
TODAY = AT.date()
ALL_TIERS = (0, 1, 2, 3)


def item(
    item_id: str,
    *,
    required: tuple[int, ...] = (),
    recommended: tuple[int, ...] = (),
    weight: float = 1.0,
    level: str | None = None,
) -> Item:
    return Item(
        id=item_id,
        title=f"{item_id} holds",
        why="It matters.",
        how="Do it.",
        required=frozenset(required),
        recommended=frozenset(recommended),
        weight=weight,
        level=level,
        section=item_id.split(".")[0],
    )


def pack(*items: Item, scorer: str = "gate") -> Pack:
    return Pack(
        id="test-pack",
        version="1.0.0",
        title="Test pack",
        description="Hand-built for the scorer tests.",
        scorer=scorer,
        sections=(Section(id="s", title="Section", description="", items=items),),
    )


def outcomes(**kinds: str) -> dict[str, ItemOutcome]:
    """`outcomes(a="pass", b="fail")` -> answers for items `s.a` and `s.b`.

    Kinds: pass, fail, na, waived (approved, expires in a month), expired (approved,
    expired yesterday)."""
    result = {}
    for name, kind in kinds.items():
        item_id = f"s.{name}"
        if kind == "waived":
            answer = Answer(AnswerKind.WAIVED, waiver=Waiver("later", "Dana Ops", TODAY + dt.timedelta(days=30)))
        elif kind == "expired":
            answer = Answer(AnswerKind.WAIVED, waiver=Waiver("later", "Dana Ops", TODAY - dt.timedelta(days=1)))
        elif kind == "na":
            answer = Answer(AnswerKind.NOT_APPLICABLE, reason="does not apply")
        else:
            answer = Answer(AnswerKind(kind))
        result[item_id] = ItemOutcome(item_id, answer=answer)
    return result


def score(name: str, p: Pack, tier: int, answers: dict[str, ItemOutcome]) -> Verdict:
    return evaluate(p, tier, answers, AT, load_scorer(name))


def blocker_ids(verdict: Verdict) -> list[str]:
    return [b.item_id for b in verdict.blockers]


# --- loading ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gate", "weighted", "levels"])
def test_builtin_scorers_load_by_name(name):
    scorer = load_scorer(name)
    assert scorer.id == name
    assert scorer.version
    assert scorer.origin == f"builtin:{name}"


@pytest.mark.parametrize("name", ["gate", "weighted", "levels"])
def test_evaluate_without_a_scorer_uses_the_packs_own(name):
    p = pack(item("s.a", required=(0,)), scorer=name)
    verdict = evaluate(p, 0, outcomes(a="pass"), AT)
    assert verdict.scorer == name


# --- gate ------------------------------------------------------------------------------

GATE_PACK = pack(
    item("s.a", required=(0, 1, 2, 3)),
    item("s.b", required=(0, 1, 2), recommended=(3,)),
    item("s.c", required=(0, 1)),
    item("s.d", required=(0,), recommended=(1, 2, 3)),
)


def test_gate_is_ready_when_every_required_item_passes():
    verdict = score("gate", GATE_PACK, 0, outcomes(a="pass", b="pass", c="pass", d="pass"))
    assert verdict.ready
    assert verdict.score == 100
    assert verdict.blockers == ()
    assert verdict.level is None
    assert (verdict.scorer, verdict.scorer_version) == ("gate", "1")


@pytest.mark.parametrize("failing", ["a", "b", "c", "d"])
def test_gate_is_not_ready_when_any_required_item_fails(failing):
    answers = outcomes(**{name: "fail" if name == failing else "pass" for name in "abcd"})
    verdict = score("gate", GATE_PACK, 0, answers)
    assert not verdict.ready
    assert blocker_ids(verdict) == [f"s.{failing}"]
    assert verdict.blockers[0].reason == "answered fail"
    assert verdict.score == 75


def test_gate_blockers_name_each_unsatisfied_required_item_with_its_reason_in_pack_order():
    verdict = score("gate", GATE_PACK, 0, outcomes(a="pass", b="expired", d="fail"))
    assert not verdict.ready
    assert blocker_ids(verdict) == ["s.b", "s.c", "s.d"]
    reasons = {b.item_id: b.reason for b in verdict.blockers}
    assert "expired" in reasons["s.b"]
    assert reasons["s.c"] == "needs an answer"
    assert reasons["s.d"] == "answered fail"
    assert verdict.score == 25


def test_gate_counts_an_approved_unexpired_waiver_as_satisfied():
    verdict = score("gate", GATE_PACK, 0, outcomes(a="waived", b="pass", c="pass", d="pass"))
    assert verdict.ready
    assert verdict.score == 100


def test_gate_excludes_not_applicable_items_from_the_score():
    verdict = score("gate", GATE_PACK, 0, outcomes(a="na", b="na", c="pass", d="fail"))
    assert not verdict.ready
    assert blocker_ids(verdict) == ["s.d"]
    assert verdict.score == 50  # 1 of the 2 applicable required items, not 3 of 4


def test_gate_is_ready_when_the_only_other_required_items_are_not_applicable():
    verdict = score("gate", GATE_PACK, 0, outcomes(a="na", b="na", c="na", d="pass"))
    assert verdict.ready
    assert verdict.score == 100


def test_gate_score_is_the_share_of_required_items_satisfied_rounded_down():
    p = pack(item("s.a", required=(0,)), item("s.b", required=(0,)), item("s.c", required=(0,)))
    assert score("gate", p, 0, outcomes(a="pass", b="pass", c="fail")).score == 66
    assert score("gate", p, 0, outcomes(a="pass")).score == 33
    assert score("gate", p, 0, outcomes()).score == 0


def test_gate_never_blocks_on_recommended_items():
    # at tier 3, a is required; b and d are only recommended; c is not asked
    verdict = score("gate", GATE_PACK, 3, outcomes(a="pass", b="fail", c="fail", d="expired"))
    assert verdict.ready
    assert verdict.blockers == ()
    assert verdict.score == 100


def test_gate_ignores_items_not_asked_at_the_tier():
    verdict = score("gate", GATE_PACK, 2, outcomes(a="pass", b="pass", c="fail", d="fail"))
    assert verdict.ready
    assert verdict.score == 100


def test_gate_the_same_failure_blocks_at_tier_0_but_not_at_tier_3():
    answers = outcomes(a="pass", b="pass", c="pass", d="fail")
    assert not score("gate", GATE_PACK, 0, answers).ready
    assert score("gate", GATE_PACK, 3, answers).ready


@pytest.mark.parametrize("tier", ALL_TIERS)
def test_gate_pack_with_no_required_items_at_the_tier_is_ready_with_score_100(tier):
    p = pack(item("s.a", recommended=ALL_TIERS), item("s.b", recommended=ALL_TIERS))
    verdict = score("gate", p, tier, outcomes(a="fail"))
    assert verdict.ready
    assert verdict.score == 100
    assert verdict.blockers == ()


# --- weighted --------------------------------------------------------------------------


def test_weighted_a_failed_heavy_item_lowers_the_score_more_than_a_failed_light_one():
    p = pack(
        item("s.heavy", recommended=(0,), weight=5),
        item("s.light", recommended=(0,), weight=1),
        item("s.other", recommended=(0,), weight=4),
    )
    heavy_failed = score("weighted", p, 0, outcomes(heavy="fail", light="pass", other="pass"))
    light_failed = score("weighted", p, 0, outcomes(heavy="pass", light="fail", other="pass"))
    assert heavy_failed.score == 50  # 5 of 10 weight
    assert light_failed.score == 90  # 9 of 10 weight
    assert heavy_failed.score < light_failed.score


def test_weighted_counts_recommended_items_in_the_score_without_blocking():
    p = pack(item("s.req", required=(0,), weight=1), item("s.rec", recommended=(0,), weight=3))
    verdict = score("weighted", p, 0, outcomes(req="pass", rec="fail"))
    assert verdict.ready
    assert verdict.blockers == ()
    assert verdict.score == 25


def test_weighted_is_still_gated_on_required_items_whatever_the_score():
    p = pack(item("s.tiny", required=(0,), weight=1), item("s.huge", recommended=(0,), weight=999))
    verdict = score("weighted", p, 0, outcomes(tiny="fail", huge="pass"))
    assert verdict.score == 99
    assert not verdict.ready
    assert blocker_ids(verdict) == ["s.tiny"]
    assert verdict.blockers[0].reason == "answered fail"


def test_weighted_excludes_not_applicable_items_and_items_not_asked():
    p = pack(
        item("s.a", required=(0,), weight=2),
        item("s.b", required=(0,), weight=6),
        item("s.c", required=(0,), weight=50),
        item("s.d", recommended=(0,), weight=2),
    )
    verdict = score("weighted", p, 0, outcomes(a="pass", b="na", c="na", d="fail"))
    assert verdict.ready
    assert verdict.score == 50  # 2 of 4: b and c do not count
    verdict = score("weighted", p, 1, outcomes(a="fail", b="fail", c="fail", d="fail"))
    assert verdict.ready  # nothing is asked at tier 1
    assert verdict.score == 100


def test_weighted_counts_waivers_but_not_expired_ones():
    p = pack(item("s.a", required=(0,), weight=3), item("s.b", required=(0,), weight=1))
    assert score("weighted", p, 0, outcomes(a="waived", b="pass")).score == 100
    expired = score("weighted", p, 0, outcomes(a="expired", b="pass"))
    assert expired.score == 25
    assert blocker_ids(expired) == ["s.a"]


@pytest.mark.parametrize("weights", [(0.1, 0.2), (0.7, 0.1, 0.2), (1 / 3, 1 / 3, 1 / 3), (2.5, 0.01)])
def test_weighted_all_satisfied_scores_100_whatever_the_weights(weights):
    """Float sums must not turn a perfect score into 99 (0.1 + 0.2 once scored 99)."""
    p = pack(*(item(f"s.i{n}", required=(0,), weight=w) for n, w in enumerate(weights)))
    answers = outcomes(**{f"i{n}": "pass" for n in range(len(weights))})
    assert score("weighted", p, 0, answers).score == 100


def test_weighted_nearly_everything_satisfied_is_never_shown_as_100():
    p = pack(item("s.big", recommended=(0,), weight=996), item("s.small", recommended=(0,), weight=4))
    assert score("weighted", p, 0, outcomes(big="pass", small="fail")).score == 99


# --- levels ----------------------------------------------------------------------------

LEVELS_PACK = pack(
    item("s.req", required=(0, 1)),
    item("s.plain", recommended=(0, 1)),  # no level: counts towards the second level
    item("s.silver", recommended=(0, 1), level="silver"),
    item("s.gold", recommended=(0, 1), level="gold"),
    item("s.gold-required", required=(0,), recommended=(1,), level="gold"),
    scorer="levels",
)
ALL_PASS = {"req": "pass", "plain": "pass", "silver": "pass", "gold": "pass", "gold-required": "pass"}


def levels_with(tier: int = 0, **changes: str) -> Verdict:
    return score("levels", LEVELS_PACK, tier, outcomes(**{**ALL_PASS, **changes}))


def test_levels_all_satisfied_reaches_the_top_level():
    verdict = levels_with()
    assert (verdict.ready, verdict.level, verdict.score, verdict.blockers) == (True, "gold", 100, ())


def test_levels_a_failed_gold_item_stops_at_silver():
    verdict = levels_with(gold="fail")
    assert (verdict.ready, verdict.level) == (True, "silver")
    assert verdict.blockers == ()


@pytest.mark.parametrize("failing", ["silver", "plain"])
def test_levels_a_recommended_silver_item_blocks_silver_but_not_readiness(failing):
    verdict = levels_with(**{failing: "fail"})
    assert (verdict.ready, verdict.level) == (True, "bronze")
    assert verdict.blockers == ()


def test_levels_a_level_is_reached_only_when_all_lower_levels_are_too():
    verdict = levels_with(silver="fail")  # every gold item passes
    assert verdict.level == "bronze"


def test_levels_a_failed_required_item_reaches_no_level_and_is_not_ready():
    verdict = levels_with(req="fail")
    assert (verdict.ready, verdict.level) == (False, None)
    assert blocker_ids(verdict) == ["s.req"]
    assert verdict.blockers[0].reason.startswith("bronze")
    assert "answered fail" in verdict.blockers[0].reason


def test_levels_a_required_item_with_level_gold_still_blocks_readiness():
    verdict = levels_with(0, **{"gold-required": "fail"})
    assert (verdict.ready, verdict.level) == (False, None)
    assert blocker_ids(verdict) == ["s.gold-required"]


def test_levels_the_same_item_counts_towards_its_own_level_where_only_recommended():
    verdict = levels_with(1, **{"gold-required": "fail"})
    assert (verdict.ready, verdict.level) == (True, "silver")


@pytest.mark.parametrize(
    "changes",
    [{}, {"gold": "fail"}, {"silver": "fail"}, {"req": "fail"}, {"req": "na", "plain": "fail"}, {"req": "expired"}],
    ids=["all-pass", "gold-fails", "silver-fails", "required-fails", "required-na", "required-waiver-expired"],
)
def test_levels_ready_exactly_when_the_first_level_is_reached(changes):
    verdict = levels_with(**changes)
    assert verdict.ready == (verdict.level is not None)
    assert verdict.ready == (changes.get("req") in (None, "na"))


def test_levels_score_is_the_share_of_applicable_asked_items_satisfied():
    assert levels_with(req="na", gold="fail").score == 75
    assert levels_with(plain="fail", gold="fail").score == 60


def test_levels_a_waiver_counts_and_an_expired_one_does_not():
    assert levels_with(req="waived").level == "gold"
    assert levels_with(req="expired").level is None


def test_levels_uses_the_packs_own_level_names():
    p = Pack(
        id="named-levels",
        version="1",
        title="t",
        description="d",
        scorer="levels",
        sections=(
            Section(
                id="s",
                title="S",
                description="",
                items=(item("s.a", required=(0,)), item("s.b", recommended=(0,))),
            ),
        ),
        levels=("walk", "run"),
    )
    assert score("levels", p, 0, outcomes(a="pass", b="pass")).level == "run"
    assert score("levels", p, 0, outcomes(a="pass", b="fail")).level == "walk"
    assert score("levels", p, 0, outcomes(a="fail", b="pass")).level is None


def test_levels_in_a_one_level_pack_recommended_items_never_block():
    p = Pack(
        id="one-level",
        version="1",
        title="t",
        description="d",
        scorer="levels",
        sections=(
            Section(
                id="s",
                title="S",
                description="",
                items=(item("s.a", required=(0,)), item("s.b", recommended=(0,))),
            ),
        ),
        levels=("basic",),
    )
    verdict = score("levels", p, 0, outcomes(a="pass", b="fail"))
    assert (verdict.ready, verdict.level, blocker_ids(verdict)) == (True, "basic", [])


@pytest.mark.parametrize("name", ["gate", "weighted", "levels"])
def test_outcomes_that_remember_their_assessment_score_exactly_like_plain_ones(name: str) -> None:
    p = pack(
        item("s.a", required=ALL_TIERS),
        item("s.b", required=(0, 1), recommended=(2, 3), level="silver"),
        item("s.c", recommended=ALL_TIERS, weight=2.0),
        item("s.d", required=ALL_TIERS),
    )
    plain = outcomes(a="pass", b="expired", c="na", d="waived")
    remembered = AssessedOutcomes(plain)
    for tier in ALL_TIERS:
        assert score(name, p, tier, remembered) == score(name, p, tier, plain)
        assert assess(p, tier, remembered, AT) == assess(p, tier, plain, AT)
        assert remembered.assessment(p, tier, AT) == tuple(assess(p, tier, plain, AT))
    assert dict(remembered) == plain
