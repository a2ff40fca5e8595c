"""The Go template and Sprig functions prr evaluates, and how Go prints a value.

What prr cannot tell (include, tpl, printf, lookup, an unknown argument) is UNKNOWN."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from prr.probes.repo.k8s.fields import UNKNOWN
from prr.probes.repo.k8s.yaml_lines import plain


class _RootType:
    """The template's top-level `.`: only `.Values` of it is known."""


ROOT: Any = _RootType()


@dataclass
class YamlText:
    """What toYaml printed: text to indent, not a value to compare."""

    text: str


@dataclass
class Indented:
    """What indent or nindent printed, ready to splice into the YAML."""

    text: str


def truthiness(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, YamlText | Indented):
        return bool(value.text)
    return bool(value)


def is_function(token: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token)) and token not in ("true", "false", "nil")


def go_text(value: Any) -> str | None:
    """How a Go template prints VALUE, or None when prr cannot tell."""
    if value is UNKNOWN or value is ROOT or isinstance(value, dict | list):
        return None
    if value is None:
        return ""  # Helm prints missing values as nothing
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _compare(args: list[Any], op: Callable[[Any, Any], bool]) -> Any:
    if len(args) != 2 or UNKNOWN in args:
        return UNKNOWN
    a, b = args
    try:
        return op(a, b)
    except TypeError:
        return UNKNOWN


def _indent(args: list[Any], newline: bool) -> Any:
    if len(args) != 2 or not isinstance(args[0], int) or not 0 <= args[0] <= 200:
        return UNKNOWN
    pad = " " * args[0]
    text = args[1].text if isinstance(args[1], YamlText | Indented) else go_text(args[1])
    if text is None:
        return Indented("\n" if newline else "")
    text = pad + text.replace("\n", "\n" + pad)
    return Indented("\n" + text if newline else text)


def _to_yaml(value: Any) -> Any:
    if value is UNKNOWN or value is ROOT:
        return UNKNOWN
    if isinstance(value, YamlText | Indented):
        return UNKNOWN
    try:
        text = yaml.safe_dump(plain(value), default_flow_style=False, sort_keys=True, width=10_000)
    except yaml.YAMLError:
        return UNKNOWN
    text = text.removesuffix("\n").removesuffix("\n...")
    return YamlText(text)


def call(name: str, args: list[Any]) -> Any:
    if name == "not":
        return UNKNOWN if len(args) != 1 else (UNKNOWN if truthiness(args[0]) is UNKNOWN else not truthiness(args[0]))
    if name in ("and", "or"):
        if not args:
            return UNKNOWN
        decisive = name == "or"
        if any(truthiness(a) is decisive for a in args):
            return next(a for a in args if truthiness(a) is decisive)
        return UNKNOWN if any(truthiness(a) is UNKNOWN for a in args) else args[-1]
    if name == "eq":
        if len(args) < 2 or UNKNOWN in args:
            return UNKNOWN
        return any(args[0] == other for other in args[1:])
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        "ne": lambda a, b: a != b,
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
        "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b,
    }
    if name in comparisons:
        return _compare(args, comparisons[name])
    if name == "empty":
        return UNKNOWN if len(args) != 1 or truthiness(args[0]) is UNKNOWN else not truthiness(args[0])
    if name == "default":
        if len(args) == 1:
            return args[0]
        if len(args) != 2 or args[1] is UNKNOWN:
            return UNKNOWN
        return args[1] if truthiness(args[1]) else args[0]
    if name in ("required", "toString") and args:
        value = args[-1]
        return value if name == "required" else go_text(value) if go_text(value) is not None else UNKNOWN
    if name in ("quote", "squote"):
        texts = [go_text(a) for a in args]
        if not args or None in texts:
            return UNKNOWN
        q = '"' if name == "quote" else "'"
        return " ".join(json.dumps(t) if q == '"' else f"'{t}'" for t in texts if t is not None)
    if name == "toYaml" and len(args) == 1:
        return _to_yaml(args[0])
    if name in ("indent", "nindent"):
        return _indent(args, name == "nindent")
    if name in ("int", "int64") and len(args) == 1:
        try:
            return int(args[0]) if args[0] is not UNKNOWN and not isinstance(args[0], dict | list) else UNKNOWN
        except (TypeError, ValueError):
            return UNKNOWN
    if name == "hasKey" and len(args) == 2:
        return args[1] in args[0] if isinstance(args[0], dict) else UNKNOWN
    if name == "ternary" and len(args) == 3:
        truth = truthiness(args[2])
        return UNKNOWN if truth is UNKNOWN else args[0] if truth else args[1]
    if name == "coalesce":
        for arg in args:
            if truthiness(arg) is UNKNOWN:
                return UNKNOWN
            if truthiness(arg):
                return arg
        return None
    if name in ("lower", "upper") and len(args) == 1 and isinstance(args[0], str):
        return args[0].lower() if name == "lower" else args[0].upper()
    return UNKNOWN  # include, tpl, printf, lookup, ...: prr cannot tell
