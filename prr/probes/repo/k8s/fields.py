"""Reading parsed manifest values, and the markers for what prr could not work out.

A Helm value prr could not render is text holding PLACEHOLDER (inline) or the UNKNOWN
value; probes ask `templated()` so they never judge either way on it."""

from __future__ import annotations

from typing import Any

from prr.probes.repo.k8s.yaml_lines import YMap, YSeq

PLACEHOLDER = "PRR-HELM-VALUE"  # stands for a Helm value prr could not work out


class _UnknownType:
    _instance: _UnknownType | None = None

    def __new__(cls) -> _UnknownType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _UnknownType()


def get(node: Any, *keys: Any) -> Any:
    """node[k1][k2]..., or None as soon as a step is missing or not a mapping/list."""
    for key in keys:
        if isinstance(key, int) and isinstance(node, list):
            node = node[key] if -len(node) <= key < len(node) else None
        elif isinstance(node, dict):
            node = node.get(key)
        else:
            return None
    return node


def line_of(node: Any, key: Any = None, default: int | None = None) -> int | None:
    """The line of KEY in a mapping (or item KEY of a list), else of the node itself."""
    if isinstance(node, YMap):
        found = node.key_lines.get(key) if key is not None else None
        return found if found is not None else (node.line if node.line is not None else default)
    if isinstance(node, YSeq):
        if isinstance(key, int) and 0 <= key < len(node.item_lines) and node.item_lines[key] is not None:
            return node.item_lines[key]
        return node.line if node.line is not None else default
    return default


def mapping(value: Any) -> YMap | dict | None:
    return value if isinstance(value, dict) else None


def items(value: Any) -> list[tuple[int, Any]]:
    """(index, item) for a list; nothing for anything else."""
    return list(enumerate(value)) if isinstance(value, list) else []


def templated(value: Any) -> bool:
    """True when VALUE holds something prr could not render from a Helm template."""
    if isinstance(value, str):
        return PLACEHOLDER in value
    if isinstance(value, dict):
        return any(templated(k) or templated(v) for k, v in value.items())
    if isinstance(value, list):
        return any(templated(v) for v in value)
    return False


def shown(value: Any) -> str:
    """VALUE for a message, with what Helm would fill in shown as <templated>."""
    return str(value).replace(PLACEHOLDER, "<templated>") if value is not None else ""


def as_int(value: Any) -> int | None:
    """An integer field, or None when it is missing, templated or not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None
