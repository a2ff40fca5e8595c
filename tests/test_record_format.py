"""The review record's TOML form: one layout, byte-stable, strict to read, safe to sign."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import subprocess
import sys
import tomllib
import unicodedata
from typing import Any

import jsonschema
import pytest
from conftest import REPO_ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from prr.domain.errors import InputError
from prr.domain.findings import Evidence, Finding, Location, Outcome
from prr.domain.record import (
    RECORD_FORMAT,
    BlockerRef,
    ChecklistRef,
    ChecklistSource,
    ObjectFormat,
    Record,
    RecordAnswer,
    RecordItem,
    Requirement,
    ServiceRef,
    Signer,
    Subject,
    VerdictRef,
    WaiverRef,
)
from prr.domain.status import State
from prr.format.record_toml import dumps, loads, normalised

SCHEMA = json.loads((REPO_ROOT / "prr" / "schemas" / "record.schema.json").read_text(encoding="utf-8"))
SHA1 = "3f786850e387550fdab836ed7e6dc881de23001b"
TREE = "89e6c98d92887913cadf06b2adb97f26cde4849b"
BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def realistic() -> Record:
    return Record(
        id="payments-api-2026-05-01",
        created=dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC),
        expires=dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC),
        prr_version="0.1.0",
        subject=Subject("https://git.example.com/shop.git", SHA1, TREE, ObjectFormat.SHA1, "services/payments"),
        checklist=ChecklistRef("launch", "1.0.0", SHA, (ChecklistSource("builtin:launch", SHA),)),
        service=ServiceRef("payments-api", 1, "team-payments"),
        verdict=VerdictRef(False, 80, None, "gate", "1", (BlockerRef("alerts-paged", "answered fail"),)),
        signers=(Signer("alice@example.com", "owner"), Signer("sre-lead@example.com", "reviewer")),
        items=(
            RecordItem(
                "runbook",
                Requirement.REQUIRED,
                RecordAnswer.PASS,
                State.PASSED,
                "Runbook reviewed by Zoë.\nOn-call drill done 2026-04-20.",
                "answered pass",
                False,
                (
                    Finding(
                        "file-exists",
                        Outcome.PASS,
                        "found docs/runbook.md",
                        (Location("docs/runbook.md", 1),),
                        (Evidence(path="docs/runbook.md", blob=BLOB),),
                    ),
                ),
            ),
            RecordItem(
                "health-endpoint",
                Requirement.REQUIRED,
                RecordAnswer.UNANSWERED,
                State.PASSED,
                reason="probes passed",
                findings=(
                    Finding(
                        "health-endpoint",
                        Outcome.PASS,
                        "GET /healthz answered 200",
                        evidence=(
                            Evidence(url="https://payments.example.com/healthz", status=200, digest="sha256:" + SHA),
                        ),
                    ),
                ),
            ),
            RecordItem(
                "alerts-paged",
                Requirement.REQUIRED,
                RecordAnswer.FAIL,
                State.FAILED,
                reason="answered fail",
                contradicts_probe=True,
                findings=(
                    Finding("alert-rules", Outcome.PASS, "3 alert rules route to a pager", remediation=""),
                    Finding("slo-metrics-exposed", Outcome.ERROR, "could not reach /metrics", remediation="expose it"),
                ),
            ),
            RecordItem("load-test", Requirement.RECOMMENDED, RecordAnswer.WAIVED, State.WAIVED, reason="waived by bob"),
            RecordItem("data-residency", Requirement.RECOMMENDED, RecordAnswer.NOT_APPLICABLE, State.NOT_APPLICABLE),
        ),
        waivers=(WaiverRef("load-test", "traffic too low before launch", "bob@example.com", dt.date(2026, 6, 30)),),
    )


def as_json(value: Any) -> Any:
    """The TOML data model in JSON terms: date-times and dates become RFC 3339 strings."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def test_a_realistic_record_round_trips_byte_for_byte() -> None:
    record = realistic()
    data = dumps(record)
    again = loads(data, "review.toml")
    assert again == record
    assert dumps(again) == data
    text = data.decode("utf-8")
    assert "[[items]]" in text and "[[items.findings]]" in text and "[[items.findings.evidence]]" in text
    assert "created = 2026-05-01T09:30:00Z" in text and "expires = 2026-06-30" in text
    assert 'note = "Runbook reviewed by Zoë.\\nOn-call drill done 2026-04-20."' in text
    assert "level" not in tomllib.loads(text)["verdict"]


