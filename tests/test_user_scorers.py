"""Scorer files a user names (`--scorer FILE`): loaded, run, and kept from crashing prr.

A broken scorer must end as one clear PrrError: InputError (exit 2) for a file that is
not a usable scorer, ToolError (exit 3) for one that raises or returns nonsense."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest

from prr.domain.answers import Answer, AnswerKind
from prr.domain.checklist import Item, Pack, Section
from prr.domain.errors import InputError, ToolError
from prr.domain.status import ItemOutcome
from prr.exit_codes import ExitCode
from prr.workflow.scorers import evaluate, load_scorer

AT = dt.datetime(2025, 6, 15, 12, 0, tzinfo=dt.UTC)

PACK = Pack(
    id="test-pack",
    version="1.0.0",
    title="Test pack",
    description="Hand-built for the user scorer tests.",
    scorer="gate",
    sections=(
        Section(
            id="s",
            title="Section",
            description="",
            items=(
                Item("s.a", "a holds", "why", "how", required=frozenset({0}), recommended=frozenset()),
                Item("s.b", "b holds", "why", "how", required=frozenset({0}), recommended=frozenset()),
            ),
        ),
    ),
)
ALL_PASS = {i: ItemOutcome(i, answer=Answer(AnswerKind.PASS)) for i in ("s.a", "s.b")}


def write_scorer(tmp_path: Path, body: str, name: str = "my_scorer.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def scorer_returning(tmp_path: Path, expression: str) -> Path:
    """A scorer whose score() returns `expression` (Verdict and Blocker are in scope)."""
    return write_scorer(
        tmp_path,
        f"""\
        from prr.domain.verdict import Blocker, Verdict

        ID = "mine"
        VERSION = "0.1"

        def score(pack, tier, outcomes, at):
            return {expression}
        """,
    )


def run(path: Path, outcomes=ALL_PASS):
    return evaluate(PACK, 0, outcomes, AT, scorer=load_scorer(str(path)))


# --- a valid scorer --------------------------------------------------------------------


def test_a_valid_user_scorer_is_loaded_and_used_instead_of_the_packs(tmp_path):
    path = scorer_returning(
        tmp_path,
        'Verdict(ready=False, score=42, level="custom", blockers=(Blocker("s.b", "house rule"),), '
        "scorer=ID, scorer_version=VERSION)",
    )
    scorer = load_scorer(str(path))
    assert (scorer.id, scorer.version, scorer.origin) == ("mine", "0.1", str(path))
    verdict = evaluate(PACK, 0, ALL_PASS, AT, scorer=scorer)
    # the pack's own gate scorer would call this ready with 100
    assert evaluate(PACK, 0, ALL_PASS, AT).ready
    assert (verdict.ready, verdict.score, verdict.level) == (False, 42, "custom")
    assert [(b.item_id, b.reason) for b in verdict.blockers] == [("s.b", "house rule")]
    assert (verdict.scorer, verdict.scorer_version) == ("mine", "0.1")


def test_a_user_scorer_receives_the_pack_tier_outcomes_and_time(tmp_path):
    path = write_scorer(
        tmp_path,
        """\
        from prr.domain.scoring import assess, percentage
        from prr.domain.verdict import Verdict

        ID = "half-is-enough"
        VERSION = "2"

        def score(pack, tier, outcomes, at):
            assessed = assess(pack, tier, outcomes, at)
            done = sum(1 for a in assessed if a.status.state.satisfied)
            return Verdict(
                ready=2 * done >= len(assessed),
                score=percentage(done, len(assessed)),
                level=f"{pack.id}@{tier}@{at.date().isoformat()}",
                blockers=(),
                scorer=ID,
                scorer_version=VERSION,
            )
        """,
    )
    only_a = {"s.a": ALL_PASS["s.a"]}
    verdict = run(path, only_a)
    assert (verdict.ready, verdict.score, verdict.level) == (True, 50, "test-pack@0@2025-06-15")


# --- a scorer that raises --------------------------------------------------------------


def test_a_scorer_that_raises_becomes_a_tool_error_naming_scorer_file_and_exception(tmp_path):
    path = write_scorer(
        tmp_path,
        """\
        ID = "mine"
        VERSION = "0.1"

        def score(pack, tier, outcomes, at):
            raise ValueError("weights do not add up")
        """,
    )
    with pytest.raises(ToolError) as caught:
        run(path)
    message = str(caught.value)
    assert "'mine'" in message
    assert str(path) in message
    assert "ValueError: weights do not add up" in message
    assert caught.value.exit_code is ExitCode.TOOL
    assert len(caught.value.lines()) == 1


# --- a scorer that returns nonsense ----------------------------------------------------

GOOD = "scorer=ID, scorer_version=VERSION"


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        (f"Verdict(ready=True, score=140, level=None, blockers=(), {GOOD})", "score"),
        (f"Verdict(ready=True, score=-1, level=None, blockers=(), {GOOD})", "score"),
        (f"Verdict(ready=True, score=99.5, level=None, blockers=(), {GOOD})", "score"),
        (f"Verdict(ready=True, score=100.0, level=None, blockers=(), {GOOD})", "score"),
        (f"Verdict(ready=True, score=True, level=None, blockers=(), {GOOD})", "score"),
        (f'Verdict(ready="yes", score=100, level=None, blockers=(), {GOOD})', "ready"),
        (f"Verdict(ready=1, score=100, level=None, blockers=(), {GOOD})", "ready"),
        ('{"ready": True, "score": 100}', "dict"),
        ("None", "NoneType"),
        (f"Verdict(ready=True, score=100, level=3, blockers=(), {GOOD})", "level"),
        (f"Verdict(ready=False, score=0, level=None, blockers=None, {GOOD})", "blockers"),
        (f'Verdict(ready=False, score=0, level=None, blockers="s.a", {GOOD})', "blockers"),
        (f'Verdict(ready=False, score=0, level=None, blockers=("s.a",), {GOOD})', "Blocker"),
        (f'Verdict(ready=False, score=0, level=None, blockers=(Blocker(["s.a"], "x"),), {GOOD})', "unknown item"),
        (f'Verdict(ready=False, score=0, level=None, blockers=(Blocker("s.zzz", "x"),), {GOOD})', "s.zzz"),
        (f'Verdict(ready=True, score=50, level=None, blockers=(Blocker("s.a", "x"),), {GOOD})', "ready with blockers"),
    ],
    ids=[
        "score-140",
        "score-negative",
        "score-float",
        "score-whole-float",
        "score-bool",
        "ready-yes",
        "ready-int",
        "dict-not-verdict",
        "none-not-verdict",
        "level-not-text",
        "blockers-none",
        "blockers-text",
        "blocker-not-a-blocker",
        "blocker-id-not-text",
        "blocker-unknown-item",
        "ready-with-blockers",
    ],
)
def test_a_scorer_returning_nonsense_becomes_a_tool_error(tmp_path, expression, problem):
    path = scorer_returning(tmp_path, expression)
    with pytest.raises(ToolError) as caught:
        run(path)
    message = str(caught.value)
    assert "nonsense" in message
    assert "'mine'" in message
    assert str(path) in message
    assert problem in message


# --- files that are not usable scorers -------------------------------------------------


def test_a_file_with_a_syntax_error_is_one_input_error_line_with_its_position(tmp_path):
    path = write_scorer(
        tmp_path,
        """\
        ID = "mine"
        VERSION = "0.1"

        def score(pack, tier, outcomes, at)
            return None
        """,
    )
    with pytest.raises(InputError) as caught:
        load_scorer(str(path))
    lines = caught.value.lines()
    assert len(lines) == 1
    assert re.fullmatch(rf"{re.escape(str(path))}:4:\d+: Python syntax error: .+", lines[0])
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code is ExitCode.USAGE


@pytest.mark.parametrize(
    "body",
    [
        'ID = "mine"\nVERSION = "0.1"\n',
        'ID = "mine"\nVERSION = "0.1"\nscore = 42\n',
        'VERSION = "0.1"\ndef score(pack, tier, outcomes, at):\n    return None\n',
        'ID = 7\nVERSION = "0.1"\ndef score(pack, tier, outcomes, at):\n    return None\n',
        'ID = "mine"\ndef score(pack, tier, outcomes, at):\n    return None\n',
    ],
    ids=["no-score", "score-not-callable", "no-id", "id-not-text", "no-version"],
)
def test_a_file_that_does_not_define_a_scorer_is_an_input_error(tmp_path, body):
    path = write_scorer(tmp_path, body)
    with pytest.raises(InputError) as caught:
        load_scorer(str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert "score(" in message


def test_a_file_that_raises_on_import_is_a_tool_error(tmp_path):
    path = write_scorer(tmp_path, 'ID = "mine"\nVERSION = "0.1"\nLIMIT = 1 / 0\n')
    with pytest.raises(ToolError) as caught:
        load_scorer(str(path))
    message = str(caught.value)
    assert str(path) in message
    assert "import" in message
    assert "ZeroDivisionError" in message


def test_a_missing_scorer_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_scorer(str(tmp_path / "nowhere.py"))


def test_a_folder_named_as_the_scorer_is_an_input_error_saying_so(tmp_path):
    (tmp_path / "scorer.py").mkdir()
    with pytest.raises(InputError, match="a folder, not a Python file"):
        load_scorer(str(tmp_path / "scorer.py"))


@pytest.mark.parametrize("name", ["strict", "Gate", "gate.py "])
def test_an_unknown_builtin_name_is_an_input_error_listing_the_builtins(name):
    with pytest.raises(InputError) as caught:
        load_scorer(name)
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert "gate, levels, weighted" in message


def test_a_scorer_that_calls_sys_exit_is_a_tool_error_not_an_exit(tmp_path):
    path = write_scorer(
        tmp_path,
        """\
        import sys

        ID = "mine"
        VERSION = "0.1"

        def score(pack, tier, outcomes, at):
            sys.exit(1)
        """,
    )
    with pytest.raises(ToolError, match=r"'mine'.*SystemExit"):
        run(path)


def test_a_file_that_exits_on_import_is_a_tool_error(tmp_path):
    path = write_scorer(tmp_path, "raise SystemExit(4)\n", name="exits.py")
    with pytest.raises(ToolError, match="failed on import: SystemExit"):
        load_scorer(str(path))
