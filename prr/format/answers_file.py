"""Answers files: what a service owner says about each item, kept next to the code.

One file answers one pack at one tier, in YAML (`.yaml`, `.yml`) or TOML (`.toml`); the
file extension chooses the format. See docs/answers-format.md.

    checklist: launch
    tier: 1
    answers:
      ownership.codeowners: {answer: pass, note: "CODEOWNERS covers services/payments"}
      slo.defined: {answer: waived, reason: "...", approver: "...", expires: 2027-01-31}
      dr.restore-tested: {answer: na, reason: "stateless service"}

YAML is read with the strict reader (`prr.format.strict_yaml`) and typed by
`prr.format.typed`, so every problem is one `file:line:col: message` line. TOML is read
with `tomllib` and turned into the same node tree; tomllib keeps no positions, so schema
problems in a TOML file are reported at 1:1 and name the key path instead
(`answers.slo.defined.expires: ...`). Every problem in a file is reported together, as one
InputError (exit code 2).

Text is held to the record's rules (`prr.format.record_toml.text_problem`) here, where a
problem can still be pinned to its line: no control, line-separator or bidirectional-override
characters, and no line break except in a `note`. Text is kept in NFC, the form the record
stores. A trailing newline from a YAML block scalar (`|`, `>`) is refused with a hint rather
than dropped: the record holds what its signers read in the file, character for character.

Pure: no file system, no clock (the caller passes `today`)."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from prr.domain.answers import Answer, AnswerKind, Waiver
from prr.domain.checklist import TIERS, Pack
from prr.domain.errors import InputError, Problem
from prr.domain.record import PRINCIPAL, Signer
from prr.format import strict_yaml
from prr.format.record_toml import text_problem
from prr.format.strict_yaml import Map, Node, Scalar, Seq
from prr.format.typed import Reader, yaml11_surprise

YAML_SUFFIXES = (".yaml", ".yml")
TOML_SUFFIXES = (".toml",)
MAX_BYTES = strict_yaml.MAX_BYTES

TOP_KEYS = ("checklist", "tier", "answers", "signers")
SIGNER_KEYS = ("principal", "role")
ENTRY_KEYS = ("answer", "note", "reason", "approver", "expires", "evidence")
MULTILINE_KEYS = frozenset({"note"})  # as in the record: only an item's note may span lines
KINDS = tuple(kind.value for kind in AnswerKind)
# Which keys each kind of answer may carry, besides `answer` itself.
ALLOWED: dict[AnswerKind, frozenset[str]] = {
    AnswerKind.PASS: frozenset({"note", "evidence"}),
    AnswerKind.FAIL: frozenset({"note", "evidence"}),
    AnswerKind.NOT_APPLICABLE: frozenset({"note", "evidence", "reason"}),
    AnswerKind.WAIVED: frozenset({"note", "evidence", "reason", "approver", "expires"}),
}
_OR_KINDS = "pass, fail, na or waived"
_ONLY_FOR = {
    "reason": "na and waived answers",
    "approver": "waived answers",
    "expires": "waived answers",
}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_TOML_AT_END = re.compile(r"\s*\(at end of document\)")


@dataclass(frozen=True)
class AnswersFile:
    """A parsed answers file. Unanswered items (an empty `answer`) have no entry; an
    answer's `evidence` list (URLs or repository paths) is its `links`. `signers` are the
    people declared to sign the record, with their roles."""

    checklist: str
    tier: int
    answers: dict[str, Answer] = field(default_factory=dict)
    signers: tuple[Signer, ...] = ()


@dataclass(frozen=True)
class AnswersHeader:
    """What an answers file says it answers, read before its pack is known."""

    checklist: str | None
    tier: int | None


def file_format(source: str) -> str:
    """`yaml` or `toml`, from the file name's extension; InputError for anything else."""
    suffix = PurePath(source).suffix.lower()
    if suffix in YAML_SUFFIXES:
        return "yaml"
    if suffix in TOML_SUFFIXES:
        return "toml"
    raise InputError(
        problems=[
            Problem(source, 1, 1, "an answers file must end in .yaml, .yml or .toml (the extension sets its format)")
        ]
    )


def peek(source: str, data: bytes) -> AnswersHeader:
    """The `checklist` and `tier` a file names, so the caller can open that pack first.

    Raises InputError only if the file cannot be read at all (bad syntax, wrong
    extension); a missing or ill-typed value comes back as None and is reported
    properly by `parse_answers`."""
    root = _read_tree(source, data)
    if not isinstance(root, Map):
        return AnswersHeader(None, None)
    checklist = root.get("checklist")
    tier = root.get("tier")
    name = checklist.value if isinstance(checklist, Scalar) and checklist.value.strip() else None
    number = (
        int(tier.value) if isinstance(tier, Scalar) and tier.plain and tier.value in {str(t) for t in TIERS} else None
    )
    return AnswersHeader(name, number)


