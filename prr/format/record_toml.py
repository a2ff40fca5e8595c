"""The review record as TOML (docs/record-format.md), written once and read strictly.

`dumps` writes one fixed layout, refuses text that could hide what a record says (control and
bidirectional-override characters), and re-reads its own bytes before handing them out: it never
returns bytes that do not mean the record it was given. `loads` checks every field as it builds
the record, in one pass, and reports every problem at once, each as `source:line:col: message`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sys
import unicodedata
from enum import StrEnum
from typing import Any

import tomli_w

from prr.domain.checklist import TIERS
from prr.domain.errors import InputError, Problem
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
from prr.domain.text import printable
from prr.format.built import built
from prr.format.toml_document import read_record_toml

HEADER = "# prr review record. Signatures cover these exact bytes: never edit or re-save this file.\n"

BIDI_OVERRIDES = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
LINE_SEPARATORS = frozenset("\u2028\u2029")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_OID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_OID_LENGTH = {ObjectFormat.SHA1.value: 40, ObjectFormat.SHA256.value: 64}

Out = list[tuple[str, str]]  # (field path, message)


# --- text -----------------------------------------------------------------------------------


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` may not appear in a record, or None. Only `multiline` fields may hold `\\n`."""
    found = (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN).search(value)
    if found is None:
        return None
    ch = found.group()
    if ch in BIDI_OVERRIDES:
        return f"bidirectional override character U+{ord(ch):04X}"
    if ch in LINE_SEPARATORS:
        return f"line separator character U+{ord(ch):04X}"
    if unicodedata.category(ch) == "Cs":
        return f"surrogate code point U+{ord(ch):04X}"
    return f"control character U+{ord(ch):04X}"


# One search per value instead of a category lookup per character: records hold
# thousands of strings and `prr verify` reads a thousand records.
_SPECIAL = "".join(sorted(BIDI_OVERRIDES | LINE_SEPARATORS))
_FORBIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f{_SPECIAL}\ud800-\udfff]")
_FORBIDDEN_MULTILINE = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_SPECIAL}\ud800-\udfff]")


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    if value is None:
        return "nothing"
    return type(value).__name__


# --- rules -----------------------------------------------------------------------------------
#
# Each rule reads one value two ways from the same predicates: `read` builds the record's
# value and raises _Invalid at the first problem (the fast path: `prr verify` reads a thousand
# records), `check` lists every problem with its field path (run only on a refused document).


class _Invalid(Exception):
    """The document breaks a rule; `check_data` says where and why."""


_INVALID = _Invalid()
_ABSENT = object()  # an optional key left out: its field is None


class _Rule:
    def check(self, path: str, value: Any, out: Out) -> None:
        problem = self.problem(value)
        if problem:
            out.append((path, problem))

    def read(self, value: Any) -> Any:
        if self.problem(value) is not None:
            raise _INVALID
        return value

    def problem(self, value: Any) -> str | None:
        """Why VALUE breaks this rule, or None."""
        raise NotImplementedError


class _Text(_Rule):
    def __init__(
        self,
        *,
        multiline: bool = False,
        nonempty: bool = False,
        pattern: re.Pattern[str] | None = None,
        choices: type[StrEnum] | None = None,
        what: str = "",
    ) -> None:
        self.forbidden = _FORBIDDEN_MULTILINE if multiline else _FORBIDDEN
        self.multiline, self.nonempty, self.pattern, self.what = multiline, nonempty, pattern, what
        self.members = {member.value: member for member in choices} if choices else {}
        self.plain = not (pattern or choices)
        # choices that break none of the other checks: a value found among them is decided by the lookup
        self.choices = self.members if pattern is None and all(map(_printable, self.members)) else {}

    def problem(self, value: Any) -> str | None:
        if not isinstance(value, str):
            return f"must be text, got {_describe(value)}"
        if not (value.isascii() and value.isprintable()):  # printable ASCII: nothing forbidden, and NFC
            if self.forbidden.search(value):
                return text_problem(value, multiline=self.multiline)
            if not unicodedata.is_normalized("NFC", value):
                return "text is not in Unicode NFC form"
        if self.nonempty and (not value or value.isspace()):  # what `not value.strip()` means
            return "must not be empty"
        if self.pattern is not None and not self.pattern.fullmatch(value):
            return f"must be {self.what}, got {value!r}"
        if self.members and value not in self.members:
            return f"must be one of {', '.join(self.members)}, got {value!r}"
        return None

    def read(self, value: Any) -> Any:
        if self.plain and type(value) is str and value.isascii() and value.isprintable():  # most text, decided here
            if self.nonempty and (not value or value.isspace()):
                raise _INVALID
            return sys.intern(value)  # records repeat text (item ids, probe messages): one object each
        if type(value) is str and (member := self.choices.get(value)) is not None:
            return member
        if self.problem(value) is not None:
            raise _INVALID
        return self.members[value] if self.members else value