def test_the_documented_example_is_a_valid_record() -> None:
    text = (REPO_ROOT / "docs" / "record-format.md").read_text(encoding="utf-8")
    example = text[text.index("```toml\n") + 8 : text.rindex("```")]
    assert loads(example.encode(), "docs/record-format.md") == realistic()


def test_times_are_written_in_utc() -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    record = dataclasses.replace(realistic(), created=dt.datetime(2026, 5, 1, 11, 30, tzinfo=plus_two))
    assert b"created = 2026-05-01T09:30:00Z" in dumps(record)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="created: must be a UTC date-time"):
        dumps(dataclasses.replace(realistic(), created=dt.datetime(2026, 5, 1, 9, 30)))


def test_text_is_written_in_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Zoë, café")
    record = dataclasses.replace(realistic(), service=ServiceRef(nfd, 1, "team-payments"))
    data = dumps(record)
    assert unicodedata.normalize("NFC", "Zoë, café").encode() in data
    assert loads(data, "r.toml").service.name == unicodedata.normalize("NFC", nfd)
    assert data == dumps(dataclasses.replace(realistic(), service=ServiceRef("Zoë, café", 1, "team-payments")))


def test_the_written_data_validates_against_the_json_schema() -> None:
    document = tomllib.loads(dumps(realistic()).decode("utf-8"))
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(as_json(document))


def test_the_schema_refuses_unknown_keys_and_bad_values() -> None:
    document = as_json(tomllib.loads(dumps(realistic()).decode("utf-8")))
    document["items"][0]["extra"] = 1
    document["verdict"]["score"] = 101
    document["items"][1]["note"] = "a\u202eb"
    errors = list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(document))
    assert len(errors) == 3


# --- rejected characters ---------------------------------------------------------------------

REJECTED = [
    ("\u202e", "bidirectional override character U+202E"),
    ("\u202a", "bidirectional override character U+202A"),
    ("\u2066", "bidirectional override character U+2066"),
    ("\u2069", "bidirectional override character U+2069"),
    ("\t", "control character U+0009"),
    ("\x00", "control character U+0000"),
    ("\x1b", "control character U+001B"),
    ("\x7f", "control character U+007F"),
    ("\x85", "control character U+0085"),
    ("\r", "control character U+000D"),
    ("\u2028", "line separator character U+2028"),
]


@pytest.mark.parametrize(("char", "message"), REJECTED)
def test_rejected_characters_in_the_note_name_the_field(char: str, message: str) -> None:
    record = realistic()
    items = list(record.items)
    items[3] = dataclasses.replace(items[3], note=f"fine\nthen {char} not")
    with pytest.raises(ValueError, match=f"^items\\[3\\].note: {re.escape(message)}$"):
        dumps(dataclasses.replace(record, items=tuple(items)))


@pytest.mark.parametrize(("char", "message"), [*REJECTED, ("\n", "control character U+000A")])
def test_rejected_characters_in_one_line_fields_name_the_field(char: str, message: str) -> None:
    record = realistic()
    finding = dataclasses.replace(record.items[0].findings[0], message=f"x{char}")
    items = (dataclasses.replace(record.items[0], findings=(finding,)), *record.items[1:])
    with pytest.raises(ValueError, match=f"^items\\[0\\].findings\\[0\\].message: {re.escape(message)}$"):
        dumps(dataclasses.replace(record, items=items))
    with pytest.raises(ValueError, match=f"^signers\\[1\\].role: {re.escape(message)}$"):
        dumps(dataclasses.replace(record, signers=(record.signers[0], Signer("x@example.com", f"a{char}"))))


