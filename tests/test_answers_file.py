"""Answers files: a service owner's answers, in YAML or TOML, checked against a pack.

Every problem is one line, `file:line:col: message`, and every problem in a file is
reported together (InputError, exit code 2). TOML keeps no positions, so its schema
problems are at 1:1 and name the key path. The template `prr review --template` prints
parses as-is, for every built-in pack at every tier."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from prr.domain.answers import Answer, AnswerKind, Waiver
from prr.domain.checklist import TIERS, Item, Pack, Section
from prr.domain.errors import InputError
from prr.domain.record import Signer
from prr.exit_codes import ExitCode
from prr.format.answers_file import AnswersFile, AnswersHeader, parse_answers, peek
from prr.format.answers_template import render_template
from prr.workflow.checklists import open_pack

TODAY = dt.date(2026, 6, 1)
# libyaml and PyYAML's pure-Python parser word this one error differently.
FLOW_MAPPING_END = (
    "did not find expected ',' or '}'"
    if hasattr(yaml, "CSafeLoader")
    else "expected ',' or '}', but got '<stream end>'"
)


def _item(item_id: str, required: set[int], recommended: set[int] = frozenset()) -> Item:
    return Item(
        id=item_id,
        title=f"Title of {item_id}",
        why="Because.",
        how="Do it.",
        required=frozenset(required),
        recommended=frozenset(recommended),
    )


PACK = Pack(
    id="launch",
    version="1.0.0",
    title="Demo launch",
    description="A small pack for these tests.",
    scorer="gate",
    sections=(
        Section("ownership", "Ownership", "", (_item("ownership.codeowners", {0, 1, 2}, {3}),)),
        Section("slo", "SLOs", "", (_item("slo.defined", {0, 1}), _item("slo.alerts", {0}, {1}))),
        Section("dr", "Disaster recovery", "", (_item("dr.restore-tested", {0, 1, 2}), _item("dr.game-day", {0}))),
    ),
)

GOOD_YAML = """\
checklist: launch
tier: 1
answers:
  ownership.codeowners: {answer: pass, note: "CODEOWNERS covers services/payments"}
  slo.defined: {answer: waived, reason: "SLOs land next quarter", approver: "jane@example.com", expires: 2027-01-31}
  dr.restore-tested:
    answer: na
    reason: stateless service
    evidence: [https://wiki.example.com/payments/dr, docs/dr.md]
  slo.alerts: {answer: fail}
"""

GOOD_TOML = """\
checklist = "launch"
tier = 1

[answers."ownership.codeowners"]
answer = "pass"
note = "CODEOWNERS covers services/payments"

[answers."slo.defined"]
answer = "waived"
reason = "SLOs land next quarter"
approver = "jane@example.com"
expires = 2027-01-31

[answers."dr.restore-tested"]
answer = "na"
reason = "stateless service"
evidence = ["https://wiki.example.com/payments/dr", "docs/dr.md"]

[answers."slo.alerts"]
answer = "fail"
"""

EXPECTED = AnswersFile(
    checklist="launch",
    tier=1,
    answers={
        "ownership.codeowners": Answer(AnswerKind.PASS, note="CODEOWNERS covers services/payments"),
        "slo.defined": Answer(
            AnswerKind.WAIVED,
            waiver=Waiver("SLOs land next quarter", "jane@example.com", dt.date(2027, 1, 31)),
        ),
        "dr.restore-tested": Answer(
            AnswerKind.NOT_APPLICABLE,
            reason="stateless service",
            links=("https://wiki.example.com/payments/dr", "docs/dr.md"),
        ),
        "slo.alerts": Answer(AnswerKind.FAIL),
    },
)


def problems(text: str, source: str = "answers.yaml", tier: int | None = None, pack: Pack = PACK) -> list[str]:
    with pytest.raises(InputError) as caught:
        parse_answers(source, text.encode(), pack, tier, TODAY)
    assert caught.value.exit_code == ExitCode.USAGE == 2
    return caught.value.lines()


def yaml_with(*entries: str, head: str = "checklist: launch\ntier: 1\n") -> str:
    """Lines 1-3 are the header; entries start on line 4, indented by 2."""
    return head + "answers:\n" + "".join(f"  {entry}\n" for entry in entries)


# ------------------------------------------------------------------ a good file


@pytest.mark.parametrize(("source", "text"), [("prr-answers.yaml", GOOD_YAML), ("prr-answers.toml", GOOD_TOML)])
def test_a_good_file_reads_into_answers_waivers_and_links(source: str, text: str) -> None:
    assert parse_answers(source, text.encode(), PACK, None, TODAY) == EXPECTED


def test_the_yml_extension_is_yaml_too() -> None:
    assert parse_answers("a.yml", GOOD_YAML.encode(), PACK, 1, TODAY) == EXPECTED


def test_the_callers_tier_is_used_when_the_file_names_none() -> None:
    parsed = parse_answers(
        "a.yaml", yaml_with("slo.defined: {answer: pass}", head="checklist: launch\n").encode(), PACK, 0, TODAY
    )
    assert (parsed.tier, list(parsed.answers)) == (0, ["slo.defined"])


def test_an_empty_answer_is_unanswered_and_leaves_no_entry() -> None:
    text = yaml_with(
        'ownership.codeowners: {answer: ""}', "slo.defined: {answer: }", "slo.alerts:", "dr.restore-tested: ''"
    )
    assert parse_answers("a.yaml", text.encode(), PACK, 1, TODAY).answers == {}


def test_an_empty_toml_answer_is_unanswered() -> None:
    text = 'checklist = "launch"\ntier = 1\n[answers."slo.defined"]\nanswer = ""\n'
    assert parse_answers("a.toml", text.encode(), PACK, None, TODAY).answers == {}


def test_a_waiver_expiring_today_still_holds() -> None:
    text = yaml_with("slo.defined: {answer: waived, reason: r, approver: a, expires: 2026-06-01}")
    waiver = parse_answers("a.yaml", text.encode(), PACK, None, TODAY).answers["slo.defined"].waiver
    assert waiver == Waiver("r", "a", TODAY)


def test_a_quoted_date_is_accepted_for_expires() -> None:
    text = yaml_with('slo.defined: {answer: waived, reason: r, approver: a, expires: "2027-01-31"}')
    waiver = parse_answers("a.yaml", text.encode(), PACK, None, TODAY).answers["slo.defined"].waiver
    assert waiver is not None and waiver.expires == dt.date(2027, 1, 31)


def test_peek_reads_the_checklist_and_tier_before_the_pack_is_known() -> None:
    assert peek("a.yaml", GOOD_YAML.encode()) == AnswersHeader("launch", 1)
    assert peek("a.toml", GOOD_TOML.encode()) == AnswersHeader("launch", 1)
    assert peek("a.yaml", b"answers: {}\n") == AnswersHeader(None, None)


# ------------------------------------------------------------------ YAML problems

YAML_CASES = {
    "unknown top-level key": (
        "checklist: launch\ntier: 1\nanswer: {}\nanswers: {}\n",
        ["answers.yaml:3:1: unknown key 'answer' in answers file (did you mean 'answers'?)"],
    ),
    "missing checklist and answers": (
        "tier: 1\n",
        [
            "answers.yaml:1:1: answers file is missing 'answers'",
            "answers.yaml:1:1: answers file is missing 'checklist'",
        ],
    ),
    "missing tier": ("checklist: launch\nanswers: {}\n", ["answers.yaml:1:1: answers file is missing 'tier'"]),
    "not a mapping": ("- launch\n", ["answers.yaml:1:1: answers file must be a mapping, got a list"]),
    "checklist of another pack": (
        "checklist: migration\ntier: 1\nanswers: {}\n",
        [
            "answers.yaml:1:12: checklist 'migration' does not match the pack being reviewed, 'launch': "
            "write checklist: launch"
        ],
    ),
    "tier out of range": (
        "checklist: launch\ntier: 4\nanswers: {}\n",
        ["answers.yaml:2:7: tier must be from 0 to 3, got 4"],
    ),
    "tier as text": (
        'checklist: launch\ntier: "1"\nanswers: {}\n',
        ["answers.yaml:2:7: tier must be a whole number written in decimal, got text"],
    ),
    "answers not a mapping": (
        "checklist: launch\ntier: 1\nanswers: [slo.defined]\n",
        ["answers.yaml:3:10: answers must be a mapping, got a list"],
    ),
    "unknown item with a hint": (
        yaml_with("slo.defind: {answer: pass}"),
        ["answers.yaml:4:3: unknown item 'slo.defind' in checklist 'launch' (did you mean 'slo.defined'?)"],
    ),
    "unknown item without a hint": (
        yaml_with("zzz: {answer: pass}"),
        ["answers.yaml:4:3: unknown item 'zzz' in checklist 'launch'"],
    ),
    "item not asked at the tier": (
        yaml_with("dr.game-day: {answer: pass}"),
        ["answers.yaml:4:3: item 'dr.game-day' is not asked at tier 1 (only at tier 0): remove it"],
    ),
    "item not asked, asked at several tiers": (
        yaml_with("slo.alerts: {answer: pass}", head="checklist: launch\ntier: 3\n"),
        ["answers.yaml:4:3: item 'slo.alerts' is not asked at tier 3 (only at tiers 0, 1): remove it"],
    ),
    "unknown answer": (
        yaml_with("slo.defined: {answer: passed}"),
        ["answers.yaml:4:25: answer must be one of pass, fail, na, waived; got 'passed' (did you mean 'pass'?)"],
    ),
    "YAML 1.1 boolean as answer": (
        yaml_with("slo.defined: {answer: no}", "slo.alerts: {answer: on}"),
        [
            "answers.yaml:4:25: answer must be pass, fail, na or waived; got 'no', which YAML reads as a boolean",
            "answers.yaml:5:24: answer must be pass, fail, na or waived; got 'on', which YAML reads as a boolean",
        ],
    ),
    "answer missing": (
        yaml_with("slo.defined: {note: done}"),
        ["answers.yaml:4:16: answer for 'slo.defined' is missing 'answer' (one of pass, fail, na, waived)"],
    ),
    "answer not a mapping": (
        yaml_with("slo.defined: pass"),
        ["answers.yaml:4:16: answer for 'slo.defined' must be a mapping, got 'pass'"],
    ),
    "unknown key in an answer": (
        yaml_with("slo.defined: {answer: pass, notes: x}"),
        ["answers.yaml:4:31: unknown key 'notes' in answer for 'slo.defined' (did you mean 'note'?)"],
    ),
    "na without a reason": (
        yaml_with("dr.restore-tested: {answer: na}"),
        ["answers.yaml:4:22: answer 'na' for 'dr.restore-tested' needs a reason: why the item does not apply"],
    ),
    "na with an empty reason": (
        yaml_with('dr.restore-tested: {answer: na, reason: " "}'),
        ["answers.yaml:4:43: reason must not be empty"],
    ),
    "waived without anything": (
        yaml_with("slo.defined: {answer: waived}"),
        [
            "answers.yaml:4:16: answer 'waived' for 'slo.defined' needs a reason: why the risk is acceptable",
            "answers.yaml:4:16: answer 'waived' for 'slo.defined' needs an approver: who accepted the risk",
            "answers.yaml:4:16: answer 'waived' for 'slo.defined' needs expires: the date the waiver lapses",
        ],
    ),
    "expired waiver": (
        yaml_with("slo.defined: {answer: waived, reason: r, approver: a, expires: 2026-01-31}"),
        ["answers.yaml:4:66: expired on 2026-01-31: a waiver must expire in the future"],
    ),
    "expires not a date": (
        yaml_with("slo.defined: {answer: waived, reason: r, approver: a, expires: next year}"),
        ["answers.yaml:4:66: expires must be a date written YYYY-MM-DD, like 2027-01-31, got 'next year'"],
    ),
    "expires not a real date": (
        yaml_with("slo.defined: {answer: waived, reason: r, approver: a, expires: 2027-02-30}"),
        ["answers.yaml:4:66: expires '2027-02-30' is not a real date"],
    ),
    "waiver keys on a pass": (
        yaml_with("slo.defined: {answer: pass, reason: r, approver: a, expires: 2027-01-31}"),
        [
            "answers.yaml:4:31: 'reason' applies only to na and waived answers, not to pass: remove it",
            "answers.yaml:4:42: 'approver' applies only to waived answers, not to pass: remove it",
            "answers.yaml:4:55: 'expires' applies only to waived answers, not to pass: remove it",
        ],
    ),
    "approver on na": (
        yaml_with("dr.restore-tested: {answer: na, reason: r, approver: a}"),
        ["answers.yaml:4:46: 'approver' applies only to waived answers, not to na: remove it"],
    ),
    "empty answer with a note": (
        yaml_with('slo.defined: {answer: "", note: later}'),
        [
            "answers.yaml:4:25: answer is empty but the entry has 'note': "
            "answer pass, fail, na or waived, or remove 'note'"
        ],
    ),
    "note that YAML reads as a boolean": (
        yaml_with("slo.defined: {answer: pass, note: yes}"),
        ["answers.yaml:4:37: note: YAML reads unquoted 'yes' as a boolean, not text; quote it: \"yes\""],
    ),
    "evidence not a list": (
        yaml_with("slo.defined: {answer: pass, evidence: https://example.com}"),
        ["answers.yaml:4:41: evidence must be a list, got 'https://example.com'"],
    ),
    "evidence entry not text": (
        yaml_with("slo.defined: {answer: pass, evidence: [{url: x}]}"),
        ["answers.yaml:4:42: evidence entry must be text, got a mapping"],
    ),
    "duplicate item": (
        yaml_with("slo.defined: {answer: pass}", "slo.defined: {answer: fail}"),
        ["answers.yaml:5:3: duplicate key 'slo.defined' (first at line 4): keep one"],
    ),
    "invalid YAML": (
        "checklist: launch\ntier: 1\nanswers:\n  slo.defined: {answer: pass\n",
        [f"answers.yaml:5:1: invalid YAML: while parsing a flow mapping {FLOW_MAPPING_END}"],
    ),
    "anchors are refused": (
        yaml_with("slo.defined: &a {answer: pass}", "slo.alerts: *a"),
        [
            "answers.yaml:4:16: YAML anchors are not allowed (&a): write the value out",
            "answers.yaml:5:15: YAML aliases are not allowed (*a): write the value out",
        ],
    ),
}


@pytest.mark.parametrize("case", list(YAML_CASES))
def test_yaml_problems_are_one_line_each_with_their_position(case: str) -> None:
    text, expected = YAML_CASES[case]
    assert problems(text) == expected


def test_every_problem_in_a_file_is_reported_together() -> None:
    text = yaml_with(
        "slo.defind: {answer: pass}",
        "dr.game-day: {answer: pass}",
        "dr.restore-tested: {answer: na}",
        "slo.defined: {answer: waived, reason: r, approver: a, expires: 2026-01-31}",
        head="checklist: launch\ntier: 7\n",
    )
    assert problems(text, tier=1) == [
        "answers.yaml:2:7: tier must be from 0 to 3, got 7",
        "answers.yaml:4:3: unknown item 'slo.defind' in checklist 'launch' (did you mean 'slo.defined'?)",
        "answers.yaml:5:3: item 'dr.game-day' is not asked at tier 1 (only at tier 0): remove it",
        "answers.yaml:6:22: answer 'na' for 'dr.restore-tested' needs a reason: why the item does not apply",
        "answers.yaml:7:66: expired on 2026-01-31: a waiver must expire in the future",
    ]


def test_the_file_tier_must_agree_with_the_tier_being_reviewed() -> None:
    assert problems(yaml_with("slo.defined: {answer: pass}"), tier=0) == [
        "answers.yaml:2:7: tier 1 does not match the tier being reviewed, 0"
    ]


def test_the_extension_chooses_the_format_and_others_are_refused() -> None:
    assert problems(GOOD_YAML, source="answers.json") == [
        "answers.json:1:1: an answers file must end in .yaml, .yml or .toml (the extension sets its format)"
    ]


def test_a_file_that_is_not_utf8_is_refused_at_the_bad_byte() -> None:
    for source in ("a.yaml", "a.toml"):
        with pytest.raises(InputError) as caught:
            parse_answers(source, b'checklist: "la\xffunch"\n', PACK, 1, TODAY)
        assert caught.value.lines() == [f"{source}:1:15: file is not valid UTF-8"]


# ------------------------------------------------------------------ TOML problems

TOML_HEAD = 'checklist = "launch"\ntier = 1\n'

TOML_CASES = {
    "syntax error with its position": (
        'checklist = "launch"\ntier = 1\n[answers."slo.defined"]\nanswer = pass\n',
        ["answers.toml:4:10: invalid TOML: Invalid value"],
    ),
    "unknown top-level key": (
        TOML_HEAD + "owner = 'sre'\n[answers]\n",
        ["answers.toml:1:1: owner: unknown key 'owner' in answers file"],
    ),
    "tier as text": (
        'checklist = "launch"\ntier = "1"\n[answers]\n',
        ["answers.toml:1:1: tier must be a whole number written in decimal, got text"],
    ),
    "tier as a boolean": (
        'checklist = "launch"\ntier = true\n[answers]\n',
        ["answers.toml:1:1: tier must be a whole number written in decimal, got 'true'"],
    ),
    "checklist as a number": (
        "checklist = 5\ntier = 1\n[answers]\n",
        ["answers.toml:1:1: checklist must be text, got 5"],
    ),
    "unknown item": (
        TOML_HEAD + '[answers."slo.defind"]\nanswer = "pass"\n',
        [
            "answers.toml:1:1: answers.slo.defind: unknown item 'slo.defind' in checklist 'launch' "
            "(did you mean 'slo.defined'?)"
        ],
    ),
    "unquoted dotted item id": (
        TOML_HEAD + '[answers.slo.defined]\nanswer = "pass"\n',
        [
            "answers.toml:1:1: answers.slo: unknown item 'slo' in checklist 'launch': "
            'in TOML, quote dotted item ids, as in [answers."slo.defined"]'
        ],
    ),
    "unknown answer": (
        TOML_HEAD + '[answers."slo.defined"]\nanswer = "yes"\n',
        ["answers.toml:1:1: answers.slo.defined.answer must be one of pass, fail, na, waived; got 'yes'"],
    ),
    "answer as a boolean": (
        TOML_HEAD + '[answers."slo.defined"]\nanswer = false\n',
        ["answers.toml:1:1: answers.slo.defined.answer must be text, got false"],
    ),
    "na without a reason": (
        TOML_HEAD + '[answers."dr.restore-tested"]\nanswer = "na"\n',
        [
            "answers.toml:1:1: answers.dr.restore-tested: "
            "answer 'na' for 'dr.restore-tested' needs a reason: why the item does not apply"
        ],
    ),
    "expired waiver": (
        TOML_HEAD + '[answers."slo.defined"]\nanswer = "waived"\nreason = "r"\napprover = "a"\nexpires = 2026-01-31\n',
        ["answers.toml:1:1: answers.slo.defined.expires: expired on 2026-01-31: a waiver must expire in the future"],
    ),
    "expires with a time": (
        TOML_HEAD
        + '[answers."slo.defined"]\nanswer = "waived"\nreason = "r"\napprover = "a"\nexpires = 2027-01-31T10:00:00Z\n',
        [
            "answers.toml:1:1: answers.slo.defined.expires must be a date written YYYY-MM-DD, like 2027-01-31, "
            "got '2027-01-31T10:00:00+00:00'"
        ],
    ),
    "unknown key in an answer": (
        TOML_HEAD + '[answers."slo.defined"]\nanswer = "pass"\napprovr = "a"\n',
        [
            "answers.toml:1:1: answers.slo.defined.approvr: "
            "unknown key 'approvr' in answer for 'slo.defined' (did you mean 'approver'?)"
        ],
    ),
    "waiver keys on a fail": (
        TOML_HEAD + '[answers."slo.defined"]\nanswer = "fail"\napprover = "a"\n',
        [
            "answers.toml:1:1: answers.slo.defined.approver: "
            "'approver' applies only to waived answers, not to fail: remove it"
        ],
    ),
    "item not asked at the tier": (
        TOML_HEAD + '[answers."dr.game-day"]\nanswer = "pass"\n',
        [
            "answers.toml:1:1: answers.dr.game-day: "
            "item 'dr.game-day' is not asked at tier 1 (only at tier 0): remove it"
        ],
    ),
}


@pytest.mark.parametrize("case", list(TOML_CASES))
def test_toml_problems_name_their_key_path(case: str) -> None:
    text, expected = TOML_CASES[case]
    assert problems(text, source="answers.toml") == expected


# ------------------------------------------------------------------ text the record refuses

BLOCK_HINT = "write it on one line: '>-' instead of '|' or '>' folds the lines into one and drops the final newline"

TEXT_CASES = {
    "a literal block reason": (
        yaml_with(
            "slo.defined:",
            "  answer: waived",
            "  reason: |",
            "    Rotation starts next month.",
            "    Interim: the lead is paged.",
            "  approver: jane@example.com",
            "  expires: 2027-01-31",
        ),
        [f"answers.yaml:6:13: reason: control character U+000A; {BLOCK_HINT}"],
    ),
    "a folded one-line reason keeps its final newline": (
        yaml_with("dr.restore-tested:", "  answer: na", "  reason: >", "    stateless service"),
        [f"answers.yaml:6:13: reason: control character U+000A; {BLOCK_HINT}"],
    ),
    "a line break written as an escape": (
        yaml_with('slo.defined: {answer: waived, reason: r, approver: "jane\\nbob", expires: 2027-01-31}'),
        ["answers.yaml:4:54: approver: control character U+000A; write it on one line, without \\n or a blank line"],
    ),
    "a bell in a note": (
        yaml_with('slo.defined: {answer: pass, note: "done\\a"}'),
        ["answers.yaml:4:37: note: control character U+0007; remove it"],
    ),
    "a bidi override in a reason": (
        yaml_with('dr.restore-tested: {answer: na, reason: "stateless\u202e"}'),
        ["answers.yaml:4:43: reason: bidirectional override character U+202E; remove it"],
    ),
    "a bidi isolate in a note, even where line breaks are allowed": (
        yaml_with('slo.defined: {answer: pass, note: "ok\u2066"}'),
        ["answers.yaml:4:37: note: bidirectional override character U+2066; remove it"],
    ),
    "a bidi override in an evidence link": (
        yaml_with('slo.defined: {answer: pass, evidence: ["docs/\u202eslo.md"]}'),
        ["answers.yaml:4:42: evidence entry: bidirectional override character U+202E; remove it"],
    ),
    "a bidi override in a signer's role": (
        'checklist: launch\ntier: 1\nsigners:\n  - {principal: alice@example.com, role: "own\u202eer"}\nanswers: {}\n',
        ["answers.yaml:4:42: role: bidirectional override character U+202E; remove it"],
    ),
    "a tab in an evidence link": (
        yaml_with('slo.defined: {answer: pass, evidence: ["docs/\\tslo.md"]}'),
        ["answers.yaml:4:42: evidence entry: control character U+0009; remove it"],
    ),
}


@pytest.mark.parametrize("case", list(TEXT_CASES))
def test_text_the_record_refuses_is_an_input_error_at_its_position(case: str) -> None:
    text, expected = TEXT_CASES[case]
    assert problems(text) == expected


def test_a_toml_line_break_outside_a_note_says_to_write_one_line() -> None:
    text = TOML_HEAD + '[answers."dr.restore-tested"]\nanswer = "na"\nreason = """\nstateless\nservice"""\n'
    assert problems(text, source="answers.toml") == [
        "answers.toml:1:1: answers.dr.restore-tested.reason: control character U+000A; "
        'write it on one line: one "..." string without \\n, not a multi-line string'
    ]


def test_a_note_may_span_lines_and_keeps_them_as_written() -> None:
    text = yaml_with("slo.defined:", "  answer: pass", "  note: |", "    first line", "    second line")
    parsed = parse_answers("a.yaml", text.encode(), PACK, None, TODAY)
    assert parsed.answers["slo.defined"].note == "first line\nsecond line\n"


def test_a_reason_folded_with_a_chomping_indicator_reads_as_one_line() -> None:
    text = yaml_with(
        "dr.restore-tested:", "  answer: na", "  reason: >-", "    stateless service:", "    nothing to restore"
    )
    parsed = parse_answers("a.yaml", text.encode(), PACK, None, TODAY)
    assert parsed.answers["dr.restore-tested"].reason == "stateless service: nothing to restore"


def test_text_is_kept_in_nfc_as_the_record_stores_it() -> None:
    text = yaml_with(
        'slo.defined: {answer: waived, reason: "cafe\u0301", approver: "Ame\u0301lie", expires: 2027-01-31}'
    )
    waiver = parse_answers("a.yaml", text.encode(), PACK, None, TODAY).answers["slo.defined"].waiver
    assert waiver == Waiver("caf\u00e9", "Am\u00e9lie", dt.date(2027, 1, 31))


def test_a_checklist_of_another_pack_is_told_where_the_pack_being_reviewed_comes_from() -> None:
    text = "checklist: acme\ntier: 1\nanswers: {}\n"
    with pytest.raises(InputError) as caught:
        parse_answers("a.yaml", text.encode(), PACK, None, TODAY, pack_origin="named by .prr/config.toml")
    assert caught.value.lines() == [
        "a.yaml:1:12: checklist 'acme' does not match the pack being reviewed, 'launch' "
        "(named by .prr/config.toml): write checklist: launch"
    ]


# ------------------------------------------------------------------ the template


def test_the_template_lists_asked_items_by_section_with_prefilled_answers() -> None:
    text = render_template(
        PACK,
        1,
        {"ownership.codeowners": "pass", "slo.defined": "fail: no SLO file", "dr.restore-tested": "not_applicable"},
    )
    assert "checklist: launch\ntier: 1\nanswers:\n" in text
    assert "  # -- SLOs ---" in text
    assert "  # probes say: fail: no SLO file\n  slo.defined: {answer: fail}\n" in text
    assert '  # probes say: not_applicable\n  dr.restore-tested: {answer: ""}\n' in text
    assert "  # recommended at tier 1: asked, but a fail does not block launch\n" in text
    assert "dr.game-day" not in text  # not asked at tier 1
    parsed = parse_answers("t.yaml", text.encode(), PACK, 1, TODAY)
    assert parsed.answers == {"ownership.codeowners": Answer(AnswerKind.PASS), "slo.defined": Answer(AnswerKind.FAIL)}


def test_a_template_with_nothing_asked_still_parses() -> None:
    empty = Pack(
        id="no",
        version="1",
        title="t",
        description="",
        scorer="gate",
        sections=(Section("dr", "DR", "", (_item("dr.game-day", {0}),)),),
    )
    text = render_template(empty, 3)
    assert 'checklist: "no"\n' in text and "answers: {}\n" in text
    assert parse_answers("t.yaml", text.encode(), empty, 3, TODAY) == AnswersFile("no", 3, {})


@pytest.mark.parametrize("name", ["launch", "migration", "design-review"])
@pytest.mark.parametrize("tier", TIERS)
def test_every_built_in_template_parses_as_is(name: str, tier: int) -> None:
    pack = open_pack(name)
    asked = pack.asked_items(tier)
    blank = render_template(pack, tier)
    assert parse_answers(f"{name}.yaml", blank.encode(), pack, None, TODAY) == AnswersFile(pack.id, tier, {})
    for item in asked:
        assert f'\n  {item.id}: {{answer: ""}}\n' in blank
    prefill = {item.id: ("pass" if n % 3 == 0 else "fail" if n % 3 == 1 else "error") for n, item in enumerate(asked)}
    parsed = parse_answers(f"{name}.yaml", render_template(pack, tier, prefill).encode(), pack, tier, TODAY)
    assert {k: v.kind.value for k, v in parsed.answers.items()} == {k: v for k, v in prefill.items() if v != "error"}


def test_the_examples_in_the_format_doc_parse_against_the_launch_pack() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "answers-format.md").read_text(encoding="utf-8")
    examples = re.findall(r"```(yaml|toml)\n(.*?)```", doc, re.S)
    assert [lang for lang, _ in examples] == ["yaml", "toml"]
    parsed = [parse_answers(f"doc.{lang}", body.encode(), open_pack("launch"), 1, TODAY) for lang, body in examples]
    assert parsed[0] == parsed[1]
    assert set(parsed[0].answers) == {
        "ownership.codeowners",
        "slo.defined",
        "dr.restore-tested",
        "alerting.runbook-links",
    }


# ------------------------------------------------------------------ declared signers


def test_declared_signers_are_read_with_their_roles() -> None:
    text = (
        "checklist: launch\ntier: 1\nsigners:\n"
        "  - {principal: alice@example.com, role: owner}\n"
        "  - {principal: bob+sre@example.com, role: reviewer}\n"
        "answers: {}\n"
    )
    parsed = parse_answers("a.yaml", text.encode(), PACK, None, TODAY)
    assert parsed.signers == (Signer("alice@example.com", "owner"), Signer("bob+sre@example.com", "reviewer"))


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "{principal: ../evil, role: owner}",
            "a.yaml:4:17: principal '../evil' must be one word of letters, digits and . _ + @ - "
            "(as in allowed_signers; it names the signature file)",
        ),
        ("{principal: alice@example.com}", "a.yaml:4:5: signers entry is missing 'role'"),
        ("{principal: alice@example.com, role: owner, key: x}", "a.yaml:4:49: unknown key 'key' in signers entry"),
    ],
)
def test_a_bad_signer_is_refused_with_its_position(entry: str, expected: str) -> None:
    text = f"checklist: launch\ntier: 1\nsigners:\n  - {entry}\nanswers: {{}}\n"
    assert problems(text, source="a.yaml") == [expected]


def test_a_signer_declared_twice_is_refused() -> None:
    text = (
        "checklist: launch\ntier: 1\nsigners:\n"
        "  - {principal: alice@example.com, role: owner}\n"
        "  - {principal: alice@example.com, role: reviewer}\n"
        "answers: {}\n"
    )
    assert problems(text, source="a.yaml") == ["a.yaml:5:17: signer 'alice@example.com' is declared twice"]
