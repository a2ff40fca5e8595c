"""Typed reads from strict YAML nodes, collecting every problem instead of stopping.

Plain scalars are typed by what the schema expects, never by YAML 1.1's implicit rules;
where text is expected, a plain scalar that YAML 1.1 would read as something else
(`NO`, `on`, `~`, `1.10`, `2024-01-01`) is refused with a hint to quote it."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from typing import TypeVar

import yaml

from prr.domain.errors import Problem
from prr.format.strict_yaml import Map, Node, Scalar, Seq, describe

T = TypeVar("T")

_INT = re.compile(r"0|-?[1-9][0-9]*")
_NUMBER = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")
_YAML11_BOOL = re.compile(r"y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF")
_TAG_NAMES = {
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:merge": "a merge key",
    "tag:yaml.org,2002:value": "a value key",
}
_RESOLVER = yaml.resolver.Resolver()


def yaml11_surprise(value: str) -> str | None:
    """What YAML 1.1 would read an unquoted `value` as, if not text."""
    if _YAML11_BOOL.fullmatch(value):
        return "a boolean"
    tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
    return _TAG_NAMES.get(tag)


class Reader:
    """Reads typed values from nodes; each failed read adds a problem and returns None."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, node: Node, message: str) -> None:
        self.problems.append(node.problem(message))

    def text(self, node: Node, what: str) -> str | None:
        if not isinstance(node, Scalar):
            self.error(node, f"{what} must be text, got {describe(node)}")
            return None
        if node.plain:
            surprise = yaml11_surprise(node.value)
            if surprise:
                self.error(
                    node,
                    f'{what}: YAML reads unquoted {node.value!r} as {surprise}, not text; quote it: "{node.value}"',
                )
                return None
        if not node.value.strip():
            self.error(node, f"{what} must not be empty")
            return None
        return node.value

    def pattern(self, node: Node, what: str, regex: re.Pattern[str], shape: str) -> str | None:
        value = self.text(node, what)
        if value is not None and not regex.fullmatch(value):
            self.error(node, f"{what} {value!r} must be {shape}")
            return None
        return value

    def choice(self, node: Node, what: str, choices: Iterable[str]) -> str | None:
        options = list(choices)
        value = self.text(node, what)
        if value is not None and value not in options:
            self.error(node, f"{what} must be one of {', '.join(options)}; got {value!r}{_hint(value, options)}")
            return None
        return value

    def integer(self, node: Node, what: str, low: int | None = None, high: int | None = None) -> int | None:
        if not (isinstance(node, Scalar) and node.plain and _INT.fullmatch(node.value)):
            self.error(node, f"{what} must be a whole number written in decimal, got {describe(node)}")
            return None
        value = int(node.value)
        if (low is not None and value < low) or (high is not None and value > high):
            self.error(node, f"{what} must be {_range(low, high)}, got {value}")
            return None
        return value

    def number(self, node: Node, what: str, above: float | None = None) -> float | None:
        if not (isinstance(node, Scalar) and node.plain and _NUMBER.fullmatch(node.value)):
            self.error(node, f"{what} must be a number, got {describe(node)}")
            return None
        value = float(node.value)
        if above is not None and value <= above:
            self.error(node, f"{what} must be greater than {above:g}, got {node.value}")
            return None
        return value

    def boolean(self, node: Node, what: str) -> bool | None:
        if isinstance(node, Scalar) and node.plain and node.value in ("true", "false"):
            return node.value == "true"
        self.error(node, f"{what} must be true or false, got {describe(node)}")
        return None

    def seq(self, node: Node, what: str) -> list[Node] | None:
        if not isinstance(node, Seq):
            self.error(node, f"{what} must be a list, got {describe(node)}")
            return None
        return node.items

    def each(self, node: Node, what: str, read: Callable[[Node, str], T | None]) -> list[T] | None:
        items = self.seq(node, what)
        if items is None:
            return None
        values = [read(item, f"{what} entry") for item in items]
        if any(v is None for v in values):
            return None
        return [v for v in values if v is not None]

    def mapping(self, node: Node, what: str, known: Iterable[str] | None = None) -> Map | None:
        """Check `node` is a mapping and, when `known` is given, that it has no other keys."""
        if not isinstance(node, Map):
            self.error(node, f"{what} must be a mapping, got {describe(node)}")
            return None
        if known is None:
            return node
        options = list(known)
        for key, _ in node.pairs:
            if key.value not in options:
                self.error(key, f"unknown key {key.value!r} in {what}{_hint(key.value, options)}")
        return node

    def missing(self, node: Map, what: str, keys: Iterable[str]) -> None:
        for key in keys:
            if node.get(key) is None:
                self.error(node, f"{what} is missing {key!r}")


def _hint(value: str, options: list[str]) -> str:
    close = difflib.get_close_matches(value, options, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"from {low} to {high}"
    return f"at least {low}" if low is not None else f"at most {high}"
