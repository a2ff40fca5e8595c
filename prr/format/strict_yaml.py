"""A strict YAML reader for files prr treats as data.

It builds a small node tree from PyYAML's event stream (never its constructors, so no
tag can instantiate anything), iteratively (so deep nesting cannot exhaust the stack),
and refuses what has no business in a config file: anchors and aliases (expansion
bombs), tags, duplicate keys, several documents, oversized files and deep nesting.
Scalars keep their raw text and style, so the schema layer can tell `NO` from `"NO"`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from prr.domain.errors import InputError, Problem

# libyaml's event parser is about 8x faster than PyYAML's pure-Python one and yields the
# same events and marks; the pure-Python one is the fallback where libyaml is missing.
_EVENT_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32


@dataclass
class Node:
    source: str
    line: int  # 1-based
    column: int  # 1-based

    def problem(self, message: str) -> Problem:
        return Problem(self.source, self.line, self.column, message)


@dataclass
class Scalar(Node):
    value: str = ""
    plain: bool = True  # unquoted, so YAML 1.1 would resolve its type implicitly


@dataclass
class Seq(Node):
    items: list[Node] = field(default_factory=list)


@dataclass
class Map(Node):
    pairs: list[tuple[Scalar, Node]] = field(default_factory=list)

    def get(self, key: str) -> Node | None:
        return next((value for k, value in self.pairs if k.value == key), None)


def describe(node: Node) -> str:
    if isinstance(node, Map):
        return "a mapping"
    if isinstance(node, Seq):
        return "a list"
    return "text" if not (isinstance(node, Scalar) and node.plain) else f"{node.value!r}"


def parse(source: str, data: bytes, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Node:
    """Parse one YAML document into nodes, or raise InputError listing every problem found."""
    if len(data) > max_bytes:
        raise InputError(
            problems=[Problem(source, 1, 1, f"file is larger than the {max_bytes:,}-byte limit for this kind of file")]
        )
    text = _decode(source, data)
    builder = _Builder(source, max_depth)
    try:
        for event in yaml.parse(text, Loader=_EVENT_LOADER):
            if not builder.feed(event):
                break
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if "maximum nesting depth" in message:  # libyaml scans ahead and hits its own cap first
            message = f"nesting deeper than {max_depth} levels"
        else:
            message = f"invalid YAML: {message}"
        builder.problems.append(Problem(source, line, column, message))
    except yaml.reader.ReaderError as exc:
        line, column = _line_col(text, exc.position)
        char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
        builder.problems.append(
            Problem(source, line, column, f"invalid YAML: character U+{ord(char[:1] or ' '):04X} is not allowed")
        )
    if builder.problems:
        raise InputError(problems=builder.problems)
    if builder.root is None:
        raise InputError(problems=[Problem(source, 1, 1, "file is empty: expected a YAML mapping")])
    return builder.root


def _decode(source: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start]
        line = prefix.count(b"\n") + 1
        column = len(prefix) - (prefix.rfind(b"\n") + 1) + 1
        raise InputError(problems=[Problem(source, line, column, "file is not valid UTF-8")]) from None


def _line_col(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


class _Builder:
    """Turns events into nodes with an explicit stack: no recursion, no constructors."""

    def __init__(self, source: str, max_depth: int) -> None:
        self.source = source
        self.max_depth = max_depth
        self.problems: list[Problem] = []
        self.stack: list[Seq | Map] = []
        self.pending_key: list[Scalar | None] = []
        self.root: Node | None = None
        self.documents = 0

    def feed(self, event: yaml.Event) -> bool:
        """Consume one event; False stops parsing (the rest cannot be trusted)."""
        mark = event.start_mark
        line, column = mark.line + 1, mark.column + 1
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self._problem(line, column, "only one YAML document is allowed per file")
                return False
            return True
        if isinstance(event, yaml.AliasEvent):
            self._problem(line, column, f"YAML aliases are not allowed (*{event.anchor}): write the value out")
            self._attach(Scalar(self.source, line, column, value="", plain=False))
            return True
        if isinstance(event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if event.anchor is not None:
                self._problem(line, column, f"YAML anchors are not allowed (&{event.anchor}): write the value out")
            if event.tag is not None:
                tag = event.tag.replace("tag:yaml.org,2002:", "!!")
                self._problem(line, column, f"YAML tags are not allowed ({tag}): remove the tag")
        if isinstance(event, yaml.ScalarEvent):
            plain = not event.style and event.tag is None  # libyaml says "" where PyYAML says None
            self._attach(Scalar(self.source, line, column, value=event.value, plain=plain))
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(self.stack) >= self.max_depth:
                self._problem(line, column, f"nesting deeper than {self.max_depth} levels")
                return False
            node: Seq | Map = (
                Map(self.source, line, column)
                if isinstance(event, yaml.MappingStartEvent)
                else Seq(self.source, line, column)
            )
            self._attach(node)
            self.stack.append(node)
            self.pending_key.append(None)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.stack.pop()
            self.pending_key.pop()
        return True

    def _attach(self, node: Node) -> None:
        if not self.stack:
            self.root = node
            return
        parent = self.stack[-1]
        if isinstance(parent, Seq):
            parent.items.append(node)
            return
        key = self.pending_key[-1]
        if key is None:
            if not isinstance(node, Scalar):
                self._problem(node.line, node.column, "mapping keys must be plain text")
                node = Scalar(self.source, node.line, node.column, value=f"<{describe(node)}>", plain=False)
            self.pending_key[-1] = node
            return
        first = next((k for k, _ in parent.pairs if k.value == key.value), None)
        if first is not None:
            self._problem(key.line, key.column, f"duplicate key {key.value!r} (first at line {first.line}): keep one")
        else:
            parent.pairs.append((key, node))
        self.pending_key[-1] = None

    def _problem(self, line: int, column: int, message: str) -> None:
        self.problems.append(Problem(self.source, line, column, message))