def parse_answers(
    source: str, data: bytes, pack: Pack, tier: int | None, today: dt.date, pack_origin: str = ""
) -> AnswersFile:
    """Read and check an answers file for `pack`.

    `tier` is the tier being reviewed, if the caller knows it (`--tier`, the service
    config): the file's `tier` must then agree, and may be left out. `today` is the date
    waivers are checked against: one that expired before it is refused. `pack_origin` says
    where the pack being reviewed was chosen (`--checklist`, the service config), for the
    message when the file's `checklist` names another."""
    root = _read_tree(source, data)
    reader = _TomlReader() if isinstance(root, _TomlMap) else _YamlReader(data)
    doc = reader.mapping(root, "answers file", TOP_KEYS)
    if doc is None:
        raise InputError(problems=reader.problems)
    required = ("checklist", "answers") if tier is not None else ("checklist", "tier", "answers")
    reader.missing(doc, "answers file", required)

    checklist_node = doc.get("checklist")
    if checklist_node is not None:
        name = reader.text(checklist_node, "checklist")
        if name is not None and name != pack.id:
            origin = f" ({pack_origin})" if pack_origin else ""
            reader.error(
                checklist_node,
                f"checklist {name!r} does not match the pack being reviewed, {pack.id!r}{origin}: "
                f"write checklist: {pack.id}",
            )

    effective = tier
    tier_node = doc.get("tier")
    if tier_node is not None:
        given = reader.integer(tier_node, "tier", TIERS[0], TIERS[-1])
        if given is not None and tier is not None and given != tier:
            reader.error(tier_node, f"tier {given} does not match the tier being reviewed, {tier}")
        elif given is not None:
            effective = given

    answers: dict[str, Answer] = {}
    answers_node = doc.get("answers")
    if answers_node is not None and not _blank(answers_node):
        entries = reader.mapping(answers_node, "answers")
        if entries is not None:
            known = {item.id: item for item in pack.items}
            for key, value in entries.pairs:
                item = known.get(key.value)
                if item is None:
                    reader.error(key, _unknown_item(key, value, pack, list(known)))
                    continue
                if effective is not None and not item.asked(effective):
                    asked = [str(t) for t in TIERS if item.asked(t)]
                    reader.error(
                        key,
                        f"item {item.id!r} is not asked at tier {effective} "
                        f"(only at tier{'s' if len(asked) > 1 else ''} {', '.join(asked)}): remove it",
                    )
                    continue
                read = _read_entry(reader, item.id, value, today)
                if read is not None:
                    answers[item.id] = read
    signers_node = doc.get("signers")
    signers = () if signers_node is None or _blank(signers_node) else _signers(reader, signers_node)

    if reader.problems:
        raise InputError(problems=reader.problems)
    assert effective is not None  # a missing tier was reported above
    return AnswersFile(checklist=pack.id, tier=effective, answers=answers, signers=signers)


def _signers(reader: _AnswersReader, node: Node) -> tuple[Signer, ...]:
    """`signers: [{principal: alice@example.com, role: owner}, ...]`, each principal once."""
    found: dict[str, Signer] = {}

    def one(entry_node: Node, what: str) -> Signer | None:
        entry = reader.mapping(entry_node, what, SIGNER_KEYS)
        if entry is None:
            return None
        reader.missing(entry, what, SIGNER_KEYS)
        principal_node, role_node = entry.get("principal"), entry.get("role")
        principal = reader.text(principal_node, "principal") if principal_node is not None else None
        role = _text(reader, role_node, "role") if role_node is not None else None
        if principal is None or role is None:
            return None
        if not PRINCIPAL.fullmatch(principal):
            reader.error(
                principal_node,
                f"principal {principal!r} must be one word of letters, digits and . _ + @ - "
                "(as in allowed_signers; it names the signature file)",
            )
            return None
        if principal in found:
            reader.error(principal_node, f"signer {principal!r} is declared twice")
            return None
        found[principal] = Signer(principal, role)
        return found[principal]

    reader.each(node, "signers", one)
    return tuple(found.values())


