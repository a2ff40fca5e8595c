"""The draft's TOML form: every draft prr writes reads back as itself; anything else is
refused with the key and, where there is one, the line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prr.domain.answers import Answer, AnswerKind, Waiver
from prr.domain.draft import Draft, DraftChecklist, answer_problems, evidence_changes, fingerprint
from prr.domain.errors import InputError
from prr.domain.findings import Evidence, Finding, Outcome
from prr.format.draft_toml import check_answer, dumps, loads, normalised
from prr.format.record_toml import text_problem

COMMIT = "3f786850e387550fdab836ed7e6dc881de23001b"
LATER = "89e6c98d92887913cadf06b2adb97f26cde4849b"
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
SOURCE = ".prr/draft.toml"


def realistic() -> Draft:
    return Draft(
        checklist=DraftChecklist("launch", SHA),
        tier=1,
        started_on=COMMIT,
        saved_on=LATER,
        updated=dt.datetime(2026, 5, 4, 10, 11, 12, tzinfo=dt.UTC),
        answers={
            "slo.defined": Answer(
                AnswerKind.WAIVED,
                waiver=Waiver("SLOs land in Q3", "jane.doe@example.com", dt.date(2027, 1, 31)),
                links=("https://wiki.example.com/slo", "docs/slo.md"),
            ),
            "ownership.codeowners": Answer(AnswerKind.PASS, note="CODEOWNERS covers it\nsee line 3"),
            "dr.restore-tested": Answer(AnswerKind.NOT_APPLICABLE, reason="stateless service"),
            "alerting.tested": Answer(AnswerKind.FAIL),
        },
        evidence={"ownership.codeowners": "0123456789abcdef", "slo.defined": "fedcba9876543210"},
    )


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        loads(text.encode(), SOURCE)
    return caught.value.lines()


def with_entry(entry: str, key: str = '"slo.defined"') -> str:
    """A realistic draft whose first answer (line 12) is KEY with ENTRY from line 13."""
    text = dumps(realistic()).decode()
    start = text.index("[answers.")
    end = text.index("[answers.", start + 1)
    return text[:start] + f"[answers.{key}]\n{entry}\n" + text[end:]


def test_a_draft_reads_back_as_itself() -> None:
    draft = realistic()
    data = dumps(draft)
    assert loads(data, SOURCE) == draft
    assert dumps(loads(data, SOURCE)) == data


def test_the_layout_is_readable_and_times_are_utc() -> None:
    text = dumps(dataclasses.replace(realistic(), updated=dt.datetime(2026, 5, 4, 12, 0, tzinfo=_plus_two()))).decode()
    assert text.startswith("# prr review draft")
    assert "updated = 2026-05-04T10:00:00Z\n" in text
    assert '[answers."slo.defined"]\nanswer = "waived"\n' in text
    assert text.index("[answers.") < text.index("[evidence]")


def _plus_two() -> dt.tzinfo:
    return dt.timezone(dt.timedelta(hours=2))


def test_a_lapsed_waiver_still_reads_a_draft_is_not_judged_by_the_clock() -> None:
    draft = dataclasses.replace(
        realistic(), answers={"slo.defined": Answer(AnswerKind.WAIVED, waiver=Waiver("r", "a", dt.date(2001, 1, 1)))}
    )
    assert loads(dumps(draft), SOURCE) == draft


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('format = "prr.draft/2"\n', "format: is 'prr.draft/2', expected 'prr.draft/1'"),
        ("tier = 1\n", "format: is missing, expected 'prr.draft/1'"),
        ('format = "prr.record/1"\nid = "x"\n', "this is not a draft this prr can read"),
    ],
)
def test_a_draft_in_another_format_is_refused_outright(text: str, expected: str) -> None:
    [line] = problems(text)
    assert line.startswith(f"{SOURCE}:1:1: ")
    assert expected in line


def test_a_newer_draft_is_refused_at_its_format_line_without_judging_the_rest() -> None:
    text = dumps(realistic()).decode().replace('"prr.draft/1"', '"prr.draft/2"').replace("tier = 1", "tier = 9")
    assert problems(text) == [
        f"{SOURCE}:2:1: format: is 'prr.draft/2', expected 'prr.draft/1': this is not a draft this prr can read; "
        "delete the file to start the review over, or use the prr that wrote it"
    ]


def test_invalid_toml_is_reported_at_its_line_and_column() -> None:
    [line] = problems('format = "prr.draft/1"\ntier = = 1\n')
    assert line.startswith(f"{SOURCE}:2:8: invalid TOML: ")


def test_bytes_that_are_not_utf8_are_refused() -> None:
    with pytest.raises(InputError, match="not valid UTF-8"):
        loads(b'format = "\xff"\n', SOURCE)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("tier = 1", "tier = 7", ":3:1: tier: must be one of 0, 1, 2, 3, got 7"),
        ("tier = 1", "tier = 1.0", ":3:1: tier: must be one of 0, 1, 2, 3, got 1.0"),
        ("tier = 1", "tier = true", ":3:1: tier: must be one of 0, 1, 2, 3, got True"),
        (f'started_on = "{COMMIT}"', 'started_on = "HEAD"', ":4:1: started_on: must be a git commit id"),
        (f'saved_on = "{LATER}"', f'saved_on = "{LATER.upper()}"', ":5:1: saved_on: must be a git commit id"),
        ("updated = 2026-05-04T10:11:12Z", "updated = 2026-05-04T10:11:12", ":6:1: updated: must be a UTC date-time"),
        ("updated = 2026-05-04T10:11:12Z", "updated = 2026-05-04T12:11:12+02:00", ":6:1: updated: must be a UTC"),
        ("updated = 2026-05-04T10:11:12Z", "updated = 2026-05-04", ":6:1: updated: must be a UTC date-time"),
        ('id = "launch"', 'id = ""', ":9:1: checklist.id: must not be empty"),
        (f'sha256 = "{SHA}"', 'sha256 = "abc"', ":10:1: checklist.sha256: must be 64 lowercase hex digits"),
        ('sha256 = "', 'size = 3\nsha256 = "', ":10:1: checklist.size: unknown key (known: id, sha256)"),
        ("[checklist]", "[checklist]\nversion = 2", ":9:1: checklist.version: unknown key"),
        ('"slo.defined" = "fedcba9876543210"', '"slo.defined" = "xyz"', 'evidence."slo.defined": must be 16 lowercase'),
        ("tier = 1", "tier = 1\nowner = 'me'", ":4:1: owner: unknown key (known: format, tier, started_on"),
    ],
)
def test_each_bad_value_is_reported_at_its_key(old: str, new: str, expected: str) -> None:
    text = dumps(realistic()).decode()
    assert old in text
    lines = problems(text.replace(old, new, 1))
    assert any(line.startswith(SOURCE) and expected in line for line in lines), lines


def test_a_missing_key_is_named() -> None:
    text = dumps(realistic()).decode().replace(f'saved_on = "{LATER}"\n', "")
    assert problems(text) == [f"{SOURCE}:1:1: saved_on: missing"]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('answer = "yes"', ":13:1: answers.\"slo.defined\".answer: must be one of pass, fail, na, waived, got 'yes'"),
        ('note = "x"', ': answers."slo.defined".answer: missing'),
        ('answer = "pass"\nreason = "x"', ':14:1: answers."slo.defined".reason: does not belong to a pass answer'),
        ('answer = "fail"\napprover = "x"', ':14:1: answers."slo.defined".approver: does not belong to a fail answer'),
        ('answer = "pass"\nwhy = "x"', ':14:1: answers."slo.defined".why: unknown key (known: answer, note, reason'),
        ('answer = "na"', ":12:1: answers.\"slo.defined\": answer 'na' needs a reason: why the item does not apply"),
        ('answer = "na"\nreason = "  "', "answer 'na' needs a reason"),
        (
            'answer = "waived"\nreason = "r"\nexpires = 2027-01-01',
            ":12:1: answers.\"slo.defined\": answer 'waived' needs an approver: who accepted the risk",
        ),
        (
            'answer = "waived"\napprover = "a"\nexpires = 2027-01-01',
            "answer 'waived' needs a reason: why the risk is acceptable",
        ),
        (
            'answer = "waived"\nreason = "r"\napprover = "a"',
            "answer 'waived' needs expires: the date the waiver lapses",
        ),
        (
            'answer = "waived"\nreason = "r"\napprover = "a"\nexpires = 2027-01-01T00:00:00Z',
            ':16:1: answers."slo.defined".expires: must be a date written YYYY-MM-DD',
        ),
        (
            'answer = "waived"\nreason = "r"\napprover = "a"\nexpires = "2027-01-01"',
            "expires: must be a date written YYYY-MM-DD, got '2027-01-01'",
        ),
        ('answer = "pass"\nnote = "bell \\u0007"', ':14:1: answers."slo.defined".note: control character U+0007'),
        ('answer = "pass"\nnote = "e\\u0301"', "note: text is not in Unicode NFC form"),
        ('answer = "pass"\nnote = "\\u202e"', "note: bidirectional override character U+202E"),
        ('answer = "na"\nreason = "two\\nlines"', 'answers."slo.defined".reason: control character U+000A'),
        ('answer = "pass"\nnote = 3', "note: must be text, got 3"),
        ('answer = "pass"\nevidence = "https://x"', "evidence: must be a list of URLs or paths"),
        ('answer = "pass"\nevidence = [" docs/a.md"]', "evidence must be one URL or path, without spaces around it"),
        ('answer = "pass"\nevidence = [1]', 'answers."slo.defined".evidence.0: must be text, got 1'),
    ],
)
def test_each_bad_answer_is_reported_at_its_key(entry: str, expected: str) -> None:
    lines = problems(with_entry(entry))
    assert any(line.startswith(SOURCE) and expected in line for line in lines), lines


def test_an_answer_that_is_not_a_table_is_refused() -> None:
    text = dumps(realistic()).decode().replace("[answers.", '[answers]\n"x.y" = "pass"\n\n[answers.', 1)
    assert any('answers."x.y": must be a table' in line for line in problems(text))


def test_item_ids_must_be_one_line_of_text() -> None:
    lines = problems(with_entry('answer = "pass"', key='"bad\\u0007id"'))
    assert any('answers."bad\\u0007id": control character U+0007' in line for line in lines), lines


def test_every_problem_is_reported_together() -> None:
    text = dumps(realistic()).decode().replace("tier = 1", "tier = 5").replace('answer = "fail"', 'answer = "meh"')
    assert len(problems(text)) == 2


def test_dumps_refuses_what_loads_would_refuse() -> None:
    for bad in (
        dataclasses.replace(realistic(), tier=4),
        dataclasses.replace(realistic(), updated=dt.datetime(2026, 1, 1)),
        dataclasses.replace(realistic(), answers={"x": Answer(AnswerKind.PASS, reason="no")}),
        dataclasses.replace(realistic(), answers={"x": Answer(AnswerKind.NOT_APPLICABLE)}),
        dataclasses.replace(realistic(), answers={"x": Answer(AnswerKind.PASS, note="e\u0301")}),
        dataclasses.replace(
            realistic(),
            answers={"x": Answer(AnswerKind.FAIL, waiver=Waiver("r", "a", dt.date(2030, 1, 1)))},
        ),
    ):
        with pytest.raises(ValueError):
            dumps(bad)


def test_check_answer_names_each_field_and_judges_waivers_by_today() -> None:
    waiver = Waiver("r", "a\u202e", dt.date(2026, 1, 1))
    answer = Answer(AnswerKind.WAIVED, note="ok", waiver=waiver)
    assert check_answer(answer) == ["approver: bidirectional override character U+202E"]
    assert check_answer(answer, dt.date(2026, 1, 2))[0] == "expired on 2026-01-01: a waiver must expire in the future"
    assert check_answer(answer, dt.date(2026, 1, 1)) == check_answer(answer)  # holds through its last day


def test_normalised_puts_every_text_field_in_nfc() -> None:
    decomposed = "Rene\u0301"
    answer = Answer(
        AnswerKind.WAIVED,
        note=decomposed,
        waiver=Waiver(decomposed, decomposed, dt.date(2030, 1, 1)),
        links=(decomposed,),
    )
    assert check_answer(normalised(answer)) == []
    assert normalised(answer).waiver == Waiver("René", "René", dt.date(2030, 1, 1))


def test_answer_problems_says_what_an_answer_lacks() -> None:
    assert answer_problems(Answer(AnswerKind.WAIVED)) == [
        "answer 'waived' needs a reason, an approver and expires: the date the waiver lapses"
    ]
    assert answer_problems(Answer(AnswerKind.WAIVED, reason="x", waiver=Waiver("r", "a", dt.date(2030, 1, 1)))) == [
        "a reason applies only to na answers (a waiver holds its own), not to waived: remove it"
    ]
    assert answer_problems(Answer(AnswerKind.PASS, links=("",))) == [
        "evidence must be one URL or path, without spaces around it, got ''"
    ]


def test_fingerprints_follow_outcomes_and_evidence_not_messages() -> None:
    blob = Evidence(path="runbooks/main.md", blob=COMMIT)
    base = [Finding("runbook-present", Outcome.PASS, "found", evidence=(blob,))]
    assert fingerprint(base) == fingerprint([dataclasses.replace(base[0], message="reworded")])
    assert fingerprint(base) != fingerprint([dataclasses.replace(base[0], outcome=Outcome.FAIL)])
    assert fingerprint(base) != fingerprint([dataclasses.replace(base[0], evidence=(Evidence("x", LATER),))])
    assert fingerprint(base) != fingerprint([])
    live = Finding("health-endpoint", Outcome.PASS, "ok", evidence=(Evidence(url="https://x", digest="sha256:1"),))
    assert fingerprint([live, *base]) == fingerprint([*base, live])
    assert len(fingerprint(base)) == 16


def test_evidence_changes_names_items_both_sides_know_in_the_new_order() -> None:
    old = {"a": "1", "b": "2", "c": "3", "gone": "4"}
    new = {"c": "9", "b": "2", "a": "8", "new": "5"}
    assert evidence_changes(old, new) == ["c", "a"]


# --- property: whatever prr writes, it reads back --------------------------------------------

_LINE = st.text(min_size=1, max_size=30).map(lambda s: unicodedata.normalize("NFC", s))
LINE = _LINE.filter(lambda s: text_problem(s) is None and unicodedata.normalize("NFC", s) == s)
FILLED = LINE.filter(lambda s: bool(s.strip()))
NOTE = st.text(max_size=60).filter(
    lambda s: text_problem(s, multiline=True) is None and unicodedata.normalize("NFC", s) == s
)
LINK = FILLED.filter(lambda s: s == s.strip() and "\t" not in s)
HEX = "0123456789abcdef"


def _answer(kind: AnswerKind, note: str, text: str, approver: str, day: dt.date, links: list[str]) -> Answer:
    waiver = Waiver(text, approver, day) if kind is AnswerKind.WAIVED else None
    reason = text if kind is AnswerKind.NOT_APPLICABLE else ""
    return Answer(kind, note=note, reason=reason, waiver=waiver, links=tuple(links))


ANSWERS = st.builds(
    _answer,
    st.sampled_from(list(AnswerKind)),
    NOTE,
    FILLED,
    FILLED,
    st.dates(),
    st.lists(LINK, max_size=3),
)
DRAFTS = st.builds(
    Draft,
    checklist=st.builds(DraftChecklist, FILLED, st.text(HEX, min_size=64, max_size=64)),
    tier=st.integers(0, 3),
    started_on=st.text(HEX, min_size=40, max_size=40),
    saved_on=st.one_of(st.text(HEX, min_size=40, max_size=40), st.text(HEX, min_size=64, max_size=64)),
    updated=st.datetimes(timezones=st.just(dt.UTC)),
    answers=st.dictionaries(FILLED, ANSWERS, max_size=5),
    evidence=st.dictionaries(FILLED, st.text(HEX, min_size=16, max_size=16), max_size=5),
)


@settings(max_examples=150, deadline=None)
@given(DRAFTS)
def test_loads_of_dumps_is_the_draft(draft: Draft) -> None:
    data = dumps(draft)
    assert loads(data, SOURCE) == draft
    assert dumps(loads(data, SOURCE)) == data
