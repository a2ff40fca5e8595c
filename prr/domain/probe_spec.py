"""How a probe declares itself, so packs can be checked against the probes that exist.

A probe is a yes/no question. Its declaration says what it asks, how to fix a failure,
and which parameters a pack may pass it, with types and defaults."""

from __future__ import annotations

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
class Param:
    name: str
    type: ParamType
    default: Any
    doc: str


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