def _printable(value: str) -> bool:
    """Printable ASCII with something besides spaces: text no rule of `_Text` refuses."""
    return value.isascii() and value.isprintable() and not value.isspace() and bool(value)


class _Const(_Rule):
    def __init__(self, expected: str) -> None:
        self.expected = expected

    def problem(self, value: Any) -> str | None:
        if value != self.expected:
            return f"must be {self.expected!r}, got {value!r} (not a prr record, or a newer format)"
        return None


class _Int(_Rule):
    def __init__(self, low: int, high: int | None) -> None:
        self.low, self.high = low, high

    def problem(self, value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number, got {_describe(value)}"
        if value < self.low or (self.high is not None and value > self.high):
            return f"must be between {self.low} and {self.high}, got {value}" if self.high else f"must be >= {self.low}"
        return None


class _Bool(_Rule):
    def problem(self, value: Any) -> str | None:
        return None if isinstance(value, bool) else f"must be true or false, got {_describe(value)}"


class _UtcDateTime(_Rule):
    def problem(self, value: Any) -> str | None:
        if not isinstance(value, dt.datetime):
            return f"must be a date-time, got {_describe(value)}"
        if value.tzinfo is None or value.utcoffset() != dt.timedelta(0):
            return "must be a UTC date-time ending in Z"
        return None

    def read(self, value: Any) -> Any:
        return super().read(value).astimezone(dt.UTC)


class _Date(_Rule):
    def problem(self, value: Any) -> str | None:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            return f"must be a date (YYYY-MM-DD), got {_describe(value)}"
        return None


@dataclasses.dataclass(frozen=True)
class _Field:
    key: str  # also the name of the dataclass field it fills
    rule: _Rule
    optional: bool = False  # absent means None


class _Table(_Rule):
    """A table whose keys are the fields of BUILD, a frozen record dataclass."""

    def __init__(self, build: type, *fields: _Field) -> None:
        self.build, self.fields = build, fields
        self.known = frozenset(f.key for f in fields)
        self.required = frozenset(f.key for f in fields if not f.optional)
        names = [f.name for f in dataclasses.fields(build)]
        if set(names) != self.known or hasattr(build, "__post_init__"):
            raise TypeError(f"{build.__name__}: the table's keys must be its fields, and nothing else to set up")
        rules = {f.key: f.rule for f in fields}
        self.readers = tuple((name, rules[name].read) for name in names)  # in the dataclass's order

    def check(self, path: str, value: Any, out: Out) -> None:
        if not isinstance(value, dict):
            out.append((path or "document", f"must be a table, got {_describe(value)}"))
            return
        for key in value:
            if key not in self.known:
                out.append((_join(path, key), f"unknown key (known: {', '.join(f.key for f in self.fields)})"))
        for field in self.fields:
            if field.key in value:
                field.rule.check(_join(path, field.key), value[field.key], out)
            elif not field.optional:
                out.append((_join(path, field.key), "missing"))

    def read(self, value: Any) -> Any:
        if not isinstance(value, dict) or not self.known.issuperset(value):
            raise _INVALID
        if len(value) == len(self.readers):  # every key there, as prr writes it
            fields = {key: read(value[key]) for key, read in self.readers}
        else:
            if not value.keys() >= self.required:  # (a set's issubset would copy the keys first)
                raise _INVALID
            get = value.get
            fields = {key: None if (v := get(key, _ABSENT)) is _ABSENT else read(v) for key, read in self.readers}
        return built(self.build, fields)


class _Array(_Rule):
    """An array whose entries each follow EACH (a table, or text)."""

    def __init__(self, each: _Rule, what: str) -> None:
        self.each, self.what = each, what

    def check(self, path: str, value: Any, out: Out) -> None:
        if not isinstance(value, list):
            out.append((path, f"must be {self.what}, got {_describe(value)}"))
            return
        for index, entry in enumerate(value):
            self.each.check(f"{path}[{index}]", entry, out)

    def read(self, value: Any) -> Any:
        if not isinstance(value, list):
            raise _INVALID
        return tuple(map(self.each.read, value))


def _tables(build: type, *fields: _Field) -> _Array:
    return _Array(_Table(build, *fields), "an array of tables")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


_LINE = _Text()
_NAME = _Text(nonempty=True)
_SHA = _Text(pattern=_SHA256, what="64 lowercase hex digits (a sha256)")
_OBJECT_ID = _Text(pattern=_OID, what="a git object id (40 or 64 lowercase hex digits)")

_FINDING = _tables(
    Finding,
    _Field("probe", _NAME),
    _Field("outcome", _Text(choices=Outcome)),
    _Field("message", _LINE),
    _Field("remediation", _LINE),
    _Field("locations", _tables(Location, _Field("path", _NAME), _Field("line", _Int(1, None), optional=True))),
    _Field(
        "evidence",
        _tables(
            Evidence,
            _Field("path", _LINE, optional=True),
            _Field("blob", _OBJECT_ID, optional=True),
            _Field("url", _LINE, optional=True),
            _Field("status", _Int(100, 599), optional=True),
            _Field("digest", _Text(pattern=_DIGEST, what="'sha256:' and 64 lowercase hex digits"), optional=True),
        ),
    ),
)
_ITEM = _tables(
    RecordItem,
    _Field("id", _NAME),
    _Field("requirement", _Text(choices=Requirement)),
    _Field("answer", _Text(choices=RecordAnswer)),
    _Field("state", _Text(choices=State)),
    _Field("note", _Text(multiline=True)),
    _Field("reason", _LINE),
    _Field("contradicts_probe", _Bool()),
    _Field("links", _Array(_NAME, "an array of text")),
    _Field("findings", _FINDING),
)
_RECORD = _Table(
    Record,
    _Field("format", _Const(RECORD_FORMAT)),
    _Field("id", _NAME),
    _Field("created", _UtcDateTime()),
    _Field("expires", _UtcDateTime()),
    _Field("prr_version", _NAME),
    _Field(
        "subject",
        _Table(
            Subject,
            _Field("repository", _LINE),
            _Field("commit", _OBJECT_ID),
            _Field("source_tree", _OBJECT_ID),
            _Field("object_format", _Text(choices=ObjectFormat)),
            _Field("service_folder", _LINE),
        ),
    ),
    _Field(
        "checklist",
        _Table(
            ChecklistRef,
            _Field("id", _NAME),
            _Field("version", _NAME),
            _Field("sha256", _SHA),
            _Field("sources", _tables(ChecklistSource, _Field("name", _NAME), _Field("sha256", _SHA))),
        ),
    ),
    _Field(
        "service",
        _Table(ServiceRef, _Field("name", _LINE), _Field("tier", _Int(min(TIERS), max(TIERS))), _Field("owner", _LINE)),
    ),
    _Field(
        "verdict",
        _Table(
            VerdictRef,
            _Field("ready", _Bool()),
            _Field("score", _Int(0, 100)),
            _Field("level", _NAME, optional=True),
            _Field("scorer", _NAME),
            _Field("scorer_version", _NAME),
            _Field("blockers", _tables(BlockerRef, _Field("item", _NAME), _Field("reason", _LINE))),
        ),
    ),
    _Field("signers", _tables(Signer, _Field("principal", _NAME), _Field("role", _LINE))),
    _Field("items", _ITEM),
    _Field(
        "waivers",
        _tables(
            WaiverRef,
            _Field("item", _NAME),
            _Field("reason", _LINE),
            _Field("approver", _NAME),
            _Field("expires", _Date()),
        ),
    ),
)


def check_data(document: Any) -> list[tuple[str, str]]:
    """Every problem with a parsed record document, as (field path, message) pairs."""
    out: Out = []
    _RECORD.check("", document, out)
    if out:
        return out
    return _relations(_RECORD.read(document))  # each field is well formed: the facts that tie them


def _relations(record: Record) -> Out:
    """Facts that tie fields together, as (field path, message) pairs."""
    out: Out = []
    subject = record.subject
    length = _OID_LENGTH[subject.object_format]
    for key in ("commit", "source_tree"):
        if len(getattr(subject, key)) != length:
            out.append((f"subject.{key}", f"must be {length} hex digits for object_format {subject.object_format}"))
    if record.expires <= record.created:
        out.append(("expires", "must be later than created"))
    seen: set[str] = set()
    for i, item in enumerate(record.items):
        if item.id in seen:
            out.append((f"items[{i}].id", f"duplicate item id {item.id!r}"))
        seen.add(item.id)
        for j, finding in enumerate(item.findings):
            for k, evidence in enumerate(finding.evidence):
                if evidence.blob is not None and len(evidence.blob) != length:
                    out.append((f"items[{i}].findings[{j}].evidence[{k}].blob", f"must be {length} hex digits"))
    for i, waiver in enumerate(record.waivers):
        if waiver.item not in seen:
            out.append((f"waivers[{i}].item", f"names no item in this record: {waiver.item!r}"))
    for i, blocker in enumerate(record.verdict.blockers):
        if blocker.item not in seen:
            out.append((f"verdict.blockers[{i}].item", f"names no item in this record: {blocker.item!r}"))
    return out


# --- record <-> data ------------------------------------------------------------------------


def _nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _when(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value


def _some(pairs: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in pairs.items() if value is not None}


def storable(finding: Finding) -> Finding:
    """FINDING as a record keeps it: its message and paths with the bytes that are not
    UTF-8 (a committed file name git gives as it is) as `\\xNN`, since a TOML file holds
    only Unicode text. The record then reads and prints as it was written."""
    return dataclasses.replace(
        finding,
        message=printable(finding.message),
        locations=tuple(Location(printable(loc.path), loc.line) for loc in finding.locations),
        evidence=tuple(
            dataclasses.replace(e, path=printable(e.path)) if e.path is not None else e for e in finding.evidence
        ),
    )


def _finding_data(f: Finding) -> dict[str, Any]:
    return {
        "probe": _nfc(f.probe),
        "outcome": _nfc(f.outcome),
        "message": _nfc(f.message),
        "remediation": _nfc(f.remediation),
        "locations": [_some({"path": _nfc(loc.path), "line": loc.line}) for loc in f.locations],
        "evidence": [
            _some(
                {
                    "path": _nfc(e.path),
                    "blob": _nfc(e.blob),
                    "url": _nfc(e.url),
                    "status": e.status,
                    "digest": _nfc(e.digest),
                }
            )
            for e in f.evidence
        ],
    }


def record_to_data(record: Record) -> dict[str, Any]:
    """The record as the document `tomllib` would read back: text in NFC, times in UTC, in file order."""
    s, c, v = record.subject, record.checklist, record.verdict
    return {
        "format": record.format,
        "id": _nfc(record.id),
        "created": _when(record.created),
        "expires": _when(record.expires),
        "prr_version": _nfc(record.prr_version),
        "subject": {
            "repository": _nfc(s.repository),
            "commit": _nfc(s.commit),
            "source_tree": _nfc(s.source_tree),
            "object_format": _nfc(s.object_format),
            "service_folder": _nfc(s.service_folder),
        },
        "checklist": {
            "id": _nfc(c.id),
            "version": _nfc(c.version),
            "sha256": _nfc(c.sha256),
            "sources": [{"name": _nfc(src.name), "sha256": _nfc(src.sha256)} for src in c.sources],
        },
        "service": {
            "name": _nfc(record.service.name),
            "tier": record.service.tier,
            "owner": _nfc(record.service.owner),
        },
        "verdict": _some(
            {
                "ready": v.ready,
                "score": v.score,
                "level": _nfc(v.level),
                "scorer": _nfc(v.scorer),
                "scorer_version": _nfc(v.scorer_version),
                "blockers": [{"item": _nfc(b.item), "reason": _nfc(b.reason)} for b in v.blockers],
            }
        ),
        "signers": [{"principal": _nfc(x.principal), "role": _nfc(x.role)} for x in record.signers],
        "items": [
            {
                "id": _nfc(i.id),
                "requirement": _nfc(i.requirement),
                "answer": _nfc(i.answer),
                "state": _nfc(i.state),
                "note": _nfc(i.note),
                "reason": _nfc(i.reason),
                "contradicts_probe": i.contradicts_probe,
                "links": [_nfc(link) for link in i.links],
                "findings": [_finding_data(f) for f in i.findings],
            }
            for i in record.items
        ],
        "waivers": [
            {"item": _nfc(w.item), "reason": _nfc(w.reason), "approver": _nfc(w.approver), "expires": w.expires}
            for w in record.waivers
        ],
    }


def normalised(record: Record) -> Record:
    """The record with every text field in NFC and every time in UTC: what `dumps` writes."""

    def walk(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return type(value)(**{f.name: walk(getattr(value, f.name)) for f in dataclasses.fields(value)})
        if isinstance(value, tuple):
            return tuple(walk(v) for v in value)
        return _when(_nfc(value))

    return walk(record)


# --- TOML -----------------------------------------------------------------------------------


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _toml_value(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):  # one line, however long: tomli-w breaks long arrays
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    line = tomli_w.dumps({"v": value})
    assert line.startswith("v = ") and line.endswith("\n") and line.count("\n") == 1, line
    return line[4:-1]


def _emit(lines: list[str], header: str, table: dict[str, Any], array: bool) -> None:
    if header:
        lines.extend(["", f"[[{header}]]" if array else f"[{header}]"])
    for key, value in table.items():
        if not isinstance(value, dict) and not _is_tables(value):
            lines.append(f"{key} = {_toml_value(value)}")
    for key, value in table.items():
        if isinstance(value, dict):
            _emit(lines, _join(header, key), value, array=False)
        elif _is_tables(value):
            for entry in value:
                _emit(lines, _join(header, key), entry, array=True)


def dumps(record: Record) -> bytes:
    """The record's one TOML form, UTF-8. Raises ValueError naming the field when it cannot be written."""
    document = record_to_data(record)
    problems = check_data(document)
    if problems:
        raise ValueError("\n".join(f"{path}: {message}" for path, message in problems))
    lines: list[str] = []
    _emit(lines, "", document, array=False)
    data = (HEADER + "\n".join(lines) + "\n").encode("utf-8")
    try:
        again = loads(data, "<dumps>")
    except InputError as exc:  # pragma: no cover - a bug in the writer, never the caller
        raise ValueError("the written record does not read back:\n" + "\n".join(exc.lines())) from None
    if again != normalised(record):  # pragma: no cover - likewise
        raise ValueError("the written record reads back as a different record")
    return data


def _positions(text: str) -> dict[str, tuple[int, int]]:
    """Best effort: where each table header and key of a record written in prr's layout is."""
    found: dict[str, tuple[int, int]] = {}
    counts: dict[str, int] = {}
    current: dict[str, str] = {}
    table = ""
    header = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(#.*)?")
    key = re.compile(r"(\s*)([A-Za-z0-9_-]+)\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if m := header.fullmatch(line):
            names = m[2].split(".")
            parent = current.get(".".join(names[:-1]), ".".join(names[:-1]))
            table = _join(parent, names[-1])
            if m[1] == "[[":
                index = counts.get(table, 0)
                counts[table] = index + 1
                table = f"{table}[{index}]"
            current[m[2]] = table
            found.setdefault(table, (number, 1))
        elif m := key.match(line):
            found.setdefault(_join(table, m[2]), (number, len(m[1]) + 1))
    return found


def _locate(positions: dict[str, tuple[int, int]], path: str) -> tuple[int, int]:
    while path:
        if path in positions:
            return positions[path]
        shorter = re.sub(r"(^|\.)[^.\[\]]+$|\[\d+\]$", "", path)
        if shorter == path:
            break
        path = shorter
    return (1, 1)


def loads(data: bytes, source: str) -> Record:
    """Read a record, strictly. Every problem is reported at once as an InputError."""
    document = read_record_toml(data, source)
    try:
        record = _RECORD.read(document)
    except _Invalid:  # the same rules again, this time collecting every field's path and message
        problems = check_data(document)
    else:
        problems = _relations(record)
    if problems:
        positions = _positions(data.decode("utf-8"))
        raise InputError(
            problems=[Problem(source, *_locate(positions, path), f"{path}: {message}") for path, message in problems]
        )
    return record
