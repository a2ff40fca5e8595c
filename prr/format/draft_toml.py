"""The review draft as TOML (`.prr/draft.toml`, docs/drafts.md), read strictly.

    format = "prr.draft/1"
    tier = 1
    started_on = "<commit>"
    saved_on = "<commit>"
    updated = 2026-05-04T10:11:12Z

    [checklist]
    id = "launch"
    sha256 = "<64 hex>"

    [answers."slo.defined"]
    answer = "waived"
    reason = "..."
    approver = "..."
    expires = 2027-01-31

    [evidence]                           # what the probes found at `saved_on`, per item
    "ownership.codeowners" = "<16 hex>"

An answer has the keys of an answers-file entry (prr.format.answers_file) under the same
rules, so a draft's answers can become a record's as they stand. Text follows the record's text
rules (NFC; no control, line-separator or bidirectional-override characters). `loads`
reports every problem at once as `source:line:col: key: message`; a draft in another
format is refused outright. Pure: no file system."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
import unicodedata
from typing import Any

import tomli_w

from prr.domain.answers import Answer, AnswerKind, Waiver
from prr.domain.checklist import TIERS
from prr.domain.draft import DRAFT_FORMAT, FINGERPRINT_LENGTH, Draft, DraftChecklist, answer_problems
from prr.domain.errors import InputError, Problem
from prr.format.answers_file import ALLOWED, ENTRY_KEYS, KINDS
from prr.format.record_toml import text_problem
from prr.format.toml_document import read_toml

HEADER = "# prr review draft (docs/drafts.md): answers in progress, autosaved. Kept out of git.\n"
TOP_KEYS = ("format", "tier", "started_on", "saved_on", "updated", "checklist", "answers", "evidence")
CHECKLIST_KEYS = ("id", "sha256")

Key = tuple[str, ...]
_OID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_FINGERPRINT = re.compile(f"[0-9a-f]{{{FINGERPRINT_LENGTH}}}")
_BARE = re.compile(r"[A-Za-z0-9_-]+")
# One part of a dotted TOML key: bare, "basic" (with escapes) or 'literal'.
_KEY_PART = re.compile(r"""[ \t]*(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')[ \t]*""")


# --- answers --------------------------------------------------------------------------------


def normalised(answer: Answer) -> Answer:
    """`answer` with its text in NFC, the one form a draft stores (input methods differ)."""

    def nfc(text: str) -> str:
        return unicodedata.normalize("NFC", text)

    waiver = answer.waiver
    return dataclasses.replace(
        answer,
        note=nfc(answer.note),
        reason=nfc(answer.reason),
        waiver=dataclasses.replace(waiver, reason=nfc(waiver.reason), approver=nfc(waiver.approver))
        if waiver
        else None,
        links=tuple(nfc(link) for link in answer.links),
    )


def check_answer(answer: Answer, today: dt.date | None = None) -> list[str]:
    """Every reason a draft may not hold `answer`: the answer rules
    (prr.domain.draft.answer_problems, with `today` for lapsed waivers) and the text rules."""
    problems = answer_problems(answer, today)
    texts = [("note", answer.note, True), ("reason", answer.reason, False)]
    if answer.waiver is not None:
        texts += [("reason", answer.waiver.reason, False), ("approver", answer.waiver.approver, False)]
    texts += [("evidence", link, False) for link in answer.links]
    for name, value, multiline in texts:
        bad = _text_problem(value, multiline)
        if bad:
            problems.append(f"{name}: {bad}")
    return problems


def _text_problem(value: str, multiline: bool) -> str | None:
    bad = text_problem(value, multiline=multiline)
    if bad is None and unicodedata.normalize("NFC", value) != value:
        return "text is not in Unicode NFC form"
    return bad


# --- writing --------------------------------------------------------------------------------


def dumps(draft: Draft) -> bytes:
    """The draft as UTF-8 TOML. Raises ValueError naming the field when `draft` holds
    something `loads` would refuse: a bug in the caller, never the user's doing."""
    document = _to_data(draft)
    reader = _Reader()
    _read_draft(reader, document)
    for item_id, answer in draft.answers.items():
        for problem in check_answer(answer):
            reader.bad(("answers", item_id), problem)
    if reader.problems:
        raise ValueError("\n".join(_message(key, message) for key, message in reader.problems))
    head = {key: document[key] for key in ("format", "tier", "started_on", "saved_on")}
    tables = {key: document[key] for key in ("checklist", "answers", "evidence")}
    updated = document["updated"].isoformat().replace("+00:00", "Z")
    text = f"{HEADER}{tomli_w.dumps(head)}updated = {updated}\n\n{tomli_w.dumps(tables)}"
    return text.encode("utf-8")


def _to_data(draft: Draft) -> dict[str, Any]:
    return {
        "format": draft.format,
        "tier": draft.tier,
        "started_on": draft.started_on,
        "saved_on": draft.saved_on,
        "updated": draft.updated.astimezone(dt.UTC) if draft.updated.tzinfo else draft.updated,
        "checklist": {"id": draft.checklist.id, "sha256": draft.checklist.sha256},
        "evidence": dict(draft.evidence),
        "answers": {item_id: _entry_data(answer) for item_id, answer in draft.answers.items()},
    }


def _entry_data(answer: Answer) -> dict[str, Any]:
    entry: dict[str, Any] = {"answer": answer.kind.value}
    if answer.note:
        entry["note"] = answer.note
    if answer.kind is AnswerKind.NOT_APPLICABLE:
        entry["reason"] = answer.reason
    if answer.waiver is not None:
        entry |= {"reason": answer.waiver.reason, "approver": answer.waiver.approver, "expires": answer.waiver.expires}
    if answer.links:
        entry["evidence"] = list(answer.links)
    return entry


# --- reading --------------------------------------------------------------------------------


def loads(data: bytes, source: str) -> Draft:
    """Read a draft, strictly: every problem at once as an InputError."""
    document = read_toml(data, source)
    reader = _Reader()
    draft = _read_draft(reader, document)
    if reader.problems or draft is None:
        positions = _positions(data.decode("utf-8"))
        raise InputError(
            problems=[Problem(source, *_locate(positions, key), _message(key, msg)) for key, msg in reader.problems]
        )
    return draft


class _Reader:
    """Typed reads from a parsed document; each failed read notes a problem and gives None."""

    def __init__(self) -> None:
        self.problems: list[tuple[Key, str]] = []

    def bad(self, key: Key, message: str) -> None:
        self.problems.append((key, message))

    def table(self, key: Key, value: Any, known: tuple[str, ...] | None = None) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.bad(key, f"must be a table, got {value!r}")
            return None
        for name in value:
            if known is not None and name not in known:
                self.bad((*key, name), f"unknown key (known: {', '.join(known)})")
        return value

    def required(self, key: Key, table: dict[str, Any], names: tuple[str, ...]) -> bool:
        missing = [name for name in names if name not in table]
        for name in missing:
            self.bad((*key, name), "missing")
        return not missing

    def text(
        self, key: Key, value: Any, *, multiline: bool = False, pattern: re.Pattern[str] | None = None, what: str = ""
    ) -> str | None:
        if not isinstance(value, str):
            self.bad(key, f"must be text, got {value!r}")
            return None
        bad = _text_problem(value, multiline)
        if bad is None and pattern is not None and not pattern.fullmatch(value):
            bad = f"must be {what}, got {value!r}"
        if bad is not None:
            self.bad(key, bad)
            return None
        return value

    def name(self, key: Key, value: str) -> bool:
        """An item id or pack id: one line of text, not blank."""
        checked = self.text(key, value)
        if checked is not None and not checked.strip():
            self.bad(key, "must not be empty")
            return False
        return checked is not None


def _read_draft(reader: _Reader, document: Any) -> Draft | None:
    top = reader.table((), document, TOP_KEYS)
    if top is None:
        return None
    form = top.get("format")
    if form != DRAFT_FORMAT:
        reader.problems = [
            (
                ("format",),
                f"{'is missing' if form is None else f'is {form!r}'}, expected {DRAFT_FORMAT!r}: this is not a draft "
                "this prr can read; delete the file to start the review over, or use the prr that wrote it",
            )
        ]
        return None
    if not reader.required((), top, TOP_KEYS):
        return None
    tier = top["tier"]
    if not isinstance(tier, int) or isinstance(tier, bool) or tier not in TIERS:
        reader.bad(("tier",), f"must be one of {', '.join(map(str, TIERS))}, got {tier!r}")
    oid = "a git commit id (40 or 64 lowercase hex digits)"
    started_on = reader.text(("started_on",), top["started_on"], pattern=_OID, what=oid)
    saved_on = reader.text(("saved_on",), top["saved_on"], pattern=_OID, what=oid)
    updated = top["updated"]
    if not isinstance(updated, dt.datetime) or updated.utcoffset() != dt.timedelta(0):
        reader.bad(("updated",), f"must be a UTC date-time ending in Z, got {updated!r}")
    checklist = _read_checklist(reader, top["checklist"])
    answers = _read_answers(reader, top["answers"])
    evidence = _read_evidence(reader, top["evidence"])
    if reader.problems or checklist is None or started_on is None or saved_on is None:
        return None
    return Draft(
        checklist=checklist,
        tier=tier,
        started_on=started_on,
        saved_on=saved_on,
        updated=updated,
        answers=answers,
        evidence=evidence,
    )


def _read_checklist(reader: _Reader, value: Any) -> DraftChecklist | None:
    table = reader.table(("checklist",), value, CHECKLIST_KEYS)
    if table is None or not reader.required(("checklist",), table, CHECKLIST_KEYS):
        return None
    ok = reader.name(("checklist", "id"), table["id"])
    sha256 = reader.text(("checklist", "sha256"), table["sha256"], pattern=_SHA256, what="64 lowercase hex digits")
    return DraftChecklist(table["id"], sha256) if ok and sha256 is not None else None


def _read_evidence(reader: _Reader, value: Any) -> dict[str, str]:
    table = reader.table(("evidence",), value) or {}
    what = f"{FINGERPRINT_LENGTH} lowercase hex digits"
    return {
        item_id: digest
        for item_id, digest in table.items()
        if reader.name(("evidence", item_id), item_id)
        and reader.text(("evidence", item_id), digest, pattern=_FINGERPRINT, what=what) is not None
    }


def _read_answers(reader: _Reader, value: Any) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    for item_id, entry in (reader.table(("answers",), value) or {}).items():
        if reader.name(("answers", item_id), item_id):
            answer = _read_entry(reader, ("answers", item_id), entry)
            if answer is not None:
                answers[item_id] = answer
    return answers


def _read_entry(reader: _Reader, key: Key, value: Any) -> Answer | None:
    entry = reader.table(key, value, ENTRY_KEYS)
    if entry is None or not reader.required(key, entry, ("answer",)):
        return None
    kind_text = entry["answer"]
    if kind_text not in KINDS:
        reader.bad((*key, "answer"), f"must be one of {', '.join(KINDS)}, got {kind_text!r}")
        return None
    kind = AnswerKind(kind_text)
    before = len(reader.problems)
    for name in entry:
        if name != "answer" and name in ENTRY_KEYS and name not in ALLOWED[kind]:
            reader.bad((*key, name), f"does not belong to a {kind.value} answer: remove it")
    note = reader.text((*key, "note"), entry.get("note", ""), multiline=True)
    reason = reader.text((*key, "reason"), entry.get("reason", ""))
    links = _read_links(reader, (*key, "evidence"), entry.get("evidence", []))
    waiver = None
    if kind is AnswerKind.WAIVED:
        approver = reader.text((*key, "approver"), entry.get("approver", ""))
        expires = entry.get("expires")
        if expires is None:
            reader.bad(key, "answer 'waived' needs expires: the date the waiver lapses")
        elif isinstance(expires, dt.datetime) or not isinstance(expires, dt.date):
            reader.bad((*key, "expires"), f"must be a date written YYYY-MM-DD, got {expires!r}")
        elif reason is not None and approver is not None:
            waiver = Waiver(reason=reason, approver=approver, expires=expires)
    if len(reader.problems) > before or note is None or reason is None or links is None:
        return None
    answer = Answer(
        kind=kind,
        note=note,
        reason=reason if kind is AnswerKind.NOT_APPLICABLE else "",
        waiver=waiver,
        links=links,
    )
    for problem in answer_problems(answer):
        reader.bad(key, problem)
    return answer if len(reader.problems) == before else None


def _read_links(reader: _Reader, key: Key, value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        reader.bad(key, f"must be a list of URLs or paths, got {value!r}")
        return None
    links = [reader.text((*key, str(index)), link) for index, link in enumerate(value)]
    return None if any(link is None for link in links) else tuple(link for link in links if link is not None)


# --- where problems are ---------------------------------------------------------------------


def _message(key: Key, message: str) -> str:
    return f"{_shown(key)}: {message}" if key else message


def _shown(key: Key) -> str:
    """A key path as TOML writes it: `answers."slo.defined".expires`."""
    return ".".join(part if _BARE.fullmatch(part) else tomli_w.dumps({part: 0}).rsplit(" = ", 1)[0] for part in key)


def _dotted_key(line: str, start: int) -> tuple[Key, int] | None:
    """The dotted key starting at `start` in `line`, decoded, and where it ends."""
    end = start
    while match := _KEY_PART.match(line, end):
        end = match.end()
        if not line.startswith(".", end):
            raw = line[start:end]
            try:
                decoded: Any = tomllib.loads(f"{raw} = 0")
            except tomllib.TOMLDecodeError:  # a bad escape: no key TOML would read, so nothing to point at
                return None
            parts: list[str] = []
            while isinstance(decoded, dict) and len(decoded) == 1:
                name, decoded = next(iter(decoded.items()))
                parts.append(name)
            return tuple(parts), end
        end += 1
    return None


def _positions(text: str) -> dict[Key, tuple[int, int]]:
    """Best effort: where each table header and key is, for a draft in prr's layout or
    edited by hand in the usual TOML style."""
    found: dict[Key, tuple[int, int]] = {}
    table: Key = ()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        column = len(line) - len(stripped) + 1
        if stripped.startswith("[") and not stripped.startswith("[["):
            read = _dotted_key(line, column)
            if read is not None and line[read[1] :].lstrip().startswith("]"):
                table = read[0]
                found.setdefault(table, (number, column))
        elif stripped and not stripped.startswith("#"):
            read = _dotted_key(line, column - 1)
            if read is not None and line[read[1] :].startswith("="):
                found.setdefault((*table, *read[0]), (number, column))
    return found


def _locate(positions: dict[Key, tuple[int, int]], key: Key) -> tuple[int, int]:
    for end in range(len(key), 0, -1):
        if key[:end] in positions:
            return positions[key[:end]]
    return (1, 1)
