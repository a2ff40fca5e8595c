"""How a probe declares itself, so packs can be checked against the probes that exist.

A probe is a yes/no question. Its declaration says what it asks, how to fix a failure,
and which parameters a pack may pass it, with types, defaults and the values that make
sense: a value outside them would make the probe fail for ever or pass on nothing, so
the pack loader refuses it instead."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ParamType(StrEnum):
    STR = "string"
    INT = "integer"
    NUMBER = "number"
    BOOL = "boolean"
    STR_LIST = "list of strings"


class ProbeKind(StrEnum):
    REPOSITORY = "repository"  # reads the committed tree
    ENDPOINT = "endpoint"  # asks the running service


@dataclass(frozen=True)
class Shape:
    """What a text value must look like: a regular expression and the same in words."""

    pattern: str
    meaning: str


@dataclass(frozen=True)
class Param:
    """A parameter and its sense. `choices` and `shape` apply to a string, or to each
    entry of a list; `minimum` to a number; `non_empty` to a list."""

    name: str
    type: ParamType
    default: Any
    doc: str
    choices: tuple[str, ...] = ()
    shape: Shape | None = None
    minimum: int | None = None
    non_empty: bool = False

    def entry_problem(self, text: str) -> str | None:
        """Why TEXT (the value, or one entry of a list) makes no sense here; None if it does."""
        if self.choices and text not in self.choices:
            close = difflib.get_close_matches(text, self.choices, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"must be one of {', '.join(self.choices)}, got {text!r}{hint}"
        if self.shape is not None and not re.fullmatch(self.shape.pattern, text):
            return f"must be {self.shape.meaning}, got {text!r}"
        return None

    def value_problem(self, value: Any) -> str | None:
        """Why the whole VALUE makes no sense here (an empty list, a number too small)."""
        if self.non_empty and isinstance(value, list) and not value:
            wanted = f"one of {', '.join(self.choices)}" if self.choices else "one entry"
            return f"must list at least {wanted}, got an empty list"
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if self.minimum is not None and is_number and value < self.minimum:
            return f"must be at least {self.minimum}, got {value}"
        return None

    def allowed(self) -> str:
        """The sense in words, for the probe reference; empty when any value of the type will do."""
        each = "each " if self.type is ParamType.STR_LIST else ""
        rules = []
        if self.non_empty:
            rules.append("not empty")
        if self.choices:
            rules.append(each + "one of " + ", ".join(f"`{c}`" for c in self.choices))
        if self.shape is not None:
            rules.append(each + self.shape.meaning)
        if self.minimum is not None:
            rules.append(f"at least {self.minimum}")
        return "; ".join(rules)


@dataclass(frozen=True)
class ProbeSpec:
    id: str
    question: str
    kind: ProbeKind
    remediation: str
    params: tuple[Param, ...] = ()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


ProbeCatalog = Mapping[str, ProbeSpec]
