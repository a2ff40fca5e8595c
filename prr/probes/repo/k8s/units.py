"""Kubernetes value formats: resource quantities, counts or percentages, Go durations."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": "1e-9", "u": "1e-6", "m": "1e-3", "": "1", "k": "1e3", "M": "1e6", "G": "1e9", "T": "1e12"}
_DECIMAL |= {"P": "1e15", "E": "1e18"}
_QUANTITY = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?")


def quantity(value: Any) -> Decimal | None:
    """A Kubernetes resource quantity ("500m", "1Gi", 2), or None when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    match = _QUANTITY.fullmatch(str(value).strip())
    if match is None:
        return None
    number, suffix = match.group(1), match.group(2) or ""
    try:
        if suffix in _BINARY:
            return Decimal(number) * _BINARY[suffix]
        if suffix in _DECIMAL:
            return Decimal(number) * Decimal(_DECIMAL[suffix])
        return Decimal(number + suffix)
    except InvalidOperation:
        return None


_PERCENT = re.compile(r"(\d+)%")


def budget_value(value: Any) -> tuple[str, int] | None:
    """("count", n) or ("percent", p), or None when invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return ("count", value)
    if isinstance(value, str):
        match = _PERCENT.fullmatch(value.strip())
        if match and int(match.group(1)) <= 100:
            return ("percent", int(match.group(1)))
        if value.strip().isdigit():
            return ("count", int(value.strip()))
    return None


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration(value: Any) -> float | None:
    """A Go/protobuf duration ("1.5s", "1m30s", "250ms") in seconds, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text == "0":
        return 0.0
    pos, total = 0, 0.0
    while pos < len(text):
        match = _DURATION.match(text, pos)
        if match is None:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    return total
