"""The review record as TOML (docs/record-format.md), written once and read strictly.

`dumps` writes one fixed layout, refuses text that could hide what a record says (control and
bidirectional-override characters), and re-reads its own bytes before handing them out: it never
returns bytes that do not mean the record it was given. `loads` reports every problem at once,
each as `source:line:col: message`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
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
from prr.format.toml_document import read_toml

HEADER = "# prr review record. Signatures cover these exact bytes: never edit or re-save this file.\n"

BIDI_OVERRIDES = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
LINE_SEPARATORS = frozenset("\u2028\u2029")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_OID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_OID_LENGTH = {ObjectFormat.SHA1.value: 40, ObjectFormat.SHA256.value: 64}

Out = list[tuple[str, str]]  # (field path, message)
Check = Callable[[str, Any, Out], None]


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


# --- checks ---------------------------------------------------------------------------------


def _text(
    *,
    multiline: bool = False,
    nonempty: bool = False,
    pattern: re.Pattern[str] | None = None,
    choices: tuple[str, ...] = (),
    what: str = "",
) -> Check:
    def check(path: str, value: Any, out: Out) -> None:
        if not isinstance(value, str):
            out.append((path, f"must be text, got {_describe(value)}"))
            return
        bad = text_problem(value, multiline=multiline)
        if bad:
            out.append((path, bad))
        elif not unicodedata.is_normalized("NFC", value):
            out.append((path, "text is not in Unicode NFC form"))
        elif nonempty and not value.strip():
            out.append((path, "must not be empty"))
        elif pattern is not None and not pattern.fullmatch(value):
            out.append((path, f"must be {what}, got {value!r}"))
        elif choices and value not in choices:
            out.append((path, f"must be one of {', '.join(choices)}, got {value!r}"))

    return check


def _const(expected: str) -> Check:
    def check(path: str, value: Any, out: Out) -> None:
        if value != expected:
            out.append((path, f"must be {expected!r}, got {value!r} (not a prr record, or a newer format)"))

    return check


def _int(low: int, high: int | None) -> Check:
    def check(path: str, value: Any, out: Out) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            out.append((path, f"must be a whole number, got {_describe(value)}"))
        elif value < low or (high is not None and value > high):
            out.append((path, f"must be between {low} and {high}, got {value}" if high else f"must be >= {low}"))

    return check


def _bool(path: str, value: Any, out: Out) -> None:
    if not isinstance(value, bool):
        out.append((path, f"must be true or false, got {_describe(value)}"))


def _utc_datetime(path: str, value: Any, out: Out) -> None:
    if not isinstance(value, dt.datetime):
        out.append((path, f"must be a date-time, got {_describe(value)}"))
    elif value.tzinfo is None or value.utcoffset() != dt.timedelta(0):
        out.append((path, "must be a UTC date-time ending in Z"))


def _date(path: str, value: Any, out: Out) -> None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        out.append((path, f"must be a date (YYYY-MM-DD), got {_describe(value)}"))


@dataclasses.dataclass(frozen=True)
class _Field:
    key: str
    check: Check
    optional: bool = False


def _table(spec: tuple[_Field, ...]) -> Check:
    known = {f.key for f in spec}

    def check(path: str, value: Any, out: Out) -> None:
        if not isinstance(value, dict):
            out.append((path or "document", f"must be a table, got {_describe(value)}"))
            return
        for key in value:
            if key not in known:
                out.append((_join(path, key), f"unknown key (known: {', '.join(f.key for f in spec)})"))
        for field in spec:
            if field.key in value:
                field.check(_join(path, field.key), value[field.key], out)
            elif not field.optional:
                out.append((_join(path, field.key), "missing"))

    return check


def _tables(spec: tuple[_Field, ...]) -> Check:
    one = _table(spec)

    def check(path: str, value: Any, out: Out) -> None:
        if not isinstance(value, list):
            out.append((path, f"must be an array of tables, got {_describe(value)}"))
            return
        for index, entry in enumerate(value):
            one(f"{path}[{index}]", entry, out)

    return check


def _texts(each: Check) -> Check:
    """An array of text values, each checked by `each`."""

    def check(path: str, value: Any, out: Out) -> None:
        if not isinstance(value, list):
            out.append((path, f"must be an array of text, got {_describe(value)}"))
            return
        for index, entry in enumerate(value):
            each(f"{path}[{index}]", entry, out)

    return check


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


_LINE = _text()
_NAME = _text(nonempty=True)
_SHA = _text(pattern=_SHA256, what="64 lowercase hex digits (a sha256)")
_OBJECT_ID = _text(pattern=_OID, what="a git object id (40 or 64 lowercase hex digits)")

_LOCATION = (_Field("path", _NAME), _Field("line", _int(1, None), optional=True))
_EVIDENCE = (
    _Field("path", _LINE, optional=True),
    _Field("blob", _OBJECT_ID, optional=True),
    _Field("url", _LINE, optional=True),
    _Field("status", _int(100, 599), optional=True),
    _Field("digest", _text(pattern=_DIGEST, what="'sha256:' and 64 lowercase hex digits"), optional=True),
)
_FINDING = (
    _Field("probe", _NAME),
    _Field("outcome", _text(choices=tuple(o.value for o in Outcome))),
    _Field("message", _LINE),
    _Field("remediation", _LINE),
    _Field("locations", _tables(_LOCATION)),
    _Field("evidence", _tables(_EVIDENCE)),
)
_ITEM = (
    _Field("id", _NAME),
    _Field("requirement", _text(choices=tuple(r.value for r in Requirement))),
    _Field("answer", _text(choices=tuple(a.value for a in RecordAnswer))),
    _Field("state", _text(choices=tuple(s.value for s in State))),
    _Field("note", _text(multiline=True)),
    _Field("reason", _LINE),
    _Field("contradicts_probe", _bool),
    _Field("links", _texts(_NAME)),
    _Field("findings", _tables(_FINDING)),
)
_RECORD = (
    _Field("format", _const(RECORD_FORMAT)),
    _Field("id", _NAME),
    _Field("created", _utc_datetime),
    _Field("expires", _utc_datetime),
    _Field("prr_version", _NAME),
    _Field(
        "subject",
        _table(
            (
                _Field("repository", _LINE),
                _Field("commit", _OBJECT_ID),
                _Field("source_tree", _OBJECT_ID),
                _Field("object_format", _text(choices=tuple(f.value for f in ObjectFormat))),
                _Field("service_folder", _LINE),
            )
        ),
    ),
    _Field(
        "checklist",
        _table(
            (
                _Field("id", _NAME),
                _Field("version", _NAME),
                _Field("sha256", _SHA),
                _Field("sources", _tables((_Field("name", _NAME), _Field("sha256", _SHA)))),
            )
        ),
    ),
    _Field(
        "service", _table((_Field("name", _LINE), _Field("tier", _int(min(TIERS), max(TIERS))), _Field("owner", _LINE)))
    ),
    _Field(
        "verdict",
        _table(
            (
                _Field("ready", _bool),
                _Field("score", _int(0, 100)),
                _Field("level", _NAME, optional=True),
                _Field("scorer", _NAME),
                _Field("scorer_version", _NAME),
                _Field("blockers", _tables((_Field("item", _NAME), _Field("reason", _LINE)))),
            )
        ),
    ),
    _Field("signers", _tables((_Field("principal", _NAME), _Field("role", _LINE)))),
    _Field("items", _tables(_ITEM)),
    _Field(
        "waivers",
        _tables((_Field("item", _NAME), _Field("reason", _LINE), _Field("approver", _NAME), _Field("expires", _date))),
    ),
)
_CHECK_RECORD = _table(_RECORD)


def check_data(document: Any) -> list[tuple[str, str]]:
    """Every problem with a parsed record document, as (field path, message) pairs."""
    out: Out = []
    _CHECK_RECORD("", document, out)
    if out or not isinstance(document, dict):
        return out
    # Facts that tie fields together; only checked once each field is well formed.
    length = _OID_LENGTH[document["subject"]["object_format"]]
    for key in ("commit", "source_tree"):
        if len(document["subject"][key]) != length:
            out.append(
                (
                    f"subject.{key}",
                    f"must be {length} hex digits for object_format {document['subject']['object_format']}",
                )
            )
    if document["expires"] <= document["created"]:
        out.append(("expires", "must be later than created"))
    seen: set[str] = set()
    for i, item in enumerate(document["items"]):
        if item["id"] in seen:
            out.append((f"items[{i}].id", f"duplicate item id {item['id']!r}"))
        seen.add(item["id"])
        for j, finding in enumerate(item["findings"]):
            for k, evidence in enumerate(finding["evidence"]):
                if "blob" in evidence and len(evidence["blob"]) != length:
                    out.append((f"items[{i}].findings[{j}].evidence[{k}].blob", f"must be {length} hex digits"))
    for i, waiver in enumerate(document["waivers"]):
        if waiver["item"] not in seen:
            out.append((f"waivers[{i}].item", f"names no item in this record: {waiver['item']!r}"))
    for i, blocker in enumerate(document["verdict"]["blockers"]):
        if blocker["item"] not in seen:
            out.append((f"verdict.blockers[{i}].item", f"names no item in this record: {blocker['item']!r}"))
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


def record_from_data(d: dict[str, Any]) -> Record:
    """Build a record from a document that `check_data` found no problems with."""
    s, c, v = d["subject"], d["checklist"], d["verdict"]
    return Record(
        format=d["format"],
        id=d["id"],
        created=d["created"].astimezone(dt.UTC),
        expires=d["expires"].astimezone(dt.UTC),
        prr_version=d["prr_version"],
        subject=Subject(
            s["repository"], s["commit"], s["source_tree"], ObjectFormat(s["object_format"]), s["service_folder"]
        ),
        checklist=ChecklistRef(
            c["id"], c["version"], c["sha256"], tuple(ChecklistSource(x["name"], x["sha256"]) for x in c["sources"])
        ),
        service=ServiceRef(d["service"]["name"], d["service"]["tier"], d["service"]["owner"]),
        verdict=VerdictRef(
            ready=v["ready"],
            score=v["score"],
            level=v.get("level"),
            scorer=v["scorer"],
            scorer_version=v["scorer_version"],
            blockers=tuple(BlockerRef(b["item"], b["reason"]) for b in v["blockers"]),
        ),
        signers=tuple(Signer(x["principal"], x["role"]) for x in d["signers"]),
        items=tuple(
            RecordItem(
                id=i["id"],
                requirement=Requirement(i["requirement"]),
                answer=RecordAnswer(i["answer"]),
                state=State(i["state"]),
                note=i["note"],
                reason=i["reason"],
                contradicts_probe=i["contradicts_probe"],
                links=tuple(i["links"]),
                findings=tuple(
                    Finding(
                        probe=f["probe"],
                        outcome=Outcome(f["outcome"]),
                        message=f["message"],
                        locations=tuple(Location(loc["path"], loc.get("line")) for loc in f["locations"]),
                        evidence=tuple(Evidence(**e) for e in f["evidence"]),
                        remediation=f["remediation"],
                    )
                    for f in i["findings"]
                ),
            )
            for i in d["items"]
        ),
        waivers=tuple(WaiverRef(w["item"], w["reason"], w["approver"], w["expires"]) for w in d["waivers"]),
    )


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
    document = read_toml(data, source)
    problems = check_data(document)
    if problems:
        positions = _positions(data.decode("utf-8"))
        raise InputError(
            problems=[Problem(source, *_locate(positions, path), f"{path}: {message}") for path, message in problems]
        )
    return record_from_data(document)