def test_rejected_characters_are_refused_when_reading_too() -> None:
    data = dumps(realistic()).replace(b'role = "owner"', 'role = "ow\u202ener"'.encode())
    with pytest.raises(InputError) as caught:
        loads(data, "review.toml")
    [line] = caught.value.lines()
    assert line.startswith("review.toml:") and line.endswith("signers[0].role: bidirectional override character U+202E")


def test_text_not_in_nfc_is_refused_when_reading() -> None:
    data = dumps(realistic()).replace(b'owner = "team-payments"', 'owner = "cafe\u0301"'.encode())
    with pytest.raises(InputError, match=r"service.owner: text is not in Unicode NFC form"):
        loads(data, "review.toml")


# --- reading errors --------------------------------------------------------------------------


def test_malformed_toml_is_reported_at_its_line_and_column() -> None:
    data = dumps(realistic()).replace(b"[service]", b"[service")
    line_number = data.decode().splitlines().index("[service") + 1
    with pytest.raises(InputError) as caught:
        loads(data, "review.toml")
    [line] = caught.value.lines()
    assert line.startswith(f"review.toml:{line_number}:9: invalid TOML")


def test_not_utf8_is_reported() -> None:
    with pytest.raises(InputError, match=r"review.toml:1:1: file is not valid UTF-8"):
        loads(b'format = "\xff"', "review.toml")


def test_every_schema_problem_is_reported_on_its_own_line() -> None:
    text = dumps(realistic()).decode()
    text = text.replace(f'format = "{RECORD_FORMAT}"', 'format = "prr.record/9"')
    text = text.replace("tier = 1", 'tier = "1"').replace("score = 80\n", "score = 80\nbogus = true\n")
    text = text.replace('owner = "team-payments"\n', "")
    text = text.replace("expires = 2026-06-30", "expires = 2026-06-30T00:00:00Z")
    with pytest.raises(InputError) as caught:
        loads(text.encode(), "review.toml")
    lines = caught.value.lines()
    assert len(lines) == 5, lines
    at = {line.split(": ", 1)[1].split(":")[0]: line for line in lines}
    assert set(at) == {"format", "service.tier", "service.owner", "verdict.bogus", "waivers[0].expires"}
    source_lines = text.splitlines()
    tier_line = source_lines.index('tier = "1"') + 1
    assert at["service.tier"].startswith(f"review.toml:{tier_line}:1: ")
    assert at["verdict.bogus"].startswith(f"review.toml:{source_lines.index('bogus = true') + 1}:1: ")
    assert "(not a prr record, or a newer format)" in at["format"]


def test_missing_tables_and_wrong_shapes_are_reported() -> None:
    with pytest.raises(InputError) as caught:
        loads(b'format = "prr.record/1"\nitems = 3\n', "r.toml")
    lines = caught.value.lines()
    assert "r.toml:2:1: items: must be an array of tables, got a number" in lines
    assert any(line.endswith("subject: missing") for line in lines)
    assert all(line.startswith("r.toml:") for line in lines)


def test_ids_must_match_the_object_format_and_references_must_resolve() -> None:
    text = dumps(realistic()).decode().replace('object_format = "sha1"', 'object_format = "sha256"')
    text = text.replace('item = "load-test"', 'item = "nope"')
    with pytest.raises(InputError) as caught:
        loads(text.encode(), "r.toml")
    messages = [line.split(": ", 1)[1] for line in caught.value.lines()]
    assert "subject.commit: must be 64 hex digits for object_format sha256" in messages
    assert "waivers[0].item: names no item in this record: 'nope'" in messages


# --- properties ------------------------------------------------------------------------------

BIDI = "".join(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_CHARS = st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters=BIDI)
_NFD = st.sampled_from(["e\u0301", "A\u030a", "\u1100\u1161", "o\u0308\u0304", "n\u0303"])
_TEXT = st.lists(st.one_of(st.text(_CHARS, max_size=6), _NFD), max_size=3).map("".join)
_NAME = st.tuples(st.one_of(st.sampled_from("aZ9é"), _NFD), _TEXT).map("".join)
_NOTE = st.lists(_TEXT, max_size=3).map("\n".join)
_HEX64 = st.text("0123456789abcdef", min_size=64, max_size=64)
_WHEN = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
).map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))