def _read_entry(reader: _AnswersReader, item_id: str, node: Node, today: dt.date) -> Answer | None:
    """One item's answer; None when it is unanswered or has problems (already reported)."""
    if _blank(node):
        return None
    entry = reader.mapping(node, f"answer for {item_id!r}", ENTRY_KEYS)
    if entry is None:
        return None
    answer_node = entry.get("answer")
    if answer_node is None:
        reader.error(entry, f"answer for {item_id!r} is missing 'answer' (one of {', '.join(KINDS)})")
        return None
    others = [key for key, _ in entry.pairs if key.value != "answer" and key.value in ENTRY_KEYS]
    if _blank(answer_node):
        if others:
            names = ", ".join(repr(key.value) for key in others)
            reader.error(
                answer_node,
                f"answer is empty but the entry has {names}: answer {_OR_KINDS}, or remove {names}",
            )
        return None
    problems_before = len(reader.problems)
    value = _kind(reader, answer_node)
    if value is None:
        return None
    kind = AnswerKind(value)
    for key in others:
        if key.value not in ALLOWED[kind]:
            reader.error(key, f"{key.value!r} applies only to {_ONLY_FOR[key.value]}, not to {kind.value}: remove it")

    def text(key: str, needed: str | None = None) -> str:
        node = entry.get(key)
        if node is None:
            if needed:
                reader.error(entry, f"answer {kind.value!r} for {item_id!r} needs {needed}")
            return ""
        return _text(reader, node, key, multiline=key in MULTILINE_KEYS) or ""

    note = text("note")
    reason = ""
    waiver = None
    if kind is AnswerKind.NOT_APPLICABLE:
        reason = text("reason", "a reason: why the item does not apply")
    elif kind is AnswerKind.WAIVED:
        waiver_reason = text("reason", "a reason: why the risk is acceptable")
        approver = text("approver", "an approver: who accepted the risk")
        expires_node = entry.get("expires")
        expires = None
        if expires_node is None:
            reader.error(entry, f"answer 'waived' for {item_id!r} needs expires: the date the waiver lapses")
        else:
            expires = _date(reader, expires_node, "expires")
            if expires is not None and expires < today:
                reader.error(expires_node, f"expired on {expires.isoformat()}: a waiver must expire in the future")
        if expires is not None:
            waiver = Waiver(reason=waiver_reason, approver=approver, expires=expires)
    evidence: tuple[str, ...] = ()
    evidence_node = entry.get("evidence")
    if evidence_node is not None:
        evidence = tuple(reader.each(evidence_node, "evidence", _link(reader)) or ())
    if len(reader.problems) > problems_before:
        return None
    return Answer(kind=kind, note=note, reason=reason, waiver=waiver, links=evidence)


def _link(reader: _AnswersReader) -> Callable[[Node, str], str | None]:
    def read(node: Node, what: str) -> str | None:
        value = _text(reader, node, what)
        if value is not None and value != value.strip():
            reader.error(node, f"{what} must be one URL or path on one line, got {value!r}")
            return None
        return value

    return read


def _text(reader: _AnswersReader, node: Node, what: str, *, multiline: bool = False) -> str | None:
    """Text the record can hold as written, in NFC; None (with a problem saying what to
    do) for a character the record refuses."""
    value = reader.text(node, what)
    if value is None:
        return None
    problem = text_problem(value, multiline=multiline)
    if problem is not None:
        bad = next(ch for ch in value if text_problem(ch, multiline=multiline))
        fix = reader.one_line_hint(node) if bad in "\r\n" else "remove it"
        reader.error(node, f"{what}: {problem}; {fix}")
        return None
    return unicodedata.normalize("NFC", value)


def _date(reader: Reader, node: Node, what: str) -> dt.date | None:
    """A calendar date written `YYYY-MM-DD` (a plain YAML date, a TOML date, or quoted text)."""
    if isinstance(node, Scalar) and _ISO_DATE.fullmatch(node.value):
        try:
            return dt.date.fromisoformat(node.value)
        except ValueError:
            reader.error(node, f"{what} {node.value!r} is not a real date")
            return None
    reader.error(node, f"{what} must be a date written YYYY-MM-DD, like 2027-01-31, got {strict_yaml.describe(node)}")
    return None


def _kind(reader: Reader, node: Node) -> str | None:
    if isinstance(node, Scalar) and node.plain and not isinstance(node, _TomlScalar):
        surprise = yaml11_surprise(node.value)
        if surprise:
            reader.error(node, f"answer must be {_OR_KINDS}; got {node.value!r}, which YAML reads as {surprise}")
            return None
    return reader.choice(node, "answer", KINDS)


def _blank(node: Node) -> bool:
    """An empty value: `key:` with nothing after it, or `""`."""
    return isinstance(node, Scalar) and not node.value.strip()


def _unknown_item(key: Scalar, value: Node, pack: Pack, ids: list[str]) -> str:
    message = f"unknown item {key.value!r} in checklist {pack.id!r}"
    if isinstance(key, _TomlScalar) and isinstance(value, Map) and value.get("answer") is None:
        nested = _first_leaf_id(key.value, value)
        if any(item_id.startswith(key.value + ".") for item_id in ids):
            return f'{message}: in TOML, quote dotted item ids, as in [answers."{nested}"]'
    close = difflib.get_close_matches(key.value, ids, n=1)
    return f"{message} (did you mean {close[0]!r}?)" if close else message


