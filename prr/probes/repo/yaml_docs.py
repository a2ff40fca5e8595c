"""YAML documents with their node trees, so a probe can name the line of any key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from prr.probes.repo.yaml_loader import Loader


@dataclass(frozen=True)
class Doc:
    data: Any
    node: yaml.Node | None  # None for a JSON document (no line numbers beyond the first)


def yaml_docs(text: str) -> tuple[list[Doc], tuple[str, int | None] | None]:
    """Every document with its node tree (for line numbers), and the parse error if any."""
    loader = Loader(text)
    docs: list[Doc] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            docs.append(Doc(loader.construct_document(node), node))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return docs, (f"invalid YAML: {problem}", mark.line + 1 if mark is not None else None)
    except RecursionError:
        return docs, ("invalid YAML: nested too deeply", None)
    except Exception as exc:  # a constructor refusing a value (dates out of range, ...)
        return docs, (f"invalid YAML: {type(exc).__name__}", None)
    finally:
        loader.dispose()
    return docs, None


def _child(node: yaml.Node, step: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """(key node, value node) under a mapping key, or (item, item) for a sequence index."""
    if isinstance(step, int):
        if isinstance(node, yaml.SequenceNode) and 0 <= step < len(node.value):
            return node.value[step], node.value[step]
        return None
    if isinstance(node, yaml.MappingNode):
        for key, value in reversed(node.value):  # the constructor keeps the last duplicate
            if isinstance(key, yaml.ScalarNode) and key.value == step:
                return key, value
    return None


def line_at(node: yaml.Node, *path: str | int) -> int:
    """The line of the deepest key along PATH that exists (the node's own line if none)."""
    line = node.start_mark.line + 1
    for step in path:
        found = _child(node, step)
        if found is None:
            break
        key, node = found
        line = key.start_mark.line + 1
    return line


def value_node(node: yaml.Node, *path: str | int) -> yaml.Node | None:
    for step in path:
        found = _child(node, step)
        if found is None:
            return None
        node = found[1]
    return node


def literal_start(node: yaml.Node | None) -> int | None:
    """For a `|` block scalar, the file line of its first content line."""
    if isinstance(node, yaml.ScalarNode) and node.style == "|":
        return node.start_mark.line + 2
    return None