@st.composite
def records(draw: st.DrawFn) -> Record:
    object_format = draw(st.sampled_from(list(ObjectFormat)))
    oid = st.text("0123456789abcdef", min_size=40, max_size=40) if object_format is ObjectFormat.SHA1 else _HEX64
    evidence = st.builds(
        Evidence,
        path=st.none() | _TEXT,
        blob=st.none() | oid,
        url=st.none() | _TEXT,
        status=st.none() | st.integers(100, 599),
        digest=st.none() | _HEX64.map(lambda h: "sha256:" + h),
    )
    finding = st.builds(
        Finding,
        probe=_NAME,
        outcome=st.sampled_from(list(Outcome)),
        message=_TEXT,
        locations=st.lists(st.builds(Location, _NAME, st.none() | st.integers(1, 10**6)), max_size=2).map(tuple),
        evidence=st.lists(evidence, max_size=2).map(tuple),
        remediation=_TEXT,
    )
    ids = draw(st.lists(_NAME, max_size=4, unique_by=lambda s: unicodedata.normalize("NFC", s)))
    items = tuple(
        RecordItem(
            item_id,
            draw(st.sampled_from(list(Requirement))),
            draw(st.sampled_from(list(RecordAnswer))),
            draw(st.sampled_from(list(State))),
            draw(_NOTE),
            draw(_TEXT),
            draw(st.booleans()),
            tuple(draw(st.lists(finding, max_size=2))),
            tuple(draw(st.lists(_NAME, max_size=3))),
        )
        for item_id in ids
    )
    of_items = st.sampled_from(ids) if ids else st.nothing()
    created = draw(_WHEN)
    return Record(
        id=draw(_NAME),
        created=created,
        expires=created + draw(st.timedeltas(dt.timedelta(seconds=1), dt.timedelta(days=800))),
        prr_version=draw(_NAME),
        subject=Subject(draw(_TEXT), draw(oid), draw(oid), object_format, draw(_TEXT)),
        checklist=ChecklistRef(
            draw(_NAME),
            draw(_NAME),
            draw(_HEX64),
            tuple(draw(st.lists(st.builds(ChecklistSource, _NAME, _HEX64), max_size=2))),
        ),
        service=ServiceRef(draw(_TEXT), draw(st.integers(0, 3)), draw(_TEXT)),
        verdict=VerdictRef(
            draw(st.booleans()),
            draw(st.integers(0, 100)),
            draw(st.none() | _NAME),
            draw(_NAME),
            draw(_NAME),
            tuple(draw(st.lists(st.builds(BlockerRef, of_items, _TEXT), max_size=2))) if ids else (),
        ),
        signers=tuple(draw(st.lists(st.builds(Signer, _NAME, _TEXT), max_size=2))),
        items=items,
        waivers=tuple(
            draw(st.lists(st.builds(WaiverRef, of_items, _TEXT, _NAME, st.dates()), max_size=2)) if ids else ()
        ),
    )


@settings(max_examples=100, deadline=None)
@given(records())
def test_dumping_is_a_fixed_point(record: Record) -> None:
    data = dumps(record)
    again = loads(data, "generated.toml")
    assert again == normalised(record)
    assert dumps(again) == data


@settings(max_examples=50, deadline=None)
@given(records())
def test_generated_records_validate_against_the_json_schema(record: Record) -> None:
    document = tomllib.loads(dumps(record).decode("utf-8"))
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(as_json(document))


# --- layering --------------------------------------------------------------------------------


def test_the_record_module_imports_no_ui_cli_git_or_http() -> None:
    code = (
        "import importlib, json, sys\n"
        "importlib.import_module('prr.domain.record')\n"
        "importlib.import_module('prr.format.record_toml')\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    leaked = [m for m in json.loads(done.stdout) if m.split(".")[0] in ("textual", "click", "git", "httpx")]
    assert leaked == []
