"""Frozen dataclass instances made from their complete, already checked fields.

Readers that make objects by the hundred thousand (a monorepo's cached findings, the
records `prr verify` reads by the thousand) skip `__init__`, as pickle does: a frozen
dataclass's `__init__` costs an `object.__setattr__` call per field."""

from __future__ import annotations

from typing import Any, TypeVar

_T = TypeVar("_T")


def built(cls: type[_T], fields: dict[str, Any]) -> _T:
    """An instance of CLS (a dataclass with no `__post_init__`) holding FIELDS, which the
    caller guarantees are all of its fields, each of the right type."""
    made = object.__new__(cls)
    object.__setattr__(made, "__dict__", fields)
    return made
