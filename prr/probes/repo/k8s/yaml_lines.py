"""YAML read with PyYAML's safe composer into dicts and lists that remember their lines.

Never a constructor, so no tag can build anything. A small walker turns the node graph into
`YMap`/`YSeq`, sharing aliased nodes so an alias bomb costs nothing, and refusing
self-referencing aliases and runaway nesting. Plain scalars become bool, int, float or None
the YAML 1.1 way; every other tag is text."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from prr.probes.repo.yaml_loader import Loader

MAX_DEPTH = 100
MAX_EXPANDED = 2_000_000  # values a document may hold once its aliases are expanded
MAX_WORK = 5_000_000  # entries the walker may copy for one document (merge keys included)


class YMap(dict):
    """A YAML mapping as a dict, remembering its own line and the line of each key."""

    __slots__ = ("key_lines", "line")

    def __init__(self, line: int | None) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int | None] = {}


class YSeq(list):
    """A YAML sequence as a list, remembering its own line and the line of each item."""

    __slots__ = ("item_lines", "line")

    def __init__(self, line: int | None) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int | None] = []


@dataclass(frozen=True)
class Parsed:
    documents: tuple[Any, ...]
    error: tuple[int, str] | None = None  # (line, problem) when the stream stopped parsing


class _Malformed(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_SCALAR_TAGS: dict[str, Callable[[yaml.ScalarNode], Any]] = {
    "tag:yaml.org,2002:null": lambda node: None,
    "tag:yaml.org,2002:bool": _CONSTRUCTOR.construct_yaml_bool,
    "tag:yaml.org,2002:int": _CONSTRUCTOR.construct_yaml_int,
    "tag:yaml.org,2002:float": _CONSTRUCTOR.construct_yaml_float,
}
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _scalar(node: yaml.ScalarNode) -> Any:
    convert = _SCALAR_TAGS.get(node.tag)
    if convert is None:
        return str(node.value)
    try:
        return convert(node)
    except Exception:  # a resolver/constructor disagreement: keep the text
        return str(node.value)


class _Walker:
    def __init__(self, line_map: Sequence[int] | None) -> None:
        self.line_map = line_map
        self.memo: dict[int, Any] = {}
        self.sizes: dict[int, int] = {}  # expanded size of each composite node
        self.active: set[int] = set()
        self.work = 0

    def line(self, node: yaml.Node) -> int:
        line = node.start_mark.line + 1
        if self.line_map:
            return self.line_map[min(line, len(self.line_map)) - 1]
        return line

    def value(self, node: yaml.Node, depth: int = 0) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if depth > MAX_DEPTH:
            raise _Malformed(self.line(node), f"nesting deeper than {MAX_DEPTH} levels")
        key = id(node)
        if key in self.memo:
            return self.memo[key]
        if key in self.active:
            raise _Malformed(self.line(node), "an alias refers to the node that contains it")
        self.active.add(key)
        try:
            out = self._sequence(node, depth) if isinstance(node, yaml.SequenceNode) else self._mapping(node, depth)
        finally:
            self.active.discard(key)
        sizes = self.sizes
        size = 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                size += sizes.get(id(key_node), 1) + sizes.get(id(value_node), 1)
        else:
            for child in node.value:
                size += sizes.get(id(child), 1)
        if size > MAX_EXPANDED:  # an alias bomb: refuse before anything walks it
            raise _Malformed(self.line(node), f"YAML aliases expand to more than {MAX_EXPANDED:,} values")
        sizes[key] = size
        self.memo[key] = out
        return out

    def _count(self, node: yaml.Node, entries: int) -> None:
        self.work += entries
        if self.work > MAX_WORK:
            raise _Malformed(self.line(node), "YAML aliases and merge keys expand too far")

    # The loops below inline value() for scalars and line() without a line map: they run
    # for every value of every YAML file of a monorepo.

    def _sequence(self, node: yaml.SequenceNode, depth: int) -> YSeq:
        out = YSeq(self.line(node))
        self._count(node, len(node.value))
        mapped = bool(self.line_map)
        item_lines = out.item_lines
        for item in node.value:
            out.append(_scalar(item) if isinstance(item, yaml.ScalarNode) else self.value(item, depth + 1))
            item_lines.append(self.line(item) if mapped else item.start_mark.line + 1)
        return out

    def _mapping(self, node: yaml.MappingNode, depth: int) -> YMap:
        out = YMap(self.line(node))
        self._count(node, len(node.value))
        mapped = bool(self.line_map)
        key_lines = out.key_lines
        merges = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
            elif isinstance(key_node, yaml.ScalarNode):
                key = _scalar(key_node)
                if isinstance(value_node, yaml.ScalarNode):
                    out[key] = _scalar(value_node)
                else:
                    out[key] = self.value(value_node, depth + 1)
                key_lines[key] = self.line(key_node) if mapped else key_node.start_mark.line + 1
        for merge in merges:  # `<<: *base`: explicit keys win, then earlier merges
            merged = self.value(merge, depth + 1)
            for source in merged if isinstance(merged, YSeq) else [merged]:
                if isinstance(source, YMap):
                    self._count(node, len(source))
                    for key, value in source.items():
                        if key not in out:
                            out[key] = value
                            key_lines[key] = source.key_lines.get(key)
        return out


def parse_yaml(text: str, line_map: Sequence[int] | None = None) -> Parsed:
    """Every document of TEXT as YMap/YSeq/scalars; documents before an error are kept.
    LINE_MAP maps lines of TEXT to lines of the file it was rendered from."""
    documents: list[Any] = []

    def source_line(line: int) -> int:
        return line_map[min(max(line, 1), len(line_map)) - 1] if line_map else line

    try:
        for node in yaml.compose_all(text, Loader=Loader):
            documents.append(None if node is None else _Walker(line_map).value(node))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part) or "invalid YAML"
        return Parsed(tuple(documents), (source_line(mark.line + 1 if mark else 1), problem))
    except _Malformed as exc:
        return Parsed(tuple(documents), (exc.line, exc.message))
    except yaml.reader.ReaderError as exc:
        return Parsed(tuple(documents), (source_line(text.count("\n", 0, exc.position) + 1), str(exc.reason)))
    except Exception as exc:  # whatever the input, never an exception out of a probe
        return Parsed(tuple(documents), (1, f"unreadable YAML ({type(exc).__name__})"))
    return Parsed(tuple(documents))


def parse_json_or_yaml(text: str) -> Parsed:
    """JSON through the YAML reader (for lines); plain JSON when YAML refuses it."""
    parsed = parse_yaml(text)
    if parsed.error is None:
        return parsed
    try:
        return Parsed((_lined(json.loads(text)),))
    except (ValueError, RecursionError):
        return parsed


def _lined(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError("too deep")
    if isinstance(value, dict):
        out = YMap(None)
        for key, item in value.items():
            out[key] = _lined(item, depth + 1)
            out.key_lines[key] = None
        return out
    if isinstance(value, list):
        seq = YSeq(None)
        for item in value:
            seq.append(_lined(item, depth + 1))
            seq.item_lines.append(None)
        return seq
    return value


def plain(value: Any, depth: int = 0, memo: dict[int, Any] | None = None) -> Any:
    """YMap/YSeq as plain dicts and lists (for dumping); shared parts stay shared."""
    if depth > MAX_DEPTH or not isinstance(value, dict | list):
        return None if depth > MAX_DEPTH else value
    memo = {} if memo is None else memo
    if id(value) not in memo:
        if isinstance(value, dict):
            memo[id(value)] = {k: plain(v, depth + 1, memo) for k, v in value.items()}
        else:
            memo[id(value)] = [plain(v, depth + 1, memo) for v in value]
    return memo[id(value)]
