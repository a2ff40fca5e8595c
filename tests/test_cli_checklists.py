"""`prr checklists ...` as a user or a CI script sees it: output, exit codes, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import Run

from prr import __version__

Prr = Callable[..., Run]
BAD_PACK = "id: demo\nversion: 1.10\ntitle: NO\ndescription: d\nscorer: gate\nsections: []\nextra: 1\n"


def test_version(prr: Prr) -> None:
    result = prr("--version")
    assert (result.code, result.out) == (0, f"prr {__version__}\n")


def test_list_shows_the_three_builtin_packs_from_any_directory(prr: Prr, tmp_path: Path) -> None:
    result = prr("checklists", "list", cwd=tmp_path)
    assert result.code == 0
    names = [line.split()[0] for line in result.out.splitlines()[1:]]
    assert names == ["design-review", "launch", "migration"]


def test_list_as_json(prr: Prr) -> None:
    packs = json.loads(prr("checklists", "list", "--format", "json").out)
    assert {p["name"]: p["scorer"] for p in packs} == {
        "design-review": "levels",
        "launch": "gate",
        "migration": "weighted",
    }


def test_show_json_at_a_tier_lists_only_what_that_tier_asks(prr: Prr) -> None:
    result = prr("checklists", "show", "launch", "--tier", "0", "--format", "json")
    assert result.code == 0
    data = json.loads(result.out)
    items = [item for section in data["sections"] for item in section["items"]]
    assert data["tier"] == 0
    assert {item["requirement"] for item in items} <= {"required", "recommended"}
    assert data["counts"]["required"] == sum(1 for item in items if item["requirement"] == "required")
    assert all(0 in item["required"] for item in items if item["requirement"] == "required")
    tier3 = json.loads(prr("checklists", "show", "launch", "--tier", "3", "--format", "json").out)
    assert tier3["counts"]["required"] < data["counts"]["required"]


def test_show_text_groups_items_by_section(prr: Prr) -> None:
    result = prr("checklists", "show", "migration", "--tier", "1")
    assert result.code == 0
    assert result.out.startswith("Migration readiness review (migration 1.0.0, scorer: weighted)")
    assert "Tier 1 (" in result.out
    assert any(line.startswith("  required ") for line in result.out.splitlines())


def test_show_a_file_resolves_extends(prr: Prr, write: Callable[[str, str], Path]) -> None:
    path = write(
        "acme.yaml",
        'id: acme\nversion: "1"\ntitle: ACME\ndescription: ACME.\nextends: design-review\nremove: [security]\n',
    )
    data = json.loads(prr("checklists", "show", str(path), "--format", "json").out)
    assert data["id"] == "acme"
    assert "security" not in [s["id"] for s in data["sections"]]
    assert [s["name"] for s in data["sources"]] == [str(path), "builtin:design-review"]


def test_lint_reports_each_problem_on_one_line_with_exit_2(prr: Prr, write: Callable[[str, str], Path]) -> None:
    path = write("bad.yaml", BAD_PACK)
    result = prr("checklists", "lint", str(path))
    assert result.code == 2
    assert result.out == ""
    assert result.err.splitlines() == [
        f"{path}:2:10: version: YAML reads unquoted '1.10' as a number, not text; quote it: \"1.10\"",
        f"{path}:3:8: title: YAML reads unquoted 'NO' as a boolean, not text; quote it: \"NO\"",
        f"{path}:7:1: unknown key 'extra' in the pack",
    ]


def test_lint_clean_packs(prr: Prr) -> None:
    result = prr("checklists", "lint", "launch", "migration", "design-review")
    assert (result.code, result.out, result.err) == (0, "3 packs OK\n", "")


def test_show_of_a_malformed_pack_is_an_input_error_without_traceback(
    prr: Prr, write: Callable[[str, str], Path]
) -> None:
    path = write("bad.yaml", "id: demo\nsections: &a [*a]\n")
    result = prr("checklists", "show", str(path))
    assert result.code == 2
    assert "Traceback" not in result.err
    assert all(line.startswith(f"{path}:") for line in result.err.splitlines())


def test_unknown_pack_name_is_a_usage_error_naming_the_builtins(prr: Prr) -> None:
    result = prr("checklists", "show", "lunch")
    assert result.code == 2
    assert (
        result.err
        == "prr: lunch: no built-in pack and no file by that name (built-in packs: design-review, launch, migration)\n"
    )


def test_missing_file_is_a_usage_error(prr: Prr, tmp_path: Path) -> None:
    result = prr("checklists", "show", "nowhere/pack.yaml")
    assert (result.code, result.err) == (2, "prr: nowhere/pack.yaml: no such file\n")


def test_bad_flag_is_a_usage_error(prr: Prr) -> None:
    result = prr("checklists", "show", "launch", "--tier", "7")
    assert result.code == 2
    assert "Invalid value for '--tier'" in result.err
    assert "Traceback" not in result.err


def test_unknown_command_is_a_usage_error(prr: Prr) -> None:
    assert prr("frobnicate").code == 2


SCORER = """\
from prr.domain.verdict import Verdict

ID = "mine"
VERSION = "1"


def score(pack, tier, outcomes, at):
    return Verdict(ready=True, score={score}, level=None, blockers=(), scorer=ID, scorer_version=VERSION)
"""


def test_lint_tries_a_users_scorer_on_the_pack(prr: Prr, write: Callable[[str, str], Path]) -> None:
    path = write("mine.py", SCORER.format(score="100"))
    result = prr("checklists", "lint", "migration", "--scorer", str(path))
    assert (result.code, result.out) == (0, "1 pack OK with scorer 'mine'\n")


def test_a_scorer_returning_nonsense_is_named_with_exit_3(prr: Prr, write: Callable[[str, str], Path]) -> None:
    path = write("mine.py", SCORER.format(score="len(outcomes) * 1000"))
    result = prr("checklists", "lint", "migration", "--scorer", str(path))
    assert result.code == 3
    assert result.err.startswith(f"prr: scorer 'mine' ({path}) returned nonsense: score must be an integer")
    assert len(result.err.splitlines()) == 1


def test_a_scorer_file_with_a_syntax_error_is_an_input_error(prr: Prr, write: Callable[[str, str], Path]) -> None:
    path = write("broken.py", "ID = 'x'\ndef score(:\n")
    result = prr("checklists", "lint", "launch", "--scorer", str(path))
    assert (result.code, result.err) == (2, f"{path}:2:11: Python syntax error: invalid syntax\n")