def _first_leaf_id(prefix: str, node: Map) -> str:
    """`slo.defined` for TOML's `[answers.slo.defined]`, which nests `slo` > `defined`."""
    while node.pairs and node.get("answer") is None:
        key, child = node.pairs[0]
        prefix = f"{prefix}.{key.value}"
        if not isinstance(child, Map):
            break
        node = child
    return prefix


# ----------------------------------------------------------------------------- reading


def _read_tree(source: str, data: bytes) -> Node:
    if file_format(source) == "yaml":
        return strict_yaml.parse(source, data)
    return _read_toml(source, data)


class _AnswersReader(Reader):
    """A reader that can say how to write a value of its file format on one line."""

    def one_line_hint(self, node: Node) -> str:
        return "write it on one line, without \\n or a blank line"


class _YamlReader(_AnswersReader):
    """Keeps the file's lines, to tell a block scalar (`|`, `>`) by its indicator."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = data

    def one_line_hint(self, node: Node) -> str:
        lines = self._data.decode("utf-8-sig", "replace").splitlines()  # line breaks as YAML counts them
        line = lines[node.line - 1] if 0 < node.line <= len(lines) else ""
        if line[node.column - 1 : node.column] in ("|", ">"):
            return (
                "write it on one line: '>-' instead of '|' or '>' folds the lines into one and drops the final newline"
            )
        return super().one_line_hint(node)


class _TomlReader(_AnswersReader):
    """TOML values are typed already: a number or boolean where text belongs is just wrong."""

    def one_line_hint(self, node: Node) -> str:
        return 'write it on one line: one "..." string without \\n, not a multi-line string'

    def text(self, node: Node, what: str) -> str | None:
        if isinstance(node, _TomlScalar) and node.plain:
            self.error(node, f"{what} must be text, got {node.value}")
            return None
        return super().text(node, what)


@dataclass
class _TomlScalar(Scalar):
    path: str = ""

    def problem(self, message: str) -> Problem:
        return _toml_problem(self, self.path, message)


@dataclass
class _TomlSeq(Seq):
    path: str = ""

    def problem(self, message: str) -> Problem:
        return _toml_problem(self, self.path, message)


@dataclass
class _TomlMap(Map):
    path: str = ""

    def problem(self, message: str) -> Problem:
        return _toml_problem(self, self.path, message)


def _toml_problem(node: Node, path: str, message: str) -> Problem:
    """TOML has no positions here: name the key path, folded into the message's subject."""
    if not path:
        return Problem(node.source, node.line, node.column, message)
    name = path.rsplit(".", 1)[-1]
    if message.startswith((name + " ", name + ":")):
        return Problem(node.source, node.line, node.column, path + message[len(name) :])
    return Problem(node.source, node.line, node.column, f"{path}: {message}")


def _read_toml(source: str, data: bytes) -> Node:
    if len(data) > MAX_BYTES:
        raise InputError(
            problems=[Problem(source, 1, 1, f"file is larger than the {MAX_BYTES:,}-byte limit for this kind of file")]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start]
        line = prefix.count(b"\n") + 1
        column = len(prefix) - (prefix.rfind(b"\n") + 1) + 1
        raise InputError(problems=[Problem(source, line, column, "file is not valid UTF-8")]) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        found = _TOML_AT.search(message)
        if found:
            line, column = int(found[1]), int(found[2])
        elif _TOML_AT_END.search(message):
            lines = text.split("\n")
            line, column = len(lines), len(lines[-1]) + 1
        else:
            line, column = 1, 1
        message = _TOML_AT_END.sub("", _TOML_AT.sub("", message)).strip()
        raise InputError(problems=[Problem(source, line, column, f"invalid TOML: {message}")]) from None
    return _toml_node(source, document, "")


def _toml_node(source: str, value: Any, path: str) -> Node:
    """A TOML value as strict-YAML nodes: strings are quoted text, other scalars plain."""
    if isinstance(value, dict):
        node = _TomlMap(source, 1, 1, path=path)
        for key, child in value.items():
            child_path = f"{path}.{key}" if path else key
            node.pairs.append(
                (
                    _TomlScalar(source, 1, 1, value=key, plain=False, path=child_path),
                    _toml_node(source, child, child_path),
                )
            )
        return node
    if isinstance(value, list):
        return _TomlSeq(source, 1, 1, path=path, items=[_toml_node(source, item, path) for item in value])
    if isinstance(value, str):
        return _TomlScalar(source, 1, 1, value=value, plain=False, path=path)
    if isinstance(value, bool):
        return _TomlScalar(source, 1, 1, value="true" if value else "false", plain=True, path=path)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return _TomlScalar(source, 1, 1, value=value.isoformat(), plain=True, path=path)
    return _TomlScalar(source, 1, 1, value=str(value), plain=True, path=path)
